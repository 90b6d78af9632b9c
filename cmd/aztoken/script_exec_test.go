package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
)

// showEnv is the "showenv" command that scripts run under aztoken exec. It
// is the test binary itself, so it runs on every OS the suite does:
//
//	showenv NAME...      one line per variable: "NAME len=N sha256=HEX" or "NAME unset"
//	showenv -raw NAME    the value itself and a newline
//	showenv -args A...   each argument on a line of its own, in brackets
//	showenv -cat         copies stdin to stdout, and writes "err" to stderr
//	showenv -exit N      exits with N
func showEnv() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: showenv NAME... | -raw NAME | -args A... | -cat | -exit N")
		os.Exit(2)
	}
	switch args[0] {
	case "-raw":
		fmt.Println(os.Getenv(args[1]))
	case "-args":
		for _, a := range args[1:] {
			fmt.Printf("[%s]\n", a)
		}
	case "-cat":
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "err")
	case "-exit":
		n, err := strconv.Atoi(args[1])
		if err != nil {
			os.Exit(2)
		}
		os.Exit(n)
	default:
		for _, name := range args {
			v, ok := os.LookupEnv(name)
			if !ok {
				fmt.Printf("%s unset\n", name)
				continue
			}
			sum := sha256.Sum256([]byte(v))
			fmt.Printf("%s len=%d sha256=%s\n", name, len(v), hex.EncodeToString(sum[:8]))
		}
	}
	os.Exit(0)
}
