package clienttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// debianKubectl is where .ci/client-tests unpacks Debian's
// kubernetes-client (when another kubectl owns /usr/bin/kubectl): below
// AZTOKEN_TEST_KUBECTL_DIR, with the script's default.
func debianKubectl() string {
	dir := os.Getenv("AZTOKEN_TEST_KUBECTL_DIR")
	if dir == "" {
		dir = "/var/cache/aztoken-test/kubectl"
	}
	return filepath.Join(dir, "root", "usr", "bin", "kubectl")
}

// findKubectl prefers AZTOKEN_TEST_KUBECTL, then Debian's unpacked
// kubectl, then kubectl on PATH.
func findKubectl() string {
	if p := os.Getenv("AZTOKEN_TEST_KUBECTL"); p != "" {
		return p
	}
	debian := debianKubectl()
	if _, err := os.Stat(debian); err == nil {
		return debian
	}
	p, _ := exec.LookPath("kubectl")
	return p
}

// The real kubectl reads a kubeconfig as az aks get-credentials writes it
// for an Entra ID cluster (the azure auth provider, which kubectl 1.26
// and later no longer have), rewritten by 'aztoken kubeconfig', runs
// aztoken as its exec plugin and gets /version from a fake AKS API server
// that takes only a token for AKS's server application and the tenant.
func TestKubectlWithKubeconfig(t *testing.T) {
	if proctest.UnderWine() {
		t.Skip("skipping: the real kubectl and the Go toolchain here are Linux programs, which Wine cannot run (the Linux run proves the helper)")
	}
	kubectl := findKubectl()
	if kubectl == "" {
		t.Skip("skipped: kubectl is not installed (.ci/client-tests unpacks Debian's kubernetes-client)")
	}
	if out, err := exec.Command(kubectl, "version", "--client").CombinedOutput(); err == nil {
		t.Logf("kubectl: %s", strings.TrimSpace(string(out)))
	}
	id := newIdentity(t)
	api, err := fakeazure.NewKubeAPI(id.entra.Minter(), id.entra.TenantID())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()

	cfg := filepath.Join(t.TempDir(), "config")
	before := `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ` + api.CAData() + `
    server: ` + api.URL() + `
  name: aks-1
contexts:
- context:
    cluster: aks-1
    user: clusterUser_rg_aks-1
  name: aks-1
- context:
    cluster: aks-1
    user: other
  name: other
current-context: aks-1
preferences: {}
users:
- name: clusterUser_rg_aks-1
  user:
    auth-provider:
      config:
        apiserver-id: ` + fakeazure.AKSServerApp + `
        client-id: 80faf920-1908-4b52-b5ef-a8e7bedfc67a
        config-mode: "1"
        environment: AzurePublicCloud
        tenant-id: ` + id.entra.TenantID() + `
      name: azure
- name: other
  user:
    token: not-an-entra-token
`
	if err := os.WriteFile(cfg, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := id.run(t, "/", nil, aztoken(t), "kubeconfig", "--kubeconfig", cfg, "--source", "env")
	if !strings.Contains(out, "user clusterUser_rg_aks-1 (azure auth provider) now runs: aztoken get -o exec-credential --resource "+fakeazure.AKSServerApp+" --tenant "+id.entra.TenantID()+" --source env") {
		t.Errorf("aztoken kubeconfig said:\n%s", out)
	}
	after, _ := os.ReadFile(cfg)
	if !strings.Contains(string(after), "token: not-an-entra-token") || !strings.Contains(string(after), "current-context: aks-1") {
		t.Errorf("the rewrite lost the rest of the file:\n%s", after)
	}

	stdout, stderr := id.run(t, "/", []string{"KUBECONFIG=" + cfg}, kubectl, "get", "--raw", "/version")
	if !strings.Contains(stdout, `"gitVersion":"v1.31.2-aks-fake"`) {
		t.Errorf("kubectl get --raw /version printed:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if ok, _ := api.Counts(); ok == 0 {
		t.Error("the API server accepted no request")
	}
	if strings.Contains(stderr, "eyJ") || strings.Contains(stderr, clientSecret) {
		t.Errorf("kubectl's stderr shows a secret:\n%s", stderr)
	}
	// Again: the token comes from aztoken's cache, and the server still
	// takes it.
	id.run(t, "/", []string{"KUBECONFIG=" + cfg}, kubectl, "get", "--raw", "/version")
	if n := id.entra.Count(fakeazure.EndpointToken); n != 1 {
		t.Errorf("Entra ID was asked %d times for two kubectl runs, want 1 (the second from the cache)", n)
	}

	// The other user keeps its own token, which the server refuses.
	if _, _, err := id.try("/", []string{"KUBECONFIG=" + cfg}, kubectl, "--context", "other", "get", "--raw", "/version"); err == nil {
		t.Error("the other user's static token was accepted")
	}
}
