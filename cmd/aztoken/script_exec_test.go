package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// showEnv is the "showenv" command that scripts run under aztoken exec. It
// is the test binary itself, so it runs on every OS the suite does:
//
//	showenv NAME...      one line per variable: "NAME len=N sha256=HEX" or "NAME unset"
//	showenv -raw NAME    the value itself and a newline
//	showenv -args A...   each argument on a line of its own, in brackets
//	showenv -cat         copies stdin to stdout, and writes "err" to stderr
//	showenv -exit N      exits with N
//	showenv -countint F  logs each SIGINT to F (after "ready") until F.done exists
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
	case "-countint":
		// Appends "got-INT" to the file args[1] for each SIGINT, until
		// args[1].done exists: a Go handler sees each delivery, where a
		// shell's trap runs once for several.
		countInterrupts(args[1])
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

// The Postgres fakes a script started, by script.
var pgs sync.Map

// cmdPG drives the fake Azure Database for PostgreSQL, which trusts the
// script's Entra fake:
//
//	pg start ROLE=CLIENT_ID...   roles for the service principals of those apps; sets PGHOST, PGPORT, PGSSLMODE, ...
//	pg accepted N                sign-ins accepted so far
//	pg refused N                 sign-ins refused so far
func cmdPG(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: pg start ROLE=CLIENT_ID... | accepted N | refused N")
	}
	if args[0] == "start" {
		// The server trusts the Entra fake's keys.
		e := started[*fakeazure.Entra](ts, &entras, "entra", "(for pg start)")
		roles := map[string]string{}
		for _, a := range args[1:] {
			role, client, ok := strings.Cut(a, "=")
			if !ok {
				ts.Fatalf("pg start: want ROLE=CLIENT_ID, got %q", a)
			}
			roles[role] = fakeazure.ServicePrincipalOID(client)
		}
		pg, err := fakeazure.NewPostgres(fakeazure.PostgresOptions{Issuer: e.Minter(), Roles: roles})
		ts.Check(err)
		ts.Defer(pg.Close)
		ca := filepath.Join(ts.Getenv("WORK"), "pg-ca.pem")
		ts.Check(os.WriteFile(ca, pg.CACertPEM(), 0o644))
		host, port, _ := net.SplitHostPort(pg.Addr())
		for k, v := range map[string]string{
			"PGHOST": host, "PGPORT": port, "PGDATABASE": "postgres", "PGCONNECT_TIMEOUT": "10",
			"PGSSLMODE": "verify-full", "PGSSLROOTCERT": ca,
		} {
			ts.Setenv(k, v)
		}
		pgs.Store(ts, pg)
		return
	}
	pg := started[*fakeazure.Postgres](ts, &pgs, "pg", args[0])
	switch args[0] {
	case "accepted":
		need(ts, args, 2)
		checkCount(ts, neg, "postgres", "sign-ins accepted", pg.Accepted(), args[1])
	case "refused":
		need(ts, args, 2)
		checkCount(ts, neg, "postgres", "sign-ins refused", len(pg.Refused()), args[1])
	default:
		ts.Fatalf("pg: unknown subcommand %q", args[0])
	}
}

func countInterrupts(log string) {
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, os.Interrupt)
	appendLine := func(s string) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			os.Exit(1)
		}
		fmt.Fprintln(f, s)
		f.Close()
	}
	appendLine("ready")
	for {
		select {
		case <-ch:
			appendLine("got-INT")
		case <-time.After(20 * time.Millisecond):
			if _, err := os.Stat(log + ".done"); err == nil {
				os.Exit(0)
			}
		}
	}
}
