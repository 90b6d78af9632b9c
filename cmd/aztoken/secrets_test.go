package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// Secret values every scenario uses; none may ever reach stderr.
const (
	secretClient   = "client-secret-Zq8vN3"
	secretPassword = "user-password-Kp4xW1"
	secretPFX      = "pfx-password-Hr7mT5"
	secretFed      = "federated-assertion-Jd2sL9.part2.part3"
	tokenAz        = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJheiJ9.az-token-Qw3eR5"
	secretGHReq    = "ghs_other-jobs-request-token-Vb6nM2"
	secretADO      = "azdo-access-token-Tg5hY7"
)

// anyJWT matches what an access token looks like.
var anyJWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.`)

// TestNoSecretOnStderr runs aztoken down every failure path we know, with
// and without -v, and checks stderr for every secret in play and for
// anything shaped like a token. stdout must be empty on failure.
func TestNoSecretOnStderr(t *testing.T) {
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer entra.Close()
	entra.AddClientSecret("app-secret", "the-right-secret-0000")
	entra.AddUser("app-user", "ada@contoso.com", "the-right-password-0000")
	entra.AddFederated("app-fed", "the-right-assertion-0000")
	mi, err := fakeazure.NewManaged(fakeazure.ManagedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mi.Close()
	gh, err := fakeazure.NewGitHubOIDC(fakeazure.GitHubOIDCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	wrongSubject := gh.Credential("api://AzureADTokenExchange")
	wrongSubject.Subject = "repo:octo-org/octo-repo:environment:production"
	entra.AddFederatedCredential("app-gh", wrongSubject)
	ciToken, err := gh.Mint("api://AzureADTokenExchange", false)
	if err != nil {
		t.Fatal(err)
	}
	ado, err := fakeazure.NewAzureDevOpsOIDC(fakeazure.AzureDevOpsOIDCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ado.Close()
	ado.AddServiceConnection("5f3c8d3e-1f2a-4b6c-9d7e-0a1b2c3d4e5f", "deploy")

	dir := t.TempDir()
	ca := writeCA(t, dir, entra.CACertPEM())
	fed := filepath.Join(dir, "fed.jwt")
	bin := filepath.Join(dir, "bin")
	must(t, os.WriteFile(fed, []byte(secretFed), 0o600))
	must(t, os.MkdirAll(bin, 0o755))
	for _, tool := range []string{"az", "azd", "pwsh"} {
		if runtime.GOOS == "windows" {
			tool += ".cmd" // cmd.exe's fakes, copied: links need an administrator there
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fakebin", tool))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(bin, tool), data, 0o755))
			continue
		}
		must(t, os.Symlink(mustAbs(t, filepath.Join("..", "..", "testdata", "fakebin", tool)), filepath.Join(bin, tool)))
	}
	aztoken, err := exec.LookPath("aztoken")
	if err != nil {
		t.Fatal(err)
	}
	pfx := mustAbs(t, filepath.Join("..", "..", "testdata", "certs", "rsa-password.pfx"))

	base := []string{
		"PATH=" + proctest.PathList(bin, proctest.SystemPath()),
		"HOME=" + dir,
		"AZTOKEN_NO_CACHE=1",
		"AZTOKEN_LOOPBACK_ONLY=1",
		"GORACE=atexit_sleep_ms=0",
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"FAKE_AZ_TOKEN=" + tokenAz, "FAKE_AZD_TOKEN=" + tokenAz, "FAKE_PWSH_TOKEN=" + tokenAz,
		"FAKE_AZ_MODE=notloggedin", "FAKE_AZD_MODE=notloggedin", "FAKE_PWSH_MODE=notloggedin",
	}
	appService := []string{}
	for k, v := range mi.Env(fakeazure.SourceAppService) {
		appService = append(appService, k+"="+v)
	}
	github := []string{"AZURE_CLIENT_ID=app-gh"}
	for k, v := range gh.Env() {
		github = append(github, k+"="+v)
	}
	azdo := []string{"AZURE_CLIENT_ID=app-gh"}
	for k, v := range ado.Env("5f3c8d3e-1f2a-4b6c-9d7e-0a1b2c3d4e5f") {
		azdo = append(azdo, k+"="+v)
	}
	secrets := []string{secretClient, secretPassword, secretPFX, secretFed, tokenAz, mi.Secret(),
		gh.RequestToken(), ado.AccessToken(), secretGHReq, secretADO, ciToken,
		"the-right-secret-0000", "the-right-password-0000", "the-right-assertion-0000"}

	scenarios := []struct {
		name  string
		env   []string
		fault func()
		args  []string
	}{
		{"wrong client secret", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_SECRET=" + secretClient}, nil, nil},
		{"unknown app", []string{"AZURE_CLIENT_ID=nobody", "AZURE_CLIENT_SECRET=" + secretClient}, nil, nil},
		{"token endpoint HTML", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_SECRET=" + secretClient},
			func() { entra.SetFault(fakeazure.EndpointToken, fakeazure.Fault{HTML: true, Status: 502}) }, nil},
		{"token endpoint truncated", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_SECRET=" + secretClient},
			func() { entra.SetFault(fakeazure.EndpointToken, fakeazure.Fault{TruncatedJSON: true}) }, nil},
		{"token endpoint reset", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_SECRET=" + secretClient},
			func() { entra.SetFault(fakeazure.EndpointToken, fakeazure.Fault{ResetMidBody: true}) }, nil},
		{"token endpoint hangs", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_SECRET=" + secretClient},
			func() { entra.SetFault(fakeazure.EndpointToken, fakeazure.Fault{Hang: true}) }, []string{"--timeout", "1s"}},
		{"wrong pfx password", []string{"AZURE_CLIENT_ID=app-secret", "AZURE_CLIENT_CERTIFICATE_PATH=" + pfx, "AZURE_CLIENT_CERTIFICATE_PASSWORD=" + secretPFX}, nil, nil},
		{"wrong user password", []string{"AZURE_CLIENT_ID=app-user", "AZURE_USERNAME=ada@contoso.com", "AZURE_PASSWORD=" + secretPassword}, nil, nil},
		{"wrong federated assertion", []string{"AZURE_CLIENT_ID=app-fed", "AZURE_FEDERATED_TOKEN_FILE=" + fed}, nil, nil},
		{"app service refuses", appService,
			func() { mi.SetFault(fakeazure.EndpointAppService, fakeazure.Fault{Status: 401}) }, []string{"--source", "mi"}},
		{"app service redirects", appService,
			func() { mi.SetFault(fakeazure.EndpointAppService, fakeazure.Fault{RedirectTo: entra.URL()}) }, []string{"--source", "mi"}},
		{"app service token already expired", appService,
			func() { mi.SetFault(fakeazure.EndpointAppService, fakeazure.Fault{ExpiresOnPast: true}) }, []string{"--source", "mi"}},
		{"az token in error", []string{"FAKE_AZ_MODE=tokeninerror"}, nil, []string{"--source", "az"}},
		{"azd token in error", []string{"FAKE_AZD_MODE=tokeninerror"}, nil, []string{"--source", "azd"}},
		{"pwsh token in error", []string{"FAKE_PWSH_MODE=tokeninerror"}, nil, []string{"--source", "pwsh"}},
		{"az garbage", []string{"FAKE_AZ_MODE=garbage"}, nil, []string{"--source", "az"}},
		{"github subject matches no credential", github, nil, nil},
		{"github refuses", github, func() { gh.SetFault(fakeazure.EndpointGitHubOIDC, fakeazure.Fault{Status: 403}) }, nil},
		{"github stale token", github, func() { gh.SetFault(fakeazure.EndpointGitHubOIDC, fakeazure.Fault{AlreadyExpiredToken: true}) }, nil},
		{"github answers HTML", github, func() { gh.SetFault(fakeazure.EndpointGitHubOIDC, fakeazure.Fault{HTML: true, Status: 502}) }, nil},
		{"github request token of another job", append(slices.Clone(github), "ACTIONS_ID_TOKEN_REQUEST_TOKEN="+secretGHReq), nil, nil},
		{"azure devops unknown connection", azdo, nil, []string{"--service-connection-id", "00000000-0000-4000-8000-000000000000"}},
		{"azure devops wrong access token", append(slices.Clone(azdo), "SYSTEM_ACCESSTOKEN="+secretADO), nil, nil},
		{"federated token variable", []string{"AZURE_CLIENT_ID=app-gh", "CI_TOKEN=" + ciToken}, nil, []string{"--federated-token-env", "CI_TOKEN"}},
	}
	for _, sc := range scenarios {
		for _, verbose := range []bool{false, true} {
			name := sc.name
			if verbose {
				name += " -v"
			}
			t.Run(name, func(t *testing.T) {
				entra.ClearFaults()
				mi.ClearFaults()
				gh.ClearFaults()
				ado.ClearFaults()
				if sc.fault != nil {
					sc.fault()
				}
				for _, cmd := range []string{"get", "whoami", "probe", "exec"} {
					args := append([]string{cmd, "--timeout", "5s"}, sc.args...)
					if verbose {
						args = append(args, "-v")
					}
					if cmd == "exec" {
						// Never started, since the chain fails: had it
						// run, its version line would be on stdout.
						args = append(args, "--", aztoken, "version")
					}
					var stdout, stderr bytes.Buffer
					c := exec.Command(aztoken, args...)
					c.Env = append(append([]string{}, base...), sc.env...)
					c.Stdout, c.Stderr = &stdout, &stderr
					start := time.Now()
					err := c.Run()
					if err == nil && cmd != "probe" {
						t.Fatalf("%s succeeded; this scenario should fail", cmd)
					}
					if time.Since(start) > 15*time.Second {
						t.Fatalf("%s took %v", cmd, time.Since(start))
					}
					if cmd != "probe" && stdout.Len() > 0 {
						t.Errorf("%s: stdout on failure: %q", cmd, stdout.String())
					}
					for _, out := range []struct{ name, text string }{{"stderr", stderr.String()}, {"probe stdout", map[bool]string{true: stdout.String()}[cmd == "probe"]}} {
						noSecret(t, fmt.Sprintf("%s %v: %s", cmd, args, out.name), out.text, secrets...)
					}
				}
			})
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	must(t, err)
	return a
}
