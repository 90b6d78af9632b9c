package clienttest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// The real git clones from and pushes to a fake Azure Repos at
// https://dev.azure.com/contoso/web/_git/web with aztoken as its only
// credential helper, written by 'aztoken git configure'. The fake demands
// an Entra ID token for Azure DevOps from the organization's tenant, and
// answers without one as Azure DevOps does (401, Bearer authorization_uri,
// X-VSS-ResourceTenant), which is where aztoken learns the tenant.
func TestGitCloneAndPushAzureRepos(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("skipped: git is not installed (.ci/client-tests installs Debian's git)")
	}
	execPath, err := exec.Command(gitBin, "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("skipped: git has no git-http-backend at %s", backend)
	}
	addr := listen443(t)

	// The organizations' tenant is not the identity's home tenant, so a
	// token from the chain's default tenant would be refused: only a
	// tenant discovered from the organization's answer gets in.
	const home, orgTenant = "0b5a7a4e-0000-4000-8000-00000000a0e1", "5d2c1f0a-0000-4000-8000-00000000b0e2"
	id := newIdentity(t, home, orgTenant)
	root := t.TempDir()
	work := t.TempDir()
	seedRepo(t, id, gitBin, filepath.Join(root, "contoso", "web", "_git", "web"), filepath.Join(work, "seed"))
	seedRepo(t, id, gitBin, filepath.Join(root, "fabrikam", "api", "_git", "api"), filepath.Join(work, "seed2"))

	repos, err := fakeazure.NewAzureRepos(fakeazure.AzureReposOptions{
		Addr: addr, Tenant: orgTenant, Issuer: id.entra.Minter(), HTTPBackend: backend, Root: root,
		ResourceTenantOnly: []string{"fabrikam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer repos.Close()
	// aztoken trusts the fake through SSL_CERT_FILE and reaches it under
	// its real name through the test mapping; git through its own options.
	id.trust(t, repos.CACertPEM())
	reposCA := filepath.Join(t.TempDir(), "repos-ca.pem")
	if err := os.WriteFile(reposCA, repos.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	ip, _, _ := net.SplitHostPort(addr)
	id.env = append(id.env,
		"AZTOKEN_TEST_RESOLVE=dev.azure.com:443="+addr,
		"GIT_CONFIG_GLOBAL="+filepath.Join(id.home, ".gitconfig"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.test",
		"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.test",
	)

	out, _ := id.run(t, work, nil, aztoken(t), "git", "configure")
	t.Logf("aztoken git configure:\n%s", out)
	id.run(t, work, nil, gitBin, "config", "--global", "--add", "http.curloptResolve", "dev.azure.com:443:"+ip)
	id.run(t, work, nil, gitBin, "config", "--global", "http.sslCAInfo", reposCA)
	// aztoken is the only helper: configure's empty line clears any other.
	helpers, _ := id.run(t, work, nil, gitBin, "config", "--global", "--get-regexp", `credential\..*helper`)
	for _, line := range strings.Split(strings.TrimSpace(helpers), "\n") {
		if !strings.Contains(line, "aztoken git credential") && strings.TrimSpace(strings.SplitN(line, " ", 2)[1]) != "" {
			t.Errorf("a helper other than aztoken is configured: %q", line)
		}
	}

	const url = "https://dev.azure.com/contoso/web/_git/web"
	_, cloneErr, cerr := id.try(work, nil, gitBin, "clone", "-q", url, "clone")
	if cerr != nil {
		t.Fatalf("clone: %v\n%s\n%+v", cerr, cloneErr, repos.Requests())
	}
	clone := filepath.Join(work, "clone")
	if b, err := os.ReadFile(filepath.Join(clone, "README.md")); err != nil || !strings.Contains(string(b), "seeded") {
		t.Fatalf("the clone lacks the seeded file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(clone, "pushed.txt"), []byte("from the real git\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id.run(t, clone, nil, gitBin, "add", "pushed.txt")
	id.run(t, clone, nil, gitBin, "commit", "-q", "-m", "pushed through aztoken")
	_, pushErr := id.run(t, clone, nil, gitBin, "push", "-q", "origin", "HEAD:main")
	log, _ := id.run(t, work, nil, gitBin, "--git-dir", filepath.Join(root, "contoso", "web", "_git", "web"), "log", "--format=%s", "main")
	if !strings.Contains(log, "pushed through aztoken") {
		t.Errorf("the push did not reach the server's repository; its log:\n%s", log)
	}

	// What the fake saw: git's first request without a token (401), the
	// helper's one discovery request for the organization (HEAD, no
	// token), and git's requests with the token, none refused.
	var heads, unauth, basic int
	for _, r := range repos.Requests() {
		switch {
		case r.Method == "HEAD" && r.Path == "/contoso":
			heads++
		case r.Auth == "":
			unauth++
		case r.Auth == "basic" && r.Status == 200:
			basic++
		}
	}
	if heads != 1 {
		t.Errorf("discovery asked the organization %d times over a clone and a push, want once (then remembered)", heads)
	}
	if unauth == 0 || basic == 0 {
		t.Errorf("requests: %d without a token, %d accepted with one; want both: %+v", unauth, basic, repos.Requests())
	}
	if n := repos.BadTokens(); n != 0 {
		t.Errorf("the fake refused %d tokens", n)
	}
	// No token was stored anywhere git keeps credentials, nor printed.
	if _, err := os.Stat(filepath.Join(id.home, ".git-credentials")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("~/.git-credentials exists: %v", err)
	}
	for _, s := range []string{cloneErr, pushErr} {
		if strings.Contains(s, "eyJ") || strings.Contains(s, clientSecret) {
			t.Errorf("git's stderr shows a secret:\n%s", s)
		}
	}

	// An organization whose 401 names its tenant only in
	// X-VSS-ResourceTenant: discovery reads the header.
	before := len(repos.Requests())
	id.run(t, work, nil, gitBin, "clone", "-q", "https://dev.azure.com/fabrikam/api/_git/api", "api")
	heads = 0
	for _, r := range repos.Requests()[before:] {
		if r.Method == "HEAD" && r.Path == "/fabrikam" {
			heads++
		}
	}
	if heads != 1 || repos.BadTokens() != 0 {
		t.Errorf("fabrikam: %d discovery requests, %d tokens refused; want 1 and 0", heads, repos.BadTokens())
	}

	// A look-alike host gets nothing from aztoken: git, with no other
	// helper and no terminal, fails without sending a token.
	before = len(repos.Requests())
	id.run(t, work, nil, gitBin, "config", "--global", "--add", "http.curloptResolve", "dev.azure.com.evil.example:443:"+ip)
	_, stderr, err := id.try(work, []string{"GIT_SSL_NO_VERIFY=1"}, gitBin, "clone", "-q", "https://dev.azure.com.evil.example/contoso/web/_git/web", "evil")
	if err == nil {
		t.Error("a clone from a look-alike host succeeded")
	}
	for _, r := range repos.Requests()[before:] {
		if r.Auth != "" {
			t.Errorf("the look-alike host was sent a credential: %+v", r)
		}
	}
	if strings.Contains(stderr, "eyJ") {
		t.Errorf("git's stderr shows a token:\n%s", stderr)
	}
}

// listen443 finds a free address of 127.0.0.0/8 on port 443, where a
// name without a port (dev.azure.com) must be served. Port 443 needs root
// or CAP_NET_BIND_SERVICE.
func listen443(t *testing.T) string {
	t.Helper()
	for range 20 {
		var b [3]byte
		_, _ = rand.Read(b[:])
		addr := fmt.Sprintf("127.%d.%d.%d:443", b[0], b[1], 2+b[2]%250)
		ln, err := net.Listen("tcp", addr)
		if errors.Is(err, syscall.EACCES) {
			t.Skip("skipped: serving the fake Azure Repos on port 443 needs root or CAP_NET_BIND_SERVICE")
		}
		if err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free 127.x.y.z:443")
	return ""
}

// seedRepo makes a bare repository at bare with one commit.
func seedRepo(t *testing.T, id *identity, gitBin, bare, work string) {
	t.Helper()
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.test", "GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.test"}
	id.run(t, "/", env, gitBin, "init", "-q", "--bare", "-b", "main", bare)
	id.run(t, "/", env, gitBin, "init", "-q", "-b", "main", work)
	if err := os.WriteFile(filepath.Join(work, "README.md"), []byte("seeded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id.run(t, work, env, gitBin, "add", "README.md")
	id.run(t, work, env, gitBin, "commit", "-q", "-m", "seed")
	id.run(t, work, env, gitBin, "push", "-q", bare, "main")
}
