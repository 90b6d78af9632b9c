//go:build linux

package acrtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// runEnv set to anything runs the test; "require" fails it where it would
// skip (.ci/docker-helper-tests sets it once it has what the test needs).
const runEnv = "AZTOKEN_DOCKER_HELPER_TESTS"

const clientSecret = "azd-client-secret-Vq7pL2"

// anyJWT matches what a token looks like.
var anyJWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.`)

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(runEnv) == "require" {
		t.Fatalf("%s=require, but %s", runEnv, why)
	}
	t.Skip(why)
}

func TestDockerPullsFromACRThroughTheHelper(t *testing.T) {
	if os.Getenv(runEnv) == "" {
		t.Skipf("set %s=1 to run it with the real docker and docker-registry (.ci/docker-helper-tests)", runEnv)
	}
	for _, tool := range []string{"docker", "docker-registry"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, tool+" is not installed")
		}
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		skipOrFail(t, "no docker engine answers: "+strings.TrimSpace(string(out)))
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	aztoken := filepath.Join(bin, "aztoken")
	if out, err := exec.Command("go", "build", "-o", aztoken, "../../cmd/aztoken").CombinedOutput(); err != nil {
		t.Fatalf("building aztoken: %v\n%s", err, out)
	}
	if err := os.Symlink("aztoken", filepath.Join(bin, "docker-credential-aztoken")); err != nil {
		t.Fatal(err)
	}

	// The fakes: Entra ID, and the registry's token service in front of a
	// real registry that trusts only the fake's signing certificate.
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer entra.Close()
	entra.AddClientSecret("azd-app", clientSecret)
	regPort := freePort(t)
	acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: entra, Upstream: "http://127.0.0.1:" + regPort})
	if err != nil {
		t.Fatal(err)
	}
	defer acr.Close()
	startRegistry(t, dir, regPort, acr)
	registry := acr.Host() // 127.0.0.1:port: see the comment on image

	ca := filepath.Join(dir, "azd-ca.pem")
	must(t, os.WriteFile(ca, append(entra.CACertPEM(), acr.CACertPEM()...), 0o644))
	dockerConfig := filepath.Join(dir, "docker")
	env := []string{
		"PATH=" + bin + ":" + proctest.SystemPath(),
		"HOME=" + filepath.Join(dir, "home"),
		"DOCKER_CONFIG=" + dockerConfig,
		"AZTOKEN_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"AZTOKEN_LOOPBACK_ONLY=1",
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_CLIENT_ID=azd-app",
		"AZURE_CLIENT_SECRET=" + clientSecret,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(t),
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		env = append(env, "DOCKER_HOST="+h)
	}
	run := func(extra []string, name string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(append([]string{}, env...), extra...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		s := out.String()
		if strings.Contains(s, clientSecret) || anyJWT.MatchString(s) {
			t.Errorf("%s %s printed a secret or a token:\n%s", name, strings.Join(args, " "), s)
		}
		return s, err
	}
	mustRun := func(name string, args ...string) string {
		t.Helper()
		out, err := run(nil, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return out
	}

	mustRun(aztoken, "docker", "configure", registry)

	// An image FROM scratch, built here. The daemon resolves registry
	// names itself, outside any namespace of ours, so the registry is
	// named by its loopback address: a name would send the daemon to DNS.
	image := registry + "/azd-hello:1"
	ctxDir := filepath.Join(dir, "azd-image")
	must(t, os.MkdirAll(ctxDir, 0o755))
	must(t, os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM scratch\nCOPY azd-hello.txt /\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(ctxDir, "azd-hello.txt"), []byte("hello from aztoken's docker helper test\n"), 0o644))
	mustRun("docker", "build", "-q", "-t", image, ctxDir)
	t.Cleanup(func() { _, _ = run(nil, "docker", "rmi", "-f", image, "localhost:"+acr.Port()+"/azd-hello:1") })

	// push, then pull it back after removing it: the helper's credentials
	// every time, one Entra ID token and one exchange in all.
	mustRun("docker", "push", image)
	mustRun("docker", "rmi", image)
	mustRun("docker", "pull", image)
	mustRun("docker", "image", "inspect", image)
	if n := entra.Count(fakeazure.EndpointToken); n != 1 {
		t.Errorf("Entra ID got %d token requests, want 1", n)
	}
	if n := acr.Count(fakeazure.ACRExchange); n != 1 {
		t.Errorf("the registry got %d exchanges, want 1 (the pull's credentials from the cache)", n)
	}
	if n := acr.Count(fakeazure.ACRToken); n < 2 {
		t.Errorf("the registry issued %d access tokens, want one for the push and one for the pull at least", n)
	}
	cfg, err := os.ReadFile(filepath.Join(dockerConfig, "config.json"))
	if err != nil || strings.Contains(string(cfg), `"auths"`) || !strings.Contains(string(cfg), `"`+registry+`": "aztoken"`) {
		t.Errorf("docker's config.json should hold the helper and no login:\n%s (%v)", cfg, err)
	}

	// The same server under another name is not the registry the user
	// named: with aztoken as docker's helper for every registry, it says
	// "not found" and docker pulls without credentials, which the
	// registry refuses. No exchange is made.
	must(t, os.WriteFile(filepath.Join(dockerConfig, "config.json"), []byte(`{"credsStore": "aztoken"}`), 0o600))
	mustRun("docker", "rmi", image)
	if out, err := run(nil, "docker", "pull", "localhost:"+acr.Port()+"/azd-hello:1"); err == nil {
		t.Errorf("a pull under another name for the registry succeeded:\n%s", out)
	} else {
		t.Logf("the pull under another name failed, as it should:\n%s", out)
	}
	if n := acr.Count(fakeazure.ACRExchange); n != 1 {
		t.Errorf("the registry got %d exchanges after the look-alike, want still 1", n)
	}

	// A registry that refuses the exchange: the pull fails, and stderr
	// says why in aztoken's words.
	acr.Refuse(true)
	out, err := run([]string{"AZTOKEN_NO_CACHE=1"}, "docker", "pull", image)
	if err == nil {
		t.Fatalf("the pull succeeded although the registry refused the exchange:\n%s", out)
	}
	t.Logf("the pull with the exchange refused:\n%s", out)
	if !strings.Contains(out, "refused the Entra ID token") {
		t.Errorf("docker pull's output does not say the registry refused the token:\n%s", out)
	}
}

// startRegistry runs Debian's docker-registry on 127.0.0.1:port with token
// authentication against the fake ACR.
func startRegistry(t *testing.T, dir, port string, acr *fakeazure.ACR) {
	t.Helper()
	signer := filepath.Join(dir, "azd-signer.pem")
	must(t, os.WriteFile(signer, acr.SigningCertPEM(), 0o644))
	cfg := filepath.Join(dir, "azd-registry.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: 127.0.0.1:%s
  relativeurls: true
auth:
  token:
    realm: %s/oauth2/token
    service: %s
    issuer: %s
    rootcertbundle: %s
`, filepath.Join(dir, "azd-registry-data"), port, acr.URL(), acr.Host(), acr.Issuer(), signer)), 0o644))
	var log proctest.SyncBuffer
	cmd := exec.Command("docker-registry", "serve", cfg)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("docker-registry's log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not listen on 127.0.0.1:%s:\n%s", port, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, p, _ := net.SplitHostPort(l.Addr().String())
	return p
}

func closedPort(t *testing.T) string { return "127.0.0.1:" + freePort(t) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
