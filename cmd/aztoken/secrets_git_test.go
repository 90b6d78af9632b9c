package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// TestGitHelperKeepsSecrets runs git's credential helper down its failure
// paths and its success path, with and without -v: the Entra ID token is
// on stdout only as the password git asked for, and neither it, the
// client secret, nor a password git hands to store or erase reaches
// stderr; the tenant memo and the cache hold no token in the clear.
func TestGitHelperKeepsSecrets(t *testing.T) {
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer entra.Close()
	entra.AddClientSecret("app-git", "the-right-secret-0000")
	aztoken, err := exec.LookPath("aztoken")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(ca, entra.CACertPEM(), 0o644))
	cacheDir := filepath.Join(dir, "cache")
	const gitPassword = "eyJhbGciOiJub25lIn0.eyJnaXQiOiJzdG9yZSJ9.git-store-password-Lp0o"
	base := []string{
		"PATH=" + proctest.SystemPath(),
		"HOME=" + dir,
		"AZTOKEN_CACHE_DIR=" + cacheDir,
		"AZTOKEN_LOOPBACK_ONLY=1",
		// The organization's discovery request finds nothing listening.
		"AZTOKEN_TEST_RESOLVE=dev.azure.com:443=" + closedPort(),
		"GORACE=atexit_sleep_ms=0",
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_CLIENT_ID=app-git",
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"AZURE_TOKEN_CREDENTIALS=EnvironmentCredential",
	}
	request := "protocol=https\nhost=dev.azure.com\npath=contoso/web/_git/web\n" +
		"wwwauth[]=Bearer authorization_uri=https://login.microsoftonline.com/" + entra.TenantID() + "\n\n"
	run := func(action, stdin string, verbose bool, env ...string) (stdout, stderr string, err error) {
		args := []string{"git", "credential"}
		if verbose {
			args = append(args, "-v")
		}
		var o, e bytes.Buffer
		c := exec.Command(aztoken, append(args, action)...)
		c.Env = append(append([]string{}, base...), env...)
		c.Stdin = strings.NewReader(stdin)
		c.Stdout, c.Stderr = &o, &e
		err = c.Run()
		return o.String(), e.String(), err
	}
	check := func(name, text string, extra ...string) {
		t.Helper()
		for _, s := range append([]string{secretClient, "the-right-secret-0000", gitPassword}, extra...) {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret %q…:\n%s", name, s[:6], text)
			}
		}
		if m := anyJWT.FindString(text); m != "" {
			t.Errorf("%s holds a token %q…:\n%s", name, m[:12], text)
		}
	}

	for _, verbose := range []bool{false, true} {
		// Entra ID refuses the secret: a report, no answer.
		stdout, stderr, err := run("get", request, verbose, "AZURE_CLIENT_SECRET="+secretClient)
		if err == nil || stdout != "" || stderr == "" {
			t.Errorf("wrong secret (-v %v): err %v, stdout %q, stderr %q", verbose, err, stdout, stderr)
		}
		check("stderr", stderr)
		// store and erase are handed a password; they never show it.
		for _, action := range []string{"store", "erase"} {
			stdout, stderr, err := run(action, strings.TrimSuffix(request, "\n")+"username=aztoken\npassword="+gitPassword+"\n\n", verbose, "AZURE_CLIENT_SECRET=the-right-secret-0000")
			if err != nil || stdout != "" {
				t.Errorf("%s: err %v, stdout %q", action, err, stdout)
			}
			check(action+" stderr", stderr)
		}
	}

	// Success, with -v and a discovery that fails (no wwwauth[], nothing
	// listening): the token is the password on stdout and nowhere else.
	plain := "protocol=https\nhost=dev.azure.com\npath=fabrikam/web/_git/web\n\n"
	for _, req := range []string{request, plain} {
		stdout, stderr, err := run("get", req, true, "AZURE_CLIENT_SECRET=the-right-secret-0000")
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
		check("stderr", stderr, password, strings.Split(password, ".")[2])
	}
	files := 0
	_ = filepath.WalkDir(cacheDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		if anyJWT.Match(b) || bytes.Contains(b, []byte("the-right-secret")) {
			t.Errorf("%s holds a token or secret in the clear", path)
		}
		return nil
	})
	if files == 0 {
		t.Error("nothing was cached")
	}
}
