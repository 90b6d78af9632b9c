//go:build linux

package acrtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/buildtest"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

func TestMain(m *testing.M) {
	built.Sweep()
	code := m.Run()
	built.Remove()
	os.Exit(code)
}

// built is aztoken, built once for the package's tests.
var built = buildtest.Aztoken{Name: "acrtest"}

// runEnv set to anything runs the tests; "require" fails them where they
// would skip (.ci/docker-helper-tests sets it once it has what they need).
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

// dockerCLIs are the docker clients to prove the helper with: Debian's
// (/usr/bin/docker, from docker.io) first, then any other on PATH (a
// newer one a developer installed), each once.
func dockerCLIs(t *testing.T) []string {
	t.Helper()
	if os.Getenv(runEnv) == "" {
		t.Skipf("set %s=1 to run it with the real docker (.ci/docker-helper-tests)", runEnv)
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range []string{"/usr/bin/docker", "docker"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		out = append(out, path)
	}
	if len(out) == 0 {
		skipOrFail(t, "no docker client is installed")
	}
	return out
}

// world is aztoken, the Entra ID fake and an environment for docker that
// finds docker-credential-aztoken and reaches only the fakes.
type world struct {
	dir     string
	aztoken string
	entra   *fakeazure.Entra
	env     []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	bin := filepath.Join(w.dir, "bin")
	w.aztoken = filepath.Join(bin, "aztoken")
	must(t, os.MkdirAll(bin, 0o755))
	must(t, os.Symlink(built.Path(t), w.aztoken))
	must(t, os.Symlink("aztoken", filepath.Join(bin, "docker-credential-aztoken")))
	var err error
	w.entra, err = fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.entra.Close)
	w.entra.AddClientSecret("azd-app", clientSecret)
	w.env = []string{
		"PATH=" + bin + ":" + proctest.SystemPath(),
		"HOME=" + filepath.Join(w.dir, "home"),
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZURE_AUTHORITY_HOST=" + w.entra.URL() + "/",
		"AZURE_TENANT_ID=" + w.entra.TenantID(),
		"AZURE_CLIENT_ID=azd-app",
		"AZURE_CLIENT_SECRET=" + clientSecret,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(t),
	}
	return w
}

// trust writes the fakes' certificates into one bundle for SSL_CERT_FILE.
func (w *world) trust(t *testing.T, acr *fakeazure.ACR) string {
	t.Helper()
	ca := filepath.Join(w.dir, "azd-ca.pem")
	must(t, os.WriteFile(ca, append(w.entra.CACertPEM(), acr.CACertPEM()...), 0o644))
	return "SSL_CERT_FILE=" + ca
}

// run runs a command with the world's environment and extra, and fails
// the test if its output holds the client secret or anything like a token.
func (w *world) run(t *testing.T, extra []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(append([]string{}, w.env...), extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	s := out.String()
	if strings.Contains(s, clientSecret) || anyJWT.MatchString(s) {
		t.Errorf("%s %s printed a secret or a token:\n%s", name, strings.Join(args, " "), s)
	}
	return s, err
}

func (w *world) mustRun(t *testing.T, extra []string, name string, args ...string) string {
	t.Helper()
	out, err := w.run(t, extra, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func closedPort(t *testing.T) string { return "127.0.0.1:" + freePort(t) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
