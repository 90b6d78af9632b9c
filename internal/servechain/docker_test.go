//go:build unix

package servechain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/usage"
)

// fakeDocker answers `docker network inspect` as FAKE_DOCKER says and
// logs every call's arguments.
const fakeDocker = `#!/bin/sh
printf "%s\n" "$*" >> "$FAKE_DOCKER_LOG"
case "$1 $2 $FAKE_DOCKER" in
"network inspect ok") printf '169.254.169.0/24 169.254.169.254\n' ;;
"network inspect wrong") printf '172.30.0.0/16 172.30.0.1\n' ;;
"network inspect missing") echo "Error response from daemon: network $6 not found" >&2; exit 1 ;;
"network inspect down") echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1 ;;
"network create "*) exit 0 ;;
*) echo "fake docker: unexpected $*" >&2; exit 3 ;;
esac
`

func TestEnsureDockerNetwork(t *testing.T) {
	for _, tt := range []struct {
		name      string
		state     string // FAKE_DOCKER; "" means no docker on PATH
		wantCalls []string
		wantOut   string
		wantErr   string
		usage     bool
	}{
		{
			name:      "exists with IMDS's gateway",
			state:     "ok",
			wantCalls: []string{`network inspect --format {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{"\n"}}{{end}} azimds`},
			wantOut:   "has IMDS's address 169.254.169.254 as its gateway",
		},
		{
			name:  "missing: created",
			state: "missing",
			wantCalls: []string{
				`network inspect --format {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{"\n"}}{{end}} azimds`,
				"network create --subnet 169.254.169.0/24 --gateway 169.254.169.254 azimds",
			},
			wantOut: "created the docker network azimds",
		},
		{
			name:    "another gateway",
			state:   "wrong",
			wantErr: "has the gateway 172.30.0.1, not 169.254.169.254",
			usage:   true,
		},
		{
			name:    "engine down",
			state:   "down",
			wantErr: "is the Docker engine running?",
		},
		{
			name:    "no docker",
			wantErr: "docker network create --subnet 169.254.169.0/24 --gateway 169.254.169.254 azimds",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "calls")
			if tt.state != "" {
				if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(fakeDocker), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			environ := []string{"PATH=" + dir, "FAKE_DOCKER=" + tt.state, "FAKE_DOCKER_LOG=" + log}
			var out bytes.Buffer
			err := EnsureDockerNetwork(context.Background(), environ, "azimds", &out)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				if got := errors.Is(err, usage.Err); got != tt.usage {
					t.Errorf("usage error %t, want %t", got, tt.usage)
				}
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("said %q, want %q", out.String(), tt.wantOut)
			}
			if tt.wantCalls != nil {
				b, _ := os.ReadFile(log)
				if got := strings.Split(strings.TrimSpace(string(b)), "\n"); strings.Join(got, "|") != strings.Join(tt.wantCalls, "|") {
					t.Errorf("docker calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
				}
			}
		})
	}
}

func TestDockerNetworkName(t *testing.T) {
	for name, ok := range map[string]bool{
		"azimds": true, "my_net.1-a": true, "-rm": false, "": false, "a b": false, "a;b": false, "net/x": false,
	} {
		if got := dockerNetworkName().MatchString(name); got != ok {
			t.Errorf("%q: valid %t, want %t", name, got, ok)
		}
	}
}
