package kubeconfig

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/aztoken/aztoken/internal/proctest"
)

// What az aks get-credentials writes for an Entra ID cluster, in both of
// its shapes (the old azure auth provider, and kubelogin), plus a user
// that is not Azure's.
const sample = `# my clusters
apiVersion: v1
kind: Config
preferences: {}
current-context: aks-1
clusters:
- cluster:
    certificate-authority-data: QUJD
    server: https://aks-1-dns.hcp.westeurope.azmk8s.io:443
  name: aks-1
contexts:
- context:
    cluster: aks-1
    user: clusterUser_rg_aks-1
  name: aks-1
- context:
    cluster: aks-1
    user: kl-user
  name: aks-kl
- context:
    cluster: aks-1
    user: admin
  name: aks-admin
users:
- name: clusterUser_rg_aks-1
  user:
    auth-provider:
      config:
        apiserver-id: 11111111-2222-3333-4444-555555555555
        client-id: 80faf920-1908-4b52-b5ef-a8e7bedfc67a
        config-mode: "1"
        environment: AzurePublicCloud
        tenant-id: 72f988bf-86f1-41af-91ab-2d7cd011db47
      name: azure
- name: kl-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args:
      - get-token
      - --login
      - devicecode
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --tenant-id=aaaaaaaa-2222-3333-4444-555555555555
- name: admin
  user:
    client-certificate-data: Q0VSVA== # keep me
    client-key-data: S0VZ
`

func users(t *testing.T, out []byte) map[string]map[string]any {
	t.Helper()
	var doc struct {
		Users []struct {
			Name string
			User map[string]any
		}
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]any{}
	for _, u := range doc.Users {
		m[u.Name] = u.User
	}
	return m
}

func args(u map[string]any) string {
	ex, _ := u["exec"].(map[string]any)
	var w []string
	for _, a := range ex["args"].([]any) {
		w = append(w, a.(string))
	}
	return ex["command"].(string) + " " + strings.Join(w, " ")
}

func TestConvertAll(t *testing.T) {
	out, done, err := Convert([]byte(sample), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 || done[0].Was != "azure auth provider" || done[1].Was != "kubelogin" {
		t.Errorf("converted %+v", done)
	}
	u := users(t, out)
	if got, want := args(u["clusterUser_rg_aks-1"]), "aztoken get -o exec-credential --resource 11111111-2222-3333-4444-555555555555 --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47"; got != want {
		t.Errorf("auth provider user: %q, want %q", got, want)
	}
	if _, ok := u["clusterUser_rg_aks-1"]["auth-provider"]; ok {
		t.Error("the auth provider is still there")
	}
	if got, want := args(u["kl-user"]), "aztoken get -o exec-credential --resource 6dae42f8-4368-4678-94ff-3960e28e3630 --tenant aaaaaaaa-2222-3333-4444-555555555555"; got != want {
		t.Errorf("kubelogin user: %q, want %q", got, want)
	}
	if ex := u["kl-user"]["exec"].(map[string]any); ex["apiVersion"] != ExecAPIVersion {
		t.Errorf("apiVersion %v", ex["apiVersion"])
	}
	// Everything else stays: the admin user, clusters, contexts, comments.
	for _, keep := range []string{"# my clusters", "client-certificate-data: Q0VSVA== # keep me", "current-context: aks-1", "server: https://aks-1-dns.hcp.westeurope.azmk8s.io:443", "name: aks-admin", "preferences: {}"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("lost %q:\n%s", keep, out)
		}
	}
	// Converting again changes nothing.
	again, _, err := Convert(out, Options{})
	if err != nil || string(again) != string(out) {
		t.Errorf("a second conversion changed the file: %v\n%s", err, again)
	}
}

func TestConvertChosen(t *testing.T) {
	cases := []struct {
		name    string
		o       Options
		user    string
		want    string
		wantErr string
	}{
		{"context", Options{Context: "aks-admin"}, "admin", "aztoken get -o exec-credential --resource 6dae42f8-4368-4678-94ff-3960e28e3630", ""},
		{"user, flags", Options{User: "kl-user", ServerID: "s", Tenant: "t", Command: "/opt/aztoken", Args: []string{"--source", "azcli"}}, "kl-user", "/opt/aztoken get -o exec-credential --resource s --tenant t --source azcli", ""},
		{"no such context", Options{Context: "nope"}, "", "", `no context "nope" (its contexts: aks-1, aks-admin, aks-kl)`},
		{"no such user", Options{User: "nope"}, "", "", `no user "nope"`},
	}
	for _, c := range cases {
		out, done, err := Convert([]byte(sample), c.o)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || len(done) != 1 || done[0].User != c.user {
			t.Fatalf("%s: %+v, %v", c.name, done, err)
		}
		if got := args(users(t, out)[c.user]); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	for _, bad := range []string{"", "[1, 2]", "users: 3", "apiVersion: v1\nusers:\n- name: a\n  user:\n    token: x\n", ":"} {
		if _, _, err := Convert([]byte(bad), Options{}); err == nil {
			t.Errorf("Convert(%q) succeeded", bad)
		}
	}
}

func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	// Through a symbolic link, twice: the link stays, and the second run
	// changes nothing, so the backup is still the file before aztoken.
	link := filepath.Join(dir, "link")
	if proctest.UnderWine() {
		t.Skip("skipping: Wine makes a Windows symbolic link a Unix one it cannot follow back")
	}
	if err := os.Symlink(p, link); err != nil {
		t.Skip("no symbolic links here: ", err)
	}
	for i, wantChanged := range []bool{true, false} {
		if _, changed, err := Rewrite(link, Options{Context: "aks-1"}); err != nil || changed != wantChanged {
			t.Fatalf("run %d: changed %v, %v; want %v", i, changed, err, wantChanged)
		}
	}
	if b, _ := os.ReadFile(p + BackupSuffix); string(b) != sample {
		t.Error("the backup is not the old file")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link became %v, %v", fi.Mode(), err)
	}
	// Windows keeps only a read-only bit.
	if fi, _ := os.Stat(p); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, _, err := Rewrite(filepath.Join(dir, "missing"), Options{}); err == nil {
		t.Error("a missing file was rewritten")
	}
	if got, _ := Path("", func(k string) string {
		return map[string]string{"KUBECONFIG": string(filepath.ListSeparator) + "/a" + string(filepath.ListSeparator) + "/b", "HOME": "/h"}[k]
	}); got != "/a" {
		t.Errorf("Path from KUBECONFIG = %q", got)
	}
	if got, _ := Path("", func(k string) string { return map[string]string{"HOME": "/h"}[k] }); got != filepath.Join("/h", ".kube", "config") {
		t.Errorf("Path from HOME = %q", got)
	}
}
