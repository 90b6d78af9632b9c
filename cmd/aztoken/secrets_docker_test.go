package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// TestDockerHelperKeepsSecrets runs docker's credential helper down its
// failure paths and its success path: the Entra ID token, the registry's
// refresh token and the client secret never reach stderr, stdout holds
// the refresh token only as the Secret docker asked for, and the cache
// keeps both tokens sealed.
func TestDockerHelperKeepsSecrets(t *testing.T) {
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer entra.Close()
	entra.AddClientSecret("app-acr", "the-right-secret-0000")
	acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: entra, Hosts: []string{"azdreg.azurecr.io"}})
	if err != nil {
		t.Fatal(err)
	}
	defer acr.Close()
	helper, err := exec.LookPath("docker-credential-aztoken")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(ca, append(entra.CACertPEM(), acr.CACertPEM()...), 0o644))
	cacheDir := filepath.Join(dir, "cache")
	base := []string{
		"PATH=" + proctest.SystemPath(),
		"HOME=" + dir,
		"DOCKER_CONFIG=" + filepath.Join(dir, "docker"),
		"AZTOKEN_CACHE_DIR=" + cacheDir,
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZTOKEN_TEST_RESOLVE=azdreg.azurecr.io:443=" + acr.Host(),
		"GORACE=atexit_sleep_ms=0",
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_CLIENT_ID=app-acr",
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"AZURE_TOKEN_CREDENTIALS=EnvironmentCredential",
	}
	run := func(env ...string) (stdout, stderr string, err error) {
		var o, e bytes.Buffer
		c := exec.Command(helper, "get")
		c.Env = append(append([]string{}, base...), env...)
		c.Stdin = strings.NewReader("azdreg.azurecr.io\n")
		c.Stdout, c.Stderr = &o, &e
		err = c.Run()
		return o.String(), e.String(), err
	}
	secrets := []string{secretClient, "the-right-secret-0000"}
	check := func(name, text string, extra ...string) {
		t.Helper()
		for _, s := range append(slices.Clone(secrets), extra...) {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret %q…:\n%s", name, s[:6], text)
			}
		}
		if m := anyJWT.FindString(text); m != "" {
			t.Errorf("%s holds a token %q…:\n%s", name, m[:12], text)
		}
	}

	// Failures: Entra refuses the secret; the registry refuses the token,
	// once plainly and once quoting it back.
	for _, sc := range []struct {
		name  string
		env   []string
		fault func(bool)
	}{
		{"wrong client secret", []string{"AZURE_CLIENT_SECRET=" + secretClient}, nil},
		{"exchange refused", []string{"AZURE_CLIENT_SECRET=the-right-secret-0000", "AZTOKEN_NO_CACHE=1"}, acr.Refuse},
		{"exchange refusal echoes the token", []string{"AZURE_CLIENT_SECRET=the-right-secret-0000", "AZTOKEN_NO_CACHE=1"}, func(on bool) { acr.Refuse(on); acr.EchoRefusal(on) }},
	} {
		t.Run(sc.name, func(t *testing.T) {
			if sc.fault != nil {
				sc.fault(true)
				defer sc.fault(false)
			}
			stdout, stderr, err := run(sc.env...)
			if err == nil {
				t.Fatalf("get succeeded; stdout %q", stdout)
			}
			if stderr == "" {
				t.Error("nothing on stderr says what failed")
			}
			check("stderr", stderr)
			check("stdout", stdout)
		})
	}

	// Success: the refresh token is on stdout as the Secret and nowhere
	// else; the cache files hold neither token in the clear.
	stdout, stderr, err := run("AZURE_CLIENT_SECRET=the-right-secret-0000")
	if err != nil {
		t.Fatalf("get failed: %v\n%s", err, stderr)
	}
	var creds struct{ Secret string }
	if err := json.Unmarshal([]byte(stdout), &creds); err != nil || !strings.HasPrefix(creds.Secret, "eyJ") {
		t.Fatalf("stdout is not docker's credentials: %q", stdout)
	}
	check("stderr", stderr, creds.Secret)
	refresh := creds.Secret
	parts := strings.Split(refresh, ".")
	files := 0
	_ = filepath.WalkDir(cacheDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(parts[2])) || anyJWT.Match(b) {
			t.Errorf("%s holds a token in the clear", path)
		}
		return nil
	})
	if files < 2 {
		t.Errorf("the cache has %d files; want the Entra ID token's and the refresh token's", files)
	}
}
