package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/usage"
)

// A token shaped like a real one (three base64url parts); it is not secret.
const tok = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln-_"

var (
	expires = time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	refresh = time.Date(2025, 3, 4, 4, 36, 7, 0, time.UTC)
)

func testToken() chain.Token {
	return chain.Token{AccessToken: tok, TokenType: "Bearer", ExpiresOn: expires, Tenant: "tid-1"}
}

func TestWriteTokenFormats(t *testing.T) {
	full := testToken()
	full.RefreshOn = refresh
	meta := Meta{Source: "azure-cli", Scopes: []string{"https://management.azure.com/.default"}}

	tests := []struct {
		format Format
		token  chain.Token
		meta   Meta
		want   string
	}{
		{Raw, full, meta, tok + "\n"},
		{"", full, meta, tok + "\n"},
		{JSON, full, meta, `{"accessToken":"` + tok + `","tokenType":"Bearer","expiresOn":"2025-03-04T04:06:07Z","expires_on":1741061167,"refreshOn":"2025-03-04T04:36:07Z","source":"azure-cli","tenant":"tid-1","scopes":["https://management.azure.com/.default"]}` + "\n"},
		{Env, full, meta, "export AZURE_ACCESS_TOKEN='" + tok + "'\n"},
		{EnvNoExport, full, meta, "AZURE_ACCESS_TOKEN='" + tok + "'\n"},
		{PowerShell, full, meta, "$Env:AZURE_ACCESS_TOKEN = '" + tok + "'\n"},
		{Fish, full, meta, "set -gx AZURE_ACCESS_TOKEN '" + tok + "'\n"},
		{WindowsCmd, full, meta, "set AZURE_ACCESS_TOKEN=" + tok + "\n"},
		{Header, full, meta, "Authorization: Bearer " + tok + "\n"},
		{ExecCredential, full, meta, `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false},"status":{"token":"` + tok + `","expirationTimestamp":"2025-03-04T04:06:07Z"}}` + "\n"},
		// --env-name renames the variable in every shell format.
		{Env, full, Meta{EnvName: "ARM_TOKEN"}, "export ARM_TOKEN='" + tok + "'\n"},
		{EnvNoExport, full, Meta{EnvName: "_t1"}, "_t1='" + tok + "'\n"},
		{PowerShell, full, Meta{EnvName: "ARM_TOKEN"}, "$Env:ARM_TOKEN = '" + tok + "'\n"},
		{Fish, full, Meta{EnvName: "ARM_TOKEN"}, "set -gx ARM_TOKEN '" + tok + "'\n"},
		{WindowsCmd, full, Meta{EnvName: "ARM_TOKEN"}, "set ARM_TOKEN=" + tok + "\n"},
		// Token type spelled another way, or missing, is still "Bearer".
		{Header, chain.Token{AccessToken: tok, TokenType: "bearer"}, Meta{}, "Authorization: Bearer " + tok + "\n"},
		{Header, chain.Token{AccessToken: tok}, Meta{}, "Authorization: Bearer " + tok + "\n"},
		{Header, chain.Token{AccessToken: tok, TokenType: "PoP"}, Meta{}, "Authorization: PoP " + tok + "\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format)+"/"+tt.meta.EnvName, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteToken(&b, tt.format, tt.token, tt.meta); err != nil {
				t.Fatalf("WriteToken: %v", err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestJSONOmissions(t *testing.T) {
	// Unknown refresh time, tenant and source are left out; scopes stay an
	// array; no expiry leaves out both expiry fields.
	var b bytes.Buffer
	err := WriteToken(&b, JSON, chain.Token{AccessToken: tok}, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"accessToken":"` + tok + `","tokenType":"Bearer","scopes":[]}` + "\n"
	if b.String() != want {
		t.Errorf("got %s want %s", b.String(), want)
	}

	b.Reset()
	if err := WriteToken(&b, JSON, testToken(), Meta{Source: "managed-identity"}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accessToken", "tokenType", "expiresOn", "expires_on", "source", "tenant", "scopes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing from %s", k, b.String())
		}
	}
	if _, ok := m["refreshOn"]; ok {
		t.Errorf("refreshOn should be omitted when unknown: %s", b.String())
	}
	if got := m["expires_on"]; got != float64(expires.Unix()) {
		t.Errorf("expires_on = %v, want the integer epoch %d", got, expires.Unix())
	}
	if strings.Contains(b.String(), `"expires_on":1741061167.`) {
		t.Error("expires_on must be an integer")
	}
}

func TestJSONNoHTMLEscaping(t *testing.T) {
	var b bytes.Buffer
	meta := Meta{Scopes: []string{"api://x?a=1&b=<2>/.default"}}
	if err := WriteToken(&b, JSON, testToken(), meta); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"api://x?a=1&b=<2>/.default"`) {
		t.Errorf("HTML characters were escaped: %s", b.String())
	}
	if !strings.HasSuffix(b.String(), "}\n") || strings.Count(b.String(), "\n") != 1 {
		t.Errorf("want one line ending in a newline: %q", b.String())
	}
}

func TestExecCredentialVersions(t *testing.T) {
	tests := []struct {
		name, info, wantVersion string
	}{
		{"unset", "", "client.authentication.k8s.io/v1"},
		{"blank", "  \n", "client.authentication.k8s.io/v1"},
		{"v1", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`, "client.authentication.k8s.io/v1"},
		{"v1beta1", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":true}}`, "client.authentication.k8s.io/v1beta1"},
		{"v1beta1 with cluster", `{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"cluster":{"server":"https://127.0.0.1:6443","certificate-authority-data":"AAAA","config":null},"interactive":false}}`, "client.authentication.k8s.io/v1beta1"},
		{"no apiVersion", `{"kind":"ExecCredential"}`, "client.authentication.k8s.io/v1"},
		{"trailing newline", "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"}\n", "client.authentication.k8s.io/v1beta1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteToken(&b, ExecCredential, testToken(), Meta{ExecInfo: tt.info}); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Kind       string `json:"kind"`
				APIVersion string `json:"apiVersion"`
				Spec       struct {
					Interactive *bool `json:"interactive"`
				} `json:"spec"`
				Status struct {
					Token               string `json:"token"`
					ExpirationTimestamp string `json:"expirationTimestamp"`
				} `json:"status"`
			}
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if got.Kind != "ExecCredential" || got.APIVersion != tt.wantVersion {
				t.Errorf("kind %q apiVersion %q, want ExecCredential %q", got.Kind, got.APIVersion, tt.wantVersion)
			}
			if got.Spec.Interactive == nil || *got.Spec.Interactive {
				t.Error("spec.interactive should be present and false")
			}
			if got.Status.Token != tok || got.Status.ExpirationTimestamp != "2025-03-04T04:06:07Z" {
				t.Errorf("status = %+v", got.Status)
			}
		})
	}
}

func TestExecCredentialBadInfo(t *testing.T) {
	tests := []struct{ name, info, wantErr string }{
		{"not JSON", "v1beta1", "KUBERNETES_EXEC_INFO is not a JSON ExecCredential object"},
		{"truncated", `{"apiVersion":"client.authentication.k8s.io/v1"`, "is not a JSON ExecCredential object"},
		{"array", `["client.authentication.k8s.io/v1"]`, "is not a JSON ExecCredential object"},
		{"apiVersion not a string", `{"apiVersion":1}`, "is not a JSON ExecCredential object"},
		{"two objects", `{} {}`, "has text after its JSON object"},
		{"wrong kind", `{"kind":"Pod","apiVersion":"v1"}`, `has kind "Pod", not ExecCredential`},
		{"v1alpha1", `{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`, `asks for apiVersion "client.authentication.k8s.io/v1alpha1"`},
		{"other group", `{"apiVersion":"v1"}`, `asks for apiVersion "v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WriteToken(&b, ExecCredential, testToken(), Meta{ExecInfo: tt.info})
			if err == nil {
				t.Fatalf("want an error, got output %s", b.String())
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if b.Len() != 0 {
				t.Errorf("nothing should be written on error, got %q", b.String())
			}
			if strings.Contains(err.Error(), tok) {
				t.Error("error contains the token")
			}
		})
	}
}

func TestFormatsAndUnknownFormat(t *testing.T) {
	if got := Formats()[0]; got != "raw" {
		t.Errorf("the default should come first, got %q", got)
	}
	var b bytes.Buffer
	if err := WriteToken(&b, Format("yaml"), testToken(), Meta{}); !errors.Is(err, usage.Err) {
		t.Errorf("WriteToken with an unknown format: %v", err)
	}
}

func TestEnvNameValidation(t *testing.T) {
	valid := []string{"AZURE_ACCESS_TOKEN", "_", "_x", "a", "A1", "token_2"}
	invalid := []string{"", "1A", "A-B", "A B", "A$B", "A=B", "ÄB", "A;rm", "A\n", "$Env:X"}
	for _, name := range valid {
		if err := ValidEnvName(name); err != nil {
			t.Errorf("ValidEnvName(%q) = %v", name, err)
		}
	}
	for _, name := range invalid {
		err := ValidEnvName(name)
		if !errors.Is(err, usage.Err) {
			t.Errorf("ValidEnvName(%q) = %v, want a usage error", name, err)
			continue
		}
		if name == "" {
			continue // in Meta, empty means the default name
		}
		var b bytes.Buffer
		if err := WriteToken(&b, Env, testToken(), Meta{EnvName: name}); !errors.Is(err, usage.Err) || b.Len() != 0 {
			t.Errorf("WriteToken with --env-name %q: err %v, wrote %q", name, err, b.String())
		}
	}
}

func TestQuoting(t *testing.T) {
	tests := []struct {
		name  string
		quote func(string) string
		in    string
		want  string
	}{
		{"posix plain", posixQuote, "abc", `'abc'`},
		{"posix quote", posixQuote, "it's", `'it'\''s'`},
		{"posix specials stay literal", posixQuote, "$x `y` \\ \"z\"", `'$x ` + "`y`" + ` \ "z"'`},
		{"posix empty", posixQuote, "", `''`},
		{"powershell quote", powershellQuote, "it's", `'it''s'`},
		{"powershell smart quotes", powershellQuote, "a\u2018b\u2019c\u201Ad\u201Be", "'a\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'"},
		{"powershell dollar literal", powershellQuote, "$x", `'$x'`},
		{"fish quote", fishQuote, "it's", `'it\'s'`},
		{"fish backslash", fishQuote, `a\b`, `'a\\b'`},
		{"fish backslash then quote", fishQuote, `\'`, `'\\\''`},
	}
	for _, tt := range tests {
		if got := tt.quote(tt.in); got != tt.want {
			t.Errorf("%s: quote(%q) = %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestPOSIXQuotingRoundTrip evaluates the env formats in real shells, so the
// quoting is checked against the shell and not against our idea of it.
func TestPOSIXQuotingRoundTrip(t *testing.T) {
	values := []string{tok, "it's", `a'b'"c"$HOME` + "`id`\\n;|&", "''", "x\ny"}
	for _, sh := range []string{"sh", "bash", "dash", "zsh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		for _, v := range values {
			for _, f := range []Format{Env, EnvNoExport} {
				var b bytes.Buffer
				if err := WriteToken(&b, f, chain.Token{AccessToken: v}, Meta{}); err != nil {
					t.Fatal(err)
				}
				script := b.String() + `printf '%s' "$AZURE_ACCESS_TOKEN"`
				out, err := exec.Command(path, "-c", script).Output()
				if err != nil {
					t.Fatalf("%s: %v running %q", sh, err, script)
				}
				if string(out) != v {
					t.Errorf("%s %s: got %q, want %q", sh, f, out, v)
				}
			}
		}
	}
}

func TestShellRoundTripOptional(t *testing.T) {
	values := []string{tok, "it's", `a\'b` + "\u2019$x"}
	shells := []struct {
		name   string
		format Format
		args   func(script string) []string
		read   string
	}{
		{"fish", Fish, func(s string) []string { return []string{"-N", "-c", s} }, `printf '%s' "$AZURE_ACCESS_TOKEN"`},
		{"pwsh", PowerShell, func(s string) []string { return []string{"-NoProfile", "-NonInteractive", "-Command", s} }, `[Console]::Out.Write($Env:AZURE_ACCESS_TOKEN)`},
	}
	for _, sh := range shells {
		path, err := exec.LookPath(sh.name)
		if err != nil {
			t.Logf("%s not installed; its quoting is covered by TestQuoting only", sh.name)
			continue
		}
		for _, v := range values {
			var b bytes.Buffer
			if err := WriteToken(&b, sh.format, chain.Token{AccessToken: v}, Meta{}); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(path, sh.args(b.String()+sh.read)...).Output()
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			if string(out) != v {
				t.Errorf("%s: got %q, want %q", sh.name, out, v)
			}
		}
	}
}

func TestWindowsCmdRefusesSpecials(t *testing.T) {
	for _, v := range []string{"a b", "a&b", "a|b", "a<b", "a>b", "a^b", `a"b`, "a%PATH%", "a!b", "a(b)", "a\nb", "a\tb", "é"} {
		var b bytes.Buffer
		err := WriteToken(&b, WindowsCmd, chain.Token{AccessToken: v}, Meta{})
		if err == nil {
			t.Errorf("value %q should be refused, got %q", v, b.String())
			continue
		}
		if strings.Contains(err.Error(), v) || b.Len() != 0 {
			t.Errorf("value %q: error %q or output %q leaks the value", v, err, b.String())
		}
	}
	var b bytes.Buffer
	if err := WriteToken(&b, WindowsCmd, chain.Token{AccessToken: "EwB+/=abc.def-_"}, Meta{}); err != nil || b.String() != "set AZURE_ACCESS_TOKEN=EwB+/=abc.def-_\n" {
		t.Errorf("base64 token: %q, %v", b.String(), err)
	}
}

func TestLineBreaksRefused(t *testing.T) {
	secret := "secret-part-1\nsecret-part-2"
	for _, f := range []Format{Raw, Header} {
		var b bytes.Buffer
		err := WriteToken(&b, f, chain.Token{AccessToken: secret}, Meta{})
		if err == nil || b.Len() != 0 {
			t.Errorf("%s: a token with a line break should be refused, got %q, %v", f, b.String(), err)
			continue
		}
		if strings.Contains(err.Error(), "secret-part") {
			t.Errorf("%s: error leaks the token: %v", f, err)
		}
	}
	// JSON can carry it.
	var b bytes.Buffer
	if err := WriteToken(&b, JSON, chain.Token{AccessToken: secret}, Meta{}); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestEmptyTokenRefused(t *testing.T) {
	for _, f := range Formats() {
		var b bytes.Buffer
		if err := WriteToken(&b, Format(f), chain.Token{}, Meta{}); err == nil || b.Len() != 0 {
			t.Errorf("%s: empty token should be an error, got %q, %v", f, b.String(), err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrorReturned(t *testing.T) {
	if err := WriteToken(failWriter{}, Raw, testToken(), Meta{}); err == nil {
		t.Error("a failed write should be reported")
	}
}
