package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGitHelperKeepsSecrets runs git's credential helper down its failure
// paths and its success path, with and without -v: the Entra ID token is
// on stdout only as the password git asked for, and neither it, the
// client secret, nor a password git hands to store or erase reaches
// stderr; the tenant memo and the cache hold no token in the clear.
func TestGitHelperKeepsSecrets(t *testing.T) {
	entra := entraWithApp(t, "app-git")
	aztoken := lookPath(t, "aztoken")
	dir := t.TempDir()
	const gitPassword = "eyJhbGciOiJub25lIn0.eyJnaXQiOiJzdG9yZSJ9.git-store-password-Lp0o"
	// The organization's discovery request finds nothing listening.
	base := helperEnv(t, entra, dir, "app-git", "dev.azure.com:443="+closedPort())
	request := "protocol=https\nhost=dev.azure.com\npath=contoso/web/_git/web\n" +
		"wwwauth[]=Bearer authorization_uri=https://login.microsoftonline.com/" + entra.TenantID() + "\n\n"
	run := func(action, stdin string, verbose bool, env ...string) (stdout, stderr string, err error) {
		args := []string{"git", "credential"}
		if verbose {
			args = append(args, "-v")
		}
		return runWith(aztoken, append(slices.Clone(base), env...), stdin, append(args, action)...)
	}
	secrets := []string{secretClient, rightSecret, gitPassword}

	for _, verbose := range []bool{false, true} {
		// Entra ID refuses the secret: a report, no answer.
		stdout, stderr, err := run("get", request, verbose, "AZURE_CLIENT_SECRET="+secretClient)
		if err == nil || stdout != "" || stderr == "" {
			t.Errorf("wrong secret (-v %v): err %v, stdout %q, stderr %q", verbose, err, stdout, stderr)
		}
		noSecret(t, "stderr", stderr, secrets...)
		// store and erase are handed a password; they never show it.
		for _, action := range []string{"store", "erase"} {
			stdout, stderr, err := run(action, strings.TrimSuffix(request, "\n")+"username=aztoken\npassword="+gitPassword+"\n\n", verbose, "AZURE_CLIENT_SECRET="+rightSecret)
			if err != nil || stdout != "" {
				t.Errorf("%s: err %v, stdout %q", action, err, stdout)
			}
			noSecret(t, action+" stderr", stderr, secrets...)
		}
	}

	// Success, with -v and a discovery that fails (no wwwauth[], nothing
	// listening): the token is the password on stdout and nowhere else.
	plain := "protocol=https\nhost=dev.azure.com\npath=fabrikam/web/_git/web\n\n"
	for _, req := range []string{request, plain} {
		stdout, stderr, err := run("get", req, true, "AZURE_CLIENT_SECRET="+rightSecret)
		if err != nil {
			t.Fatalf("get failed: %v\n%s", err, stderr)
		}
		var password string
		for _, line := range strings.Split(stdout, "\n") {
			if v, ok := strings.CutPrefix(line, "password="); ok {
				password = v
			}
		}
		if !strings.HasPrefix(password, "eyJ") {
			t.Fatalf("stdout has no token as the password: %q", stdout)
		}
		noSecret(t, "stderr", stderr, append(slices.Clone(secrets), password, strings.Split(password, ".")[2])...)
	}
	if sealedCache(t, filepath.Join(dir, "cache"), "the-right-secret") == 0 {
		t.Error("nothing was cached")
	}
}
