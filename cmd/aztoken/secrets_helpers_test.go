package main

// This file holds what the secrets tests of the credential helpers
// (docker's, git's) and of the chain's failure paths share: the helper's
// environment, running it, and the checks that a secret or a token is in
// none of its output and none of its cache files.

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

// rightSecret is the client secret the Entra fake of entraWithApp knows.
const rightSecret = "the-right-secret-0000"

// entraWithApp starts an Entra fake, closed when the test ends, that
// knows app clientID by rightSecret.
func entraWithApp(t *testing.T, clientID string) *fakeazure.Entra {
	t.Helper()
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(entra.Close)
	entra.AddClientSecret(clientID, rightSecret)
	return entra
}

// lookPath is the program name on PATH (TestMain's build of aztoken).
func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeCA writes the fakes' certificates, pems, into dir/ca.pem, the
// trust store (SSL_CERT_FILE) of the aztoken a test runs, and returns
// its path.
func writeCA(t *testing.T, dir string, pems ...[]byte) string {
	t.Helper()
	ca := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(ca, bytes.Join(pems, nil), 0o644))
	return ca
}

// helperEnv is the environment a credential helper runs in: the
// environment source as app clientID of the Entra fake (the secret is
// the caller's), HOME in dir and a cache of its own in dir/cache, the
// Entra fake and the fakes whose certificates are in trust trusted
// (writeCA), the fakes reached through resolve (AZTOKEN_TEST_RESOLVE),
// and no managed identity answering.
func helperEnv(t *testing.T, entra *fakeazure.Entra, dir, clientID, resolve string, trust ...[]byte) []string {
	t.Helper()
	ca := writeCA(t, dir, append([][]byte{entra.CACertPEM()}, trust...)...)
	return []string{
		"PATH=" + proctest.SystemPath(),
		"HOME=" + dir,
		"AZTOKEN_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZTOKEN_TEST_RESOLVE=" + resolve,
		"GORACE=atexit_sleep_ms=0",
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_CLIENT_ID=" + clientID,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"AZURE_TOKEN_CREDENTIALS=EnvironmentCredential",
	}
}

// runWith runs bin with args in env (nothing of the test's own), stdin
// on its input.
func runWith(bin string, env []string, stdin string, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	c := exec.Command(bin, args...)
	c.Env = env
	c.Stdin = strings.NewReader(stdin)
	c.Stdout, c.Stderr = &o, &e
	err = c.Run()
	return o.String(), e.String(), err
}

// noSecret fails the test where text, named name in the report, holds
// one of secrets or anything shaped like a token; the report shows only
// the start of either.
func noSecret(t *testing.T, name, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds a secret %q…:\n%s", name, s[:6], text)
		}
	}
	if m := anyJWT.FindString(text); m != "" {
		t.Errorf("%s holds a token %q…:\n%s", name, m[:12], text)
	}
}

// sealedCache fails the test for every file under dir that holds
// anything shaped like a token, or one of clear, as it is; it returns
// how many files there are.
func sealedCache(t *testing.T, dir string, clear ...string) (files int) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		if anyJWT.Match(b) {
			t.Errorf("%s holds a token in the clear", path)
		}
		for _, s := range clear {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q… in the clear", path, s[:6])
			}
		}
		return nil
	})
	return files
}
