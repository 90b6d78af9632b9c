//go:build linux

package containertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/netnstest"
)

// unavailable is why docker cannot be used here, or "".
var unavailable string

// The tests run when AZTOKEN_CONTAINER_TESTS is set (make
// test-containers): they need root and a Docker engine, take a few
// minutes, and own the subnet 169.254.169.0/24 of the engine while they
// run, so a plain `go test ./...` on a shared machine leaves them out.
const runEnv = "AZTOKEN_CONTAINER_TESTS"

func TestMain(m *testing.M) {
	want := os.Getenv(runEnv)
	unavailable = dockerUnavailable()
	switch {
	case unavailable != "" && want == "require":
		fmt.Fprintf(os.Stderr, "containertest: %s=require, but %s\n", runEnv, unavailable)
		os.Exit(1)
	case unavailable != "":
		unavailable = "docker unavailable: " + unavailable
		fmt.Printf("skipped: %s\n", unavailable)
		os.Exit(m.Run())
	case want == "":
		unavailable = "set " + runEnv + "=1 to run the container tests (make test-containers)"
		fmt.Printf("skipped: %s\n", unavailable)
		os.Exit(m.Run())
	}
	unlock, err := lockMachine()
	if err != nil {
		fmt.Fprintf(os.Stderr, "containertest: %v\n", err)
		os.Exit(1)
	}
	sweep()
	if netnstest.Unavailable() == "" {
		netnstest.Sweep()
	}
	code := m.Run()
	shared.cleanup()
	unlock()
	os.Exit(code)
}

// lockMachine waits (up to ten minutes) until no other run of these
// tests is going on on this machine: two runs would both need the
// engine's one 169.254.169.0/24 network.
func lockMachine() (func(), error) {
	path := filepath.Join(os.TempDir(), "aztoken-containertest.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another run of the container tests held %s for ten minutes: %w", path, err)
		}
		time.Sleep(time.Second)
	}
}

// artifacts are what every test uses, built once: aztoken for the host,
// aztoken's image (by `make image`), an empty client image, and the Go
// client.
type artifacts struct {
	once   sync.Once
	err    error
	dir    string // world-readable: an unprivileged serve runs from it
	repo   string
	bin    string // aztoken, static
	image  string // aztoken's own image, the relay
	client string // FROM scratch; clients bring the host's /usr
	goapp  string // goclient, static
	images []string
}

var shared artifacts

// setup skips the test where docker is unavailable and returns the
// shared artifacts, building them on first use.
func setup(t *testing.T) *artifacts {
	t.Helper()
	if unavailable != "" {
		t.Skip("skipped: " + unavailable)
	}
	shared.once.Do(func() { shared.err = shared.build() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return &shared
}

func (a *artifacts) build() error {
	_, file, _, _ := runtime.Caller(0)
	a.repo = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	dir, err := os.MkdirTemp("", "aztoken-containertest-")
	if err != nil {
		return err
	}
	a.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	pid := strconv.Itoa(os.Getpid())
	a.bin = filepath.Join(dir, "aztoken")
	a.goapp = filepath.Join(dir, "goclient")
	for _, b := range [][2]string{{a.bin, "./cmd/aztoken"}, {a.goapp, "./internal/containertest/goclient"}} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", b[0], b[1])
		cmd.Dir = a.repo
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v: %s", b[1], err, out)
		}
	}

	// aztoken's image, exactly as a user builds it.
	a.image = "aztoken-test-" + pid + ":relay"
	cmd := exec.Command("make", "--no-print-directory", "image", "IMAGE="+a.image, "IMAGE_CONTEXT="+filepath.Join(dir, "image"))
	cmd.Dir = a.repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make image: %v: %s", err, out)
	}
	a.images = append(a.images, a.image)
	if _, err := docker(context.Background(), "image", "inspect", a.image); err != nil {
		return err
	}
	// Label it afterwards for the sweep of a killed run (make image does
	// not know about this run).
	if err := labelImage(a.image, pid); err != nil {
		return err
	}

	// The clients' image: nothing but a label; the clients run from the
	// host's /usr, mounted read-only.
	a.client = "aztoken-test-" + pid + ":client"
	ctxDir := filepath.Join(dir, "client-image")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM scratch\nLABEL "+labelPID+"="+pid+"\n"), 0o644); err != nil {
		return err
	}
	if _, err := docker(context.Background(), "build", "-q", "-t", a.client, ctxDir); err != nil {
		return err
	}
	a.images = append(a.images, a.client)
	return nil
}

// labelImage gives an image this run's label, by building a one-line
// image on top of it under the same tag.
func labelImage(image, pid string) error {
	dir, err := os.MkdirTemp("", "aztoken-label-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+image+"\nLABEL "+labelPID+"="+pid+"\n"), 0o644); err != nil {
		return err
	}
	_, err = docker(context.Background(), "build", "-q", "-t", image, dir)
	return err
}

func (a *artifacts) cleanup() {
	for _, img := range a.images {
		_, _ = docker(context.Background(), "rmi", "-f", img)
	}
	// Dangling layers of the relabelled image.
	_, _ = docker(context.Background(), "image", "prune", "-f", "--filter", "label="+labelPID+"="+strconv.Itoa(os.Getpid()))
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// clientArgs are the docker run arguments every client container gets:
// its network, the host's system read-only, a writable /tmp, and nothing
// that configures Azure.
func (a *artifacts) clientArgs(n *network) []string {
	args := []string{"--network", n.Name, "--tmpfs", "/tmp"}
	for _, d := range []string{"/usr", "/lib", "/lib64", "/bin", "/sbin"} {
		if _, err := os.Stat(d); err == nil {
			args = append(args, "-v", d+":"+d+":ro")
		}
	}
	return args
}

// azureVars lists the variables of a container's configuration that
// would point an Azure SDK somewhere; the clients must have none.
func azureVars(t *testing.T, name string) []string {
	out := mustDocker(t, "container", "inspect", "--format", `{{range .Config.Env}}{{println .}}{{end}}`, name)
	var found []string
	for _, kv := range strings.Split(out, "\n") {
		k, _, _ := strings.Cut(kv, "=")
		for _, p := range []string{"AZURE_", "IDENTITY_", "MSI_", "IMDS_", "MSAL_"} {
			if strings.HasPrefix(k, p) {
				found = append(found, k)
			}
		}
	}
	return found
}
