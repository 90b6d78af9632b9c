package clienttest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aztoken/aztoken/internal/buildtest"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/proctest"
)

func TestMain(m *testing.M) {
	os.Setenv(httpx.LoopbackOnlyEnv, "1")
	httpx.RestrictToLoopback()
	built.Sweep()
	code := m.Run()
	built.Remove()
	os.Exit(code)
}

// built is aztoken, built once for the package's tests.
var built = buildtest.Aztoken{Name: "clienttest"}

// aztoken returns the path of a freshly built aztoken.
func aztoken(t *testing.T) string { return built.Path(t) }

// identity is a service principal in a fake Entra ID and the environment
// that makes aztoken's chain use it (the environment source), in a home,
// cache and trust store of the test's own. PATH holds the system's tools
// without az, azd and pwsh, so no real developer tool ever answers.
type identity struct {
	entra *fakeazure.Entra
	env   []string
	home  string
	// caFile is aztoken's SSL_CERT_FILE.
	caFile string
}

// trust adds a fake's certificate to what aztoken trusts.
func (id *identity) trust(t *testing.T, pem []byte) {
	t.Helper()
	f, err := os.OpenFile(id.caFile, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.Write(pem)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

const clientSecret = "client-secret-clienttest-3f9a"

// tenants, when given, are the fake's tenants, the first the identity's
// home (AZURE_TENANT_ID); it may ask for a token from any of them.
func newIdentity(t *testing.T, tenants ...string) *identity {
	t.Helper()
	e, err := fakeazure.NewEntra(fakeazure.EntraOptions{Tenants: tenants})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	e.AddClientSecret("app-clienttest", clientSecret)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, e.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &identity{entra: e, home: home, caFile: caFile, env: []string{
		"HOME=" + home,
		"PATH=" + proctest.PathList(filepath.Dir(aztoken(t)), proctest.SystemPath()),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"AZTOKEN_CACHE_ENCRYPTION=off",
		httpx.LoopbackOnlyEnv + "=1",
		"SSL_CERT_FILE=" + caFile,
		"AZURE_AUTHORITY_HOST=" + e.URL() + "/",
		"AZURE_TENANT_ID=" + e.TenantID(),
		"AZURE_ADDITIONALLY_ALLOWED_TENANTS=*",
		"AZURE_CLIENT_ID=app-clienttest",
		"AZURE_CLIENT_SECRET=" + clientSecret,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:9",
		"LANG=C",
	}}
}

// run runs a command in the identity's environment plus extra, failing
// the test on error, and returns stdout and stderr.
func (id *identity) run(t *testing.T, dir string, extra []string, name string, args ...string) (string, string) {
	t.Helper()
	stdout, stderr, err := id.try(dir, extra, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout, stderr)
	}
	return stdout, stderr
}

func (id *identity) try(dir string, extra []string, name string, args ...string) (string, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, id.env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
