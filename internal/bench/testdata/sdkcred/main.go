// Command sdkcred is the peer aztoken is measured against: the smallest
// program that gets a token with the Azure SDK for Go's
// DefaultAzureCredential and prints it, as a script would use it.
//
// Usage: sdkcred SCOPE. It reads the SDK's usual environment variables
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_AUTHORITY_HOST, SSL_CERT_FILE) and two of the benchmark's:
//
//	SDKCRED_IMDS_ADDR  host:port to which connections for IMDS
//	                   (169.254.169.254:80) are sent; unset, they are refused
//	SDKCRED_RESOLVE    host:port=addr: connections for host:port go to addr,
//	                   a loopback fake answering under a cloud's name
//	SDKCRED_DISCOVERY  "on" leaves instance discovery as the SDK's default
//	                   (on), as users run it against a Microsoft cloud
//
// Its HTTP transport dials loopback and nothing else, so it can never reach
// Entra ID or a real IMDS. The Azure CLI credential runs `az` from PATH
// through /bin/sh, which the benchmark points at a fake.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// imdsAddr is where the SDK sends its IMDS probe and token requests.
const imdsAddr = "169.254.169.254:80"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sdkcred SCOPE")
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         loopbackDial(os.Getenv("SDKCRED_IMDS_ADDR"), os.Getenv("SDKCRED_RESOLVE")),
		TLSHandshakeTimeout: 5 * time.Second,
	}}
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: azcore.ClientOptions{Transport: client},
		// The fake Entra under its own address is not a known Microsoft
		// cloud, so instance discovery (a request to login.microsoft.com)
		// must be off, unless the fake answers under a cloud's name.
		DisableInstanceDiscovery: os.Getenv("SDKCRED_DISCOVERY") != "on",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcred:", err)
		os.Exit(1)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{os.Args[1]}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcred:", err)
		os.Exit(1)
	}
	fmt.Println(tok.Token)
}

// loopbackDial refuses every address that is not a loopback IP, after
// moving IMDS's address to imds when it is set, and resolve's host:port to
// its address.
func loopbackDial(imds, resolve string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	from, to, _ := strings.Cut(resolve, "=")
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if from != "" && strings.EqualFold(addr, from) {
			addr = to
		}
		if addr == imdsAddr {
			if imds == "" {
				return nil, errors.New("sdkcred: IMDS is refused in this benchmark")
			}
			addr = imds
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("sdkcred: refusing to dial %s, which is not a loopback address", addr)
		}
		return d.DialContext(ctx, network, addr)
	}
}
