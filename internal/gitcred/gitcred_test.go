package gitcred

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/tenantdiscovery"
)

const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func TestReadRequest(t *testing.T) {
	in := "protocol=https\nhost=dev.azure.com\npath=contoso/web/_git/web\r\nwwwauth[]=Basic realm=\"x\"\nwwwauth[]=\nwwwauth[]=Bearer authorization_uri=https://login.microsoftonline.com/" + tid + "\ncapability[]=authtype\n\nignored=after the blank line\n"
	req, err := ReadRequest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if req.Attrs["host"] != "dev.azure.com" || req.Attrs["path"] != "contoso/web/_git/web" || req.Attrs["ignored"] != "" {
		t.Errorf("attrs = %v", req.Attrs)
	}
	if w := req.Lists["wwwauth"]; len(w) != 1 || !strings.HasPrefix(w[0], "Bearer ") {
		t.Errorf("wwwauth[] = %q, want only the value after the empty one that clears the list", w)
	}
	if !req.Has("capability", "authtype") || req.Has("capability", "state") {
		t.Errorf("capabilities = %q", req.Lists["capability"])
	}
	for _, bad := range []string{
		"no equals sign\n",
		"=value\n",
		"k=" + strings.Repeat("a", maxLine) + "\n",
		strings.Repeat("k=v\n", maxLines+1),
	} {
		if _, err := ReadRequest(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadRequest(%.20q...) accepted it", bad)
		} else if strings.Contains(err.Error(), "aaaa") {
			t.Errorf("the error echoes the input: %v", err)
		}
	}
}

func TestAnswerWrite(t *testing.T) {
	exp := time.Unix(1767225600, 0)
	cases := []struct {
		a    Answer
		want string
	}{
		{Answer{Username: "aztoken", Token: "tok", Expires: exp}, "username=aztoken\npassword=tok\npassword_expiry_utc=1767225600\n"},
		{Answer{Username: "aztoken", Token: "tok", Expires: exp, Bearer: true}, "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nephemeral=true\npassword_expiry_utc=1767225600\n"},
		{Answer{Username: "u", Token: "tok"}, "username=u\npassword=tok\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := c.a.Write(&b); err != nil || b.String() != c.want {
			t.Errorf("Write(%+v) = %q, %v; want %q", c.a, b.String(), err, c.want)
		}
	}
	for _, bad := range []Answer{{Username: "u\nhost=evil", Token: "t"}, {Username: "u", Token: "t\x00"}} {
		var b bytes.Buffer
		if err := bad.Write(&b); err == nil || b.Len() != 0 {
			t.Errorf("Write(%q) wrote %q", bad.Username, b.String())
		}
	}
}

func TestMatch(t *testing.T) {
	req := func(kv ...string) Request {
		r := Request{Attrs: map[string]string{}, Lists: map[string][]string{}}
		for i := 0; i < len(kv); i += 2 {
			r.Attrs[kv[i]] = kv[i+1]
		}
		return r
	}
	cases := []struct {
		req             Request
		wantHost, wantO string
		want            bool
	}{
		{req("protocol", "https", "host", "dev.azure.com", "path", "contoso/web/_git/web"), "dev.azure.com", "contoso", true},
		{req("protocol", "https", "host", "Dev.Azure.com", "path", "/Contoso/web/_git/web"), "dev.azure.com", "Contoso", true},
		{req("protocol", "https", "host", "dev.azure.com", "username", "contoso"), "dev.azure.com", "contoso", true},
		{req("protocol", "https", "host", "dev.azure.com", "path", "contoso", "username", "other"), "dev.azure.com", "contoso", true},
		{req("protocol", "https", "host", "dev.azure.com"), "dev.azure.com", "", true},
		{req("protocol", "https", "host", "dev.azure.com", "path", "../x", "username", "a b"), "dev.azure.com", "", true},
		{req("protocol", "https", "host", "contoso.visualstudio.com", "path", "web/_git/web"), "contoso.visualstudio.com", "contoso", true},
		// No answer.
		{req("protocol", "http", "host", "dev.azure.com", "path", "contoso/x"), "", "", false},
		{req("host", "dev.azure.com"), "", "", false},
		{req("protocol", "https", "host", "dev.azure.com:443"), "", "", false},
		{req("protocol", "https", "host", "dev.azure.com.evil.example"), "", "", false},
		{req("protocol", "https", "host", "github.com", "path", "contoso/x"), "", "", false},
		{req("protocol", "https", "host", "a.b.visualstudio.com"), "", "", false},
	}
	for _, c := range cases {
		got, ok := Match(c.req)
		if ok != c.want || got.Host != c.wantHost || got.Org != c.wantO {
			t.Errorf("Match(%v) = %+v, %v; want %s %q %v", c.req.Attrs, got, ok, c.wantHost, c.wantO, c.want)
		}
	}
	if u := (Target{Host: "dev.azure.com", Org: "contoso"}).OrgURL(); u != "https://dev.azure.com/contoso" {
		t.Errorf("OrgURL = %s", u)
	}
	if u := (Target{Host: "contoso.visualstudio.com", Org: "contoso"}).OrgURL(); u != "https://contoso.visualstudio.com/" {
		t.Errorf("OrgURL = %s", u)
	}
}

func TestHelperLine(t *testing.T) {
	cases := []struct {
		exe  string
		args []string
		want string
	}{
		{"/usr/local/bin/aztoken", nil, "/usr/local/bin/aztoken git credential"},
		{"/usr/local/bin/aztoken", []string{"--source", "azcli"}, "/usr/local/bin/aztoken git credential --source azcli"},
		{"/home/a b/aztoken", nil, "!'/home/a b/aztoken' git credential"},
		{"/opt/it's/aztoken", []string{"--tenant", "x y"}, `!'/opt/it'\''s/aztoken' git credential --tenant 'x y'`},
		{`C:\Program Files\aztoken\aztoken.exe`, nil, "!'C:/Program Files/aztoken/aztoken.exe' git credential"},
		{`C:\tools\aztoken.exe`, nil, "C:/tools/aztoken.exe git credential"},
	}
	for _, c := range cases {
		got := HelperLine(filepath.FromSlash(c.exe), c.args...)
		if filepath.Separator == '/' && strings.Contains(c.exe, `\`) {
			continue // a Windows path is one file name elsewhere
		}
		if got != c.want {
			t.Errorf("HelperLine(%q, %q) = %q, want %q", c.exe, c.args, got, c.want)
		}
		if !IsOurs(got) {
			t.Errorf("IsOurs(%q) = false", got)
		}
	}
	for _, other := range []string{"", "store", "manager", "/usr/lib/git-core/git-credential-libsecret", "!f() { echo aztoken; }; f", "/usr/bin/notaztoken git credential", "cache --timeout 60"} {
		if IsOurs(other) {
			t.Errorf("IsOurs(%q) = true", other)
		}
	}
}

// Configure and Unconfigure with the real git, on a global configuration
// of the test's own (GIT_CONFIG_GLOBAL).
func TestConfigureWithGit(t *testing.T) {
	g, err := FindGit()
	if err != nil {
		t.Skip("git is not installed: ", err)
	}
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	before := "[user]\n\tname = Ada\n[credential]\n\thelper = store\n[credential \"https://dev.azure.com\"]\n\thelper = manager\n"
	if err := os.WriteFile(cfg, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	ctx := context.Background()
	helper := HelperLine("/opt/a b/aztoken", "--source", "azcli")
	for range 2 { // twice: the second run changes nothing
		if _, err := Configure(ctx, g, helper, false); err != nil {
			t.Fatal(err)
		}
	}
	gitGet := func(args ...string) string {
		out, _ := exec.Command(g.Path, append([]string{"config", "--global"}, args...)...).Output()
		return string(out)
	}
	if got, want := gitGet("--get-all", "credential.https://dev.azure.com.helper"), "\n"+helper+"\nmanager\n"; got != want {
		t.Errorf("dev.azure.com helpers = %q, want %q", got, want)
	}
	if got, want := gitGet("--get-all", "credential.https://*.visualstudio.com.helper"), "\n"+helper+"\n"; got != want {
		t.Errorf("visualstudio.com helpers = %q, want %q", got, want)
	}
	if got := gitGet("--get", "credential.https://dev.azure.com.usehttppath"); got != "true\n" {
		t.Errorf("useHttpPath = %q", got)
	}
	if got := gitGet("--get-all", "credential.helper"); got != "store\n" {
		t.Errorf("the global helper became %q", got)
	}

	removed, err := Unconfigure(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 4 {
		t.Errorf("removed %v, want the reset and the helper for each URL", removed)
	}
	if got := gitGet("--get-all", "credential.https://dev.azure.com.helper"); got != "manager\n" {
		t.Errorf("after undo dev.azure.com helpers = %q, want only manager", got)
	}
	if got := gitGet("--get-all", "credential.https://*.visualstudio.com.helper"); got != "" {
		t.Errorf("after undo visualstudio.com helpers = %q", got)
	}
	if got := gitGet("--get", "user.name"); got != "Ada\n" {
		t.Errorf("user.name = %q", got)
	}
	if removed, err := Unconfigure(ctx, g); err != nil || len(removed) != 0 {
		t.Errorf("a second undo removed %v, %v", removed, err)
	}
}

func TestTenantsFor(t *testing.T) {
	var heads int
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heads++
		w.Header().Set(tenantdiscovery.ResourceTenantHeader, tid)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	// The organization's URL is the real one; the client dials the test
	// server whatever the name (its certificate names only 127.0.0.1).
	addr := strings.TrimPrefix(srv.URL, "https://")
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}
	dir := t.TempDir()
	ts := Tenants{Memo: tenantdiscovery.NewMemo(dir), Client: &http.Client{Transport: tr}}
	ctx := context.Background()
	target := Target{Host: "dev.azure.com", Org: "contoso"}
	empty := Request{Attrs: map[string]string{}, Lists: map[string][]string{}}

	if got, from := ts.For(ctx, empty, target); got != tid || !strings.Contains(from, "X-VSS-ResourceTenant") {
		t.Errorf("For (discovery) = %q from %q", got, from)
	}
	if got, from := ts.For(ctx, empty, target); got != tid || !strings.Contains(from, "remembered") || heads != 1 {
		t.Errorf("For (memo) = %q from %q after %d requests", got, from, heads)
	}
	const other = "11111111-2222-3333-4444-555555555555"
	withChallenge := Request{Attrs: map[string]string{}, Lists: map[string][]string{"wwwauth": {"Bearer authorization_uri=https://login.microsoftonline.com/" + other}}}
	if got, _ := ts.For(ctx, withChallenge, target); got != other || heads != 1 {
		t.Errorf("For (wwwauth) = %q after %d requests", got, heads)
	}
	// A challenge naming the tenant the memo holds rewrites nothing.
	memoFile := filepath.Join(dir, "tenants.json")
	held, err := os.Stat(memoFile)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.For(ctx, withChallenge, target); got != other {
		t.Errorf("For (wwwauth again) = %q", got)
	}
	if now, err := os.Stat(memoFile); err != nil || !os.SameFile(held, now) {
		t.Errorf("a challenge naming the remembered tenant rewrote the memo (%v)", err)
	}
	hostile := Request{Attrs: map[string]string{}, Lists: map[string][]string{"wwwauth": {"Bearer authorization_uri=https://evil.example/" + tid}}}
	if got, _ := ts.For(ctx, hostile, target); got != other {
		t.Errorf("a hostile challenge changed the tenant to %q", got)
	}
	if got, from := ts.For(ctx, empty, Target{Host: "dev.azure.com"}); got != "" || from != "" {
		t.Errorf("For without an organization = %q from %q", got, from)
	}
}
