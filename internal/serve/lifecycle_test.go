package serve

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

func TestPrintEnv(t *testing.T) {
	// Where Docker maps host.docker.internal to this loopback (Docker
	// Desktop), containers use that name.
	withDocker(t, true, "")
	s := start(t, Options{Provider: &upstream{}})
	port := strconv.Itoa(s.Port())
	endpoint := "http://host.docker.internal:" + port + "/msi/token"
	cases := []struct{ format, want string }{
		{"env", "export IDENTITY_ENDPOINT='" + endpoint + "'\nexport IDENTITY_HEADER='" + testSecret + "'\n"},
		{"env-file", "IDENTITY_ENDPOINT=" + endpoint + "\nIDENTITY_HEADER=" + testSecret + "\n"},
		{"powershell", "$Env:IDENTITY_ENDPOINT = '" + endpoint + "'\n$Env:IDENTITY_HEADER = '" + testSecret + "'\n"},
		{"compose", "    environment:\n      IDENTITY_ENDPOINT: \"" + endpoint + "\"\n      IDENTITY_HEADER: \"" + testSecret + "\"\n    extra_hosts:\n      - \"host.docker.internal:host-gateway\"\n"},
	}
	for _, tc := range cases {
		var b strings.Builder
		if err := s.PrintEnv(&b, tc.format); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.format, b.String(), tc.want)
		}
	}
	var b strings.Builder
	// env-no-export is get's shell format (quoted); docker's --env-file
	// would keep the quotes, so serve offers env-file instead.
	if err := s.PrintEnv(&b, "env-no-export"); err == nil || !strings.Contains(err.Error(), "env, env-file, powershell, compose") {
		t.Errorf("unknown format: %v", err)
	}
	idle, _ := New(Options{Provider: &upstream{}})
	if err := idle.PrintEnv(&b, "env"); err == nil || !strings.Contains(err.Error(), "start it first") {
		t.Errorf("PrintEnv before Start: %v", err)
	}
}

// For a loopback listener where Docker maps nothing to it (Docker Engine
// on Linux: host.docker.internal is a bridge's address there), the
// variables name the listen address, for a container on the host network
// (issue 21.10); with --allow-host host.docker.internal (Docker Desktop
// on Linux) the name comes back.
func TestPrintEnvLoopbackOnDockerEngine(t *testing.T) {
	withDocker(t, false, "")
	s := start(t, Options{Provider: &upstream{}})
	local := s.URL() + "/msi/token"
	for format, want := range map[string]string{
		"compose":  "    network_mode: host\n    environment:\n      IDENTITY_ENDPOINT: \"" + local + "\"\n      IDENTITY_HEADER: \"" + testSecret + "\"\n",
		"env-file": "IDENTITY_ENDPOINT=" + local + "\nIDENTITY_HEADER=" + testSecret + "\n",
	} {
		var b strings.Builder
		if err := s.PrintEnv(&b, format); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s:\n%s\nwant:\n%s", format, b.String(), want)
		}
		// What it prints passes serve's own Host check.
		if ok, why := s.hosts.allows(strings.TrimPrefix(s.URL(), "http://")); !ok {
			t.Errorf("the printed endpoint's host is refused: %s", why)
		}
	}
	allowed := start(t, Options{Provider: &upstream{}, AllowHosts: []string{"host.docker.internal"}})
	var b strings.Builder
	if err := allowed.PrintEnv(&b, "compose"); err != nil || !strings.Contains(b.String(), "http://host.docker.internal:") || !strings.Contains(b.String(), "host-gateway") {
		t.Errorf("with --allow-host host.docker.internal: %v\n%s", err, b.String())
	}
}

func TestBanner(t *testing.T) {
	stderr := &syncBuffer{}
	s := start(t, Options{Emulate: &EmulatorOptions{}, Stderr: stderr})
	out := stderr.String()
	for _, want := range []string{
		"listening on " + s.URL(),
		"emulator",
		"docker run -e IDENTITY_ENDPOINT=http://host.docker.internal:" + strconv.Itoa(s.Port()) + "/msi/token -e IDENTITY_HEADER=" + testSecret + " IMAGE",
		"MSI_ENDPOINT=" + s.URL() + "/cloudshell/" + testSecret,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=" + s.URL(),
		s.URL() + "/" + DefaultEmulatorTenant + "/v2.0/.well-known/openid-configuration",
		"not a token",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
	// On Linux's Docker Engine a container reaches a loopback listener
	// only from the host network, so that line comes first there.
	hostNet := strings.Index(out, "docker run --network host -e IDENTITY_ENDPOINT="+s.URL()+"/msi/token")
	desktop := strings.Index(out, "host.docker.internal:"+strconv.Itoa(s.Port()))
	if runtime.GOOS == "linux" && (hostNet < 0 || hostNet > desktop) {
		t.Errorf("on Linux the banner should lead with --network host:\n%s", out)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
}

// Serve returns nil once its context ends and the server has drained.
func TestServeEndsGracefully(t *testing.T) {
	s, err := New(Options{Provider: &upstream{}, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	waitFor(t, "the listener", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ln != nil
	})
	if status, _ := get(t, loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://serve", map[string]string{secretHeader: testSecret}); status != 200 {
		t.Fatalf("status %d", status)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// The emulator's issuer can name the host containers use.
func TestEmulatorBaseURL(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{BaseURL: "http://host.docker.internal:9999/"}})
	if got := s.emu.Issuer(); got != "http://host.docker.internal:9999/"+DefaultEmulatorTenant+"/v2.0" {
		t.Errorf("issuer %s", got)
	}
	_, body := get(t, loopbackClient(), s.URL()+"/.well-known/openid-configuration", nil)
	if !strings.Contains(body, `"jwks_uri":"http://host.docker.internal:9999/`+DefaultEmulatorTenant+`/discovery/v2.0/keys"`) {
		t.Errorf("discovery: %s", body)
	}
}

// DefaultAzureCredential, limited to the production sources so that no
// developer tool runs, gets a token over App Service.
func TestDefaultAzureCredentialOverAppService(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	clearMIEnv(t)
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME", "AZURE_FEDERATED_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	// Set-but-empty AZURE_CLIENT_ID would ask for a user-assigned identity
	// with an empty id; t.Setenv restores it after the unset.
	t.Setenv("AZURE_CLIENT_ID", "")
	os.Unsetenv("AZURE_CLIENT_ID")
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "prod")
	t.Setenv("IDENTITY_ENDPOINT", s.URL()+PathAppService)
	t.Setenv("IDENTITY_HEADER", s.Secret())
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: azcore.ClientOptions{Transport: loopbackClient(), Retry: policy.RetryOptions{MaxRetries: -1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resource := fresh("default-chain")
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{resource + "/.default"}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if claims := verifyWithJWKS(t, s, tok.Token); claims["aud"] != resource {
		t.Errorf("aud %v", claims["aud"])
	}
}

// A Shutdown that runs out of time says so and cancels what is left.
func TestShutdownOutOfTime(t *testing.T) {
	up := &upstream{delay: time.Minute, started: make(chan struct{}, 1)}
	s := start(t, Options{Provider: up})
	errc := make(chan error, 1)
	go func() {
		_, err := fetchOnce(loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://stuck")
		errc <- err
	}()
	<-up.started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err == nil || !strings.Contains(err.Error(), "ran out of time") {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-errc:
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck request was not ended")
	}
}
