package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// TestDockerHelperKeepsSecrets runs docker's credential helper down its
// failure paths and its success path: the Entra ID token, the registry's
// refresh token and the client secret never reach stderr, stdout holds
// the refresh token only as the Secret docker asked for, and the cache
// keeps both tokens sealed.
func TestDockerHelperKeepsSecrets(t *testing.T) {
	entra := entraWithApp(t, "app-acr")
	acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: entra, Hosts: []string{"azdreg.azurecr.io"}})
	if err != nil {
		t.Fatal(err)
	}
	defer acr.Close()
	helper := lookPath(t, "docker-credential-aztoken")
	dir := t.TempDir()
	base := append(helperEnv(t, entra, dir, "app-acr", "azdreg.azurecr.io:443="+acr.Host(), acr.CACertPEM()),
		"DOCKER_CONFIG="+filepath.Join(dir, "docker"))
	run := func(env ...string) (stdout, stderr string, err error) {
		return runWith(helper, append(slices.Clone(base), env...), "azdreg.azurecr.io\n", "get")
	}
	secrets := []string{secretClient, rightSecret}

	// Failures: Entra refuses the secret; the registry refuses the token,
	// once plainly and once quoting it back.
	for _, sc := range []struct {
		name  string
		env   []string
		fault func(bool)
	}{
		{"wrong client secret", []string{"AZURE_CLIENT_SECRET=" + secretClient}, nil},
		{"exchange refused", []string{"AZURE_CLIENT_SECRET=" + rightSecret, "AZTOKEN_NO_CACHE=1"}, acr.Refuse},
		{"exchange refusal echoes the token", []string{"AZURE_CLIENT_SECRET=" + rightSecret, "AZTOKEN_NO_CACHE=1"}, func(on bool) { acr.Refuse(on); acr.EchoRefusal(on) }},
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
			noSecret(t, "stderr", stderr, secrets...)
			noSecret(t, "stdout", stdout, secrets...)
		})
	}

	// Success: the refresh token is on stdout as the Secret and nowhere
	// else; the cache files hold neither token in the clear.
	stdout, stderr, err := run("AZURE_CLIENT_SECRET=" + rightSecret)
	if err != nil {
		t.Fatalf("get failed: %v\n%s", err, stderr)
	}
	var creds struct{ Secret string }
	if err := json.Unmarshal([]byte(stdout), &creds); err != nil || !strings.HasPrefix(creds.Secret, "eyJ") {
		t.Fatalf("stdout is not docker's credentials: %q", stdout)
	}
	noSecret(t, "stderr", stderr, append(slices.Clone(secrets), creds.Secret)...)
	if files := sealedCache(t, filepath.Join(dir, "cache"), strings.Split(creds.Secret, ".")[2]); files < 2 {
		t.Errorf("the cache has %d files; want the Entra ID token's and the refresh token's", files)
	}
}
