//go:build linux

package acrtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// TestDockerPullsFromACRThroughTheHelper: each docker client pushes an
// image it built FROM scratch and pulls it back through the daemon, from
// Debian's docker-registry behind the fake ACR token service, with
// docker-credential-aztoken as the configured helper and no docker login.
func TestDockerPullsFromACRThroughTheHelper(t *testing.T) {
	clis := dockerCLIs(t)
	if _, err := exec.LookPath("docker-registry"); err != nil {
		skipOrFail(t, "docker-registry is not installed")
	}
	if out, err := exec.Command(clis[0], "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		skipOrFail(t, "no docker engine answers: "+strings.TrimSpace(string(out)))
	}
	w := newWorld(t)
	regPort := freePort(t)
	acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: w.entra, Upstream: "http://127.0.0.1:" + regPort})
	if err != nil {
		t.Fatal(err)
	}
	defer acr.Close()
	startRegistry(t, w.dir, regPort, acr)
	w.env = append(w.env, w.trust(t, acr))
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		w.env = append(w.env, "DOCKER_HOST="+h)
	}
	// The daemon resolves registry names itself, outside any namespace of
	// ours, so the registry is named by its loopback address: a name would
	// send the daemon to DNS. The names of ACR login servers are proven
	// with the real client in TestDockerClientAsksTheHelperForACRNames.
	registry := acr.Host()

	for i, docker := range clis {
		version, _ := exec.Command(docker, "version", "--format", "{{.Client.Version}}").Output()
		t.Run(fmt.Sprintf("%s %s", docker, strings.TrimSpace(string(version))), func(t *testing.T) {
			dockerConfig := filepath.Join(w.dir, fmt.Sprintf("docker-%d", i))
			env := []string{"DOCKER_CONFIG=" + dockerConfig, "AZTOKEN_CACHE_DIR=" + filepath.Join(w.dir, fmt.Sprintf("cache-%d", i))}
			w.mustRun(t, env, w.aztoken, "docker", "configure", registry)

			image := fmt.Sprintf("%s/azd-hello:%d", registry, i)
			ctxDir := filepath.Join(w.dir, fmt.Sprintf("azd-image-%d", i))
			must(t, os.MkdirAll(ctxDir, 0o755))
			must(t, os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM scratch\nCOPY azd-hello.txt /\n"), 0o644))
			must(t, os.WriteFile(filepath.Join(ctxDir, "azd-hello.txt"), []byte("hello from aztoken's docker helper test\n"), 0o644))
			// build, push, then pull it back after removing it: the
			// helper's credentials every time (docker build asks for every
			// configured registry's), one Entra ID token and one exchange.
			w.entra.Reset()
			exchanges, tokens := acr.Count(fakeazure.ACRExchange), acr.Count(fakeazure.ACRToken)
			w.mustRun(t, env, docker, "build", "-q", "-t", image, ctxDir)
			lookalike := fmt.Sprintf("localhost:%s/azd-hello:%d", acr.Port(), i)
			t.Cleanup(func() { _, _ = w.run(t, env, docker, "rmi", "-f", image, lookalike) })
			w.mustRun(t, env, docker, "push", image)
			w.mustRun(t, env, docker, "rmi", image)
			w.mustRun(t, env, docker, "pull", image)
			w.mustRun(t, env, docker, "image", "inspect", image)
			if n := w.entra.Count(fakeazure.EndpointToken); n != 1 {
				t.Errorf("Entra ID got %d token requests, want 1", n)
			}
			if n := acr.Count(fakeazure.ACRExchange) - exchanges; n != 1 {
				t.Errorf("the registry got %d exchanges, want 1 (the later credentials from the cache)", n)
			}
			if n := acr.Count(fakeazure.ACRToken) - tokens; n < 2 {
				t.Errorf("the registry issued %d access tokens, want one for the push and one for the pull at least", n)
			}
			cfg, err := os.ReadFile(filepath.Join(dockerConfig, "config.json"))
			if err != nil || strings.Contains(string(cfg), `"auths"`) || !strings.Contains(string(cfg), `"`+registry+`": "aztoken"`) {
				t.Errorf("docker's config.json should hold the helper and no login:\n%s (%v)", cfg, err)
			}

			// docker login with nothing given takes the helper's
			// credentials, checks them with the registry and hands them
			// back to store, which keeps nothing: no secret in the file.
			w.mustRun(t, env, docker, "login", registry)
			cfg, err = os.ReadFile(filepath.Join(dockerConfig, "config.json"))
			if err != nil || strings.Contains(string(cfg), `"auth":`) || strings.Contains(string(cfg), "eyJ") || !strings.Contains(string(cfg), `"`+registry+`": "aztoken"`) {
				t.Errorf("after docker login, config.json should still hold the helper and no secret:\n%s (%v)", cfg, err)
			}

			// The same server under another name is not the registry the
			// user named: with aztoken as docker's helper for every
			// registry, it says "not found" and docker pulls without
			// credentials, which the registry refuses. No exchange is made.
			must(t, os.WriteFile(filepath.Join(dockerConfig, "config.json"), []byte(`{"credsStore": "aztoken"}`), 0o600))
			w.mustRun(t, env, docker, "rmi", image)
			exchanges = acr.Count(fakeazure.ACRExchange)
			if out, err := w.run(t, env, docker, "pull", lookalike); err == nil {
				t.Errorf("a pull under another name for the registry succeeded:\n%s", out)
			} else {
				t.Logf("the pull under another name failed, as it should:\n%s", out)
			}
			if n := acr.Count(fakeazure.ACRExchange) - exchanges; n != 0 {
				t.Errorf("the registry got %d exchanges for the look-alike, want 0", n)
			}

			// A registry that refuses the exchange: the pull fails, and
			// docker shows why in aztoken's words.
			acr.Refuse(true)
			defer acr.Refuse(false)
			out, err := w.run(t, append(env, "AZTOKEN_NO_CACHE=1"), docker, "pull", image)
			if err == nil {
				t.Fatalf("the pull succeeded although the registry refused the exchange:\n%s", out)
			}
			t.Logf("the pull with the exchange refused:\n%s", out)
			if !strings.Contains(out, "refused the Entra ID token") {
				t.Errorf("docker pull's output does not say the registry refused the token:\n%s", out)
			}
		})
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
