// Command floor is the start-up floor a cached `aztoken get` is measured
// against (issue 23): a program that links what any Go client of Entra ID
// links (net/http, crypto/tls, crypto/x509, encoding/json) and, run
// without arguments, only prints a line of JSON, as a cached get prints a
// token. The request branch is never taken by the benchmarks; it is there
// so that the linker keeps those packages, and so their initialisers run
// at every start, as they do in aztoken.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(get(os.Args[1]))
	}
	out, _ := json.Marshal(map[string]string{"accessToken": "floor"})
	fmt.Println(string(out))
}

// get fetches url with the system's certificates and prints its JSON.
func get(url string) int {
	roots, err := x509.SystemCertPool()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(v)
	return 0
}
