package servechain

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/usage"
)

// --docker-network is refused, before docker runs, wherever the network's
// gateway would be inside a VM rather than on this machine.
func TestDockerEngineCheckNetworkHere(t *testing.T) {
	for _, tt := range []struct {
		name    string
		engine  DockerEngine
		wantErr string // "" means allowed
	}{
		{"Linux, the engine's own socket", DockerEngine{GOOS: "linux"}, ""},
		{"Linux, DOCKER_HOST on the system socket", DockerEngine{GOOS: "linux", Host: "unix:///var/run/docker.sock"}, ""},
		{"Linux, rootless engine", DockerEngine{GOOS: "linux", Host: "unix:///run/user/1000/docker.sock"}, ""},
		{"Linux, a context of the user's own", DockerEngine{GOOS: "linux", CurrentContext: "rootless"}, ""},
		{"macOS", DockerEngine{GOOS: "darwin"}, "on macOS, Docker Desktop runs containers in a VM"},
		{"macOS with a remote-looking engine", DockerEngine{GOOS: "darwin", Host: "unix:///var/run/docker.sock"}, "needs a Linux host"},
		{"Windows", DockerEngine{GOOS: "windows"}, "Docker on windows runs containers in a VM"},
		{"Docker Desktop for Linux by config.json", DockerEngine{GOOS: "linux", CurrentContext: "desktop-linux"}, "talks to Docker Desktop"},
		{"Docker Desktop for Linux by DOCKER_CONTEXT", DockerEngine{GOOS: "linux", Context: "desktop-linux"}, "talks to Docker Desktop"},
		{"DOCKER_CONTEXT wins over config.json", DockerEngine{GOOS: "linux", Context: "default", CurrentContext: "desktop-linux"}, ""},
		{"Docker Desktop for Linux by its socket", DockerEngine{GOOS: "linux", Host: "unix:///home/ada/.docker/desktop/docker.sock"}, "talks to Docker Desktop"},
		{"DOCKER_HOST wins over the context", DockerEngine{GOOS: "linux", Host: "unix:///var/run/docker.sock", CurrentContext: "desktop-linux"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.engine.CheckNetworkHere()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
			}
			if !errors.Is(err, usage.Err) {
				t.Errorf("not a usage error: %v", err)
			}
			if !strings.Contains(err.Error(), "aztoken serve --relay") {
				t.Errorf("the error does not point to the relay: %v", err)
			}
		})
	}
}

func TestLocalDockerEngineReadsCurrentContext(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{},"currentContext":"desktop-linux"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := LocalDockerEngine("linux", env.Map(map[string]string{"DOCKER_CONFIG": dir}))
	if got.CurrentContext != "desktop-linux" {
		t.Fatalf("CurrentContext = %q, want desktop-linux", got.CurrentContext)
	}
	if got.CheckNetworkHere() == nil {
		t.Error("Docker Desktop's context was not refused")
	}
}
