//go:build linux

package acrtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// TestDockerClientAsksTheHelperForACRNames: the real docker client, asked
// to pull from an ACR login server's name, gets its credentials from
// docker-credential-aztoken and hands them to its daemon; asked to pull
// from look-alike names with aztoken as its helper for every registry, it
// gets none and no exchange is made. The daemon here is a fake on a unix
// socket that records what the client sends (X-Registry-Auth) and pulls
// nothing: a real daemon would resolve these names through DNS.
func TestDockerClientAsksTheHelperForACRNames(t *testing.T) {
	clis := dockerCLIs(t)
	w := newWorld(t)
	acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: w.entra, Hosts: []string{"azdreg.azurecr.io"}})
	if err != nil {
		t.Fatal(err)
	}
	defer acr.Close()
	d := startFakeDaemon(t, filepath.Join(w.dir, "azd-docker.sock"))
	dockerConfig := filepath.Join(w.dir, "docker")
	w.env = append(w.env, w.trust(t, acr),
		"AZTOKEN_TEST_RESOLVE=azdreg.azurecr.io:443="+acr.Host(),
		"DOCKER_HOST=unix://"+d.sock,
		"DOCKER_CONFIG="+dockerConfig,
		"AZTOKEN_CACHE_DIR="+filepath.Join(w.dir, "cache"))
	w.mustRun(t, nil, w.aztoken, "docker", "configure", "azdreg.azurecr.io")
	// And aztoken as the helper for every other registry, so that docker
	// asks it about the look-alikes too.
	cfg, err := os.ReadFile(filepath.Join(dockerConfig, "config.json"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dockerConfig, "config.json"), []byte(strings.Replace(string(cfg), "{", `{"credsStore": "aztoken",`, 1)), 0o600))

	for _, docker := range clis {
		version, _ := exec.Command(docker, "version", "--format", "{{.Client.Version}}").Output()
		t.Run(fmt.Sprintf("%s %s", docker, strings.TrimSpace(string(version))), func(t *testing.T) {
			exchanges := acr.Count(fakeazure.ACRExchange)
			w.mustRun(t, nil, docker, "pull", "azdreg.azurecr.io/azd-hello:1")
			auth := d.auth(t, "azdreg.azurecr.io/azd-hello")
			if auth.Username != "00000000-0000-0000-0000-000000000000" || !strings.HasPrefix(auth.Password, "eyJ") || (auth.ServerAddress != "" && auth.ServerAddress != "azdreg.azurecr.io") {
				t.Errorf("the daemon got user %q, server %q and a password of %d bytes; want the ACR refresh token", auth.Username, auth.ServerAddress, len(auth.Password))
			}
			if n := acr.Count(fakeazure.ACRExchange) - exchanges; n > 1 {
				t.Errorf("%d exchanges for one pull", n)
			}

			exchanges = acr.Count(fakeazure.ACRExchange)
			for _, name := range []string{
				"azdreg.azurecr.io.attacker.example", "azdreg.azurecr.io:8443", "a.azdreg.azurecr.io",
				"azdreg-azurecr.io", "docker.io/library",
			} {
				w.mustRun(t, nil, docker, "pull", name+"/azd-hello:1")
				repo := name + "/azd-hello"
				if name == "docker.io/library" {
					repo = "azd-hello" // as docker 20.10 names it; 28 keeps the prefix
				}
				if auth := d.auth(t, repo, name+"/azd-hello"); auth.Password != "" || auth.IdentityToken != "" {
					t.Errorf("docker sent credentials for %s", name)
				}
			}
			if n := acr.Count(fakeazure.ACRExchange) - exchanges; n != 0 {
				t.Errorf("%d exchanges for look-alike names, want 0", n)
			}
		})
	}
}

// registryAuth is docker's X-Registry-Auth header, decoded.
type registryAuth struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	ServerAddress string `json:"serveraddress"`
}

// fakeDaemon answers the docker client's ping and pull on a unix socket
// and keeps the credentials each pull carried, by image.
type fakeDaemon struct {
	sock  string
	mu    sync.Mutex
	auths map[string]registryAuth
	other []string
}

func startFakeDaemon(t *testing.T, sock string) *fakeDaemon {
	t.Helper()
	d := &fakeDaemon{sock: sock, auths: map[string]registryAuth{}}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("API-Version", "1.41")
		w.Header().Set("OSType", "linux")
		_, _ = w.Write([]byte("OK"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/images/create") {
			d.mu.Lock()
			d.other = append(d.other, r.Method+" "+r.URL.Path)
			d.mu.Unlock()
			http.Error(w, `{"message":"not in the fake daemon"}`, http.StatusNotFound)
			return
		}
		var a registryAuth
		if h := r.Header.Get("X-Registry-Auth"); h != "" {
			b, err := base64.URLEncoding.DecodeString(h)
			if err != nil {
				b, _ = base64.RawURLEncoding.DecodeString(h)
			}
			_ = json.Unmarshal(b, &a)
		}
		d.mu.Lock()
		d.auths[r.URL.Query().Get("fromImage")] = a
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"status\":\"Pulling from %s\"}\n{\"status\":\"Status: Image is up to date\"}\n", r.URL.Query().Get("fromImage"))
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return d
}

// auth is what the pull of image (under any of the names given) carried;
// the test fails if there was no such pull.
func (d *fakeDaemon) auth(t *testing.T, names ...string) registryAuth {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, image := range names {
		if a, ok := d.auths[image]; ok {
			delete(d.auths, image)
			return a
		}
	}
	t.Fatalf("the daemon got no pull of %s (pulls: %v, other requests: %v)", names[0], d.auths, d.other)
	return registryAuth{}
}
