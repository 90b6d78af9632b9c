package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
)

// Each refusal with the status its protocol uses, and a body that says
// what to do.
func TestRefusals(t *testing.T) {
	log := &syncBuffer{}
	s := start(t, Options{Provider: &upstream{}, AllowResources: []string{"https://vault.azure.net/"}, AccessLog: log})
	c := loopbackClient()
	app := PathAppService + "?api-version=2019-08-01&resource=https://vault.azure.net"
	imds := PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net"
	meta := map[string]string{"Metadata": "true"}
	form := map[string]string{"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"}
	cases := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
		want                     string
	}{
		{"app service: no secret", "GET", app, "", nil, 401, "X-IDENTITY-HEADER header is missing"},
		{"app service: wrong secret", "GET", app, "", map[string]string{secretHeader: "wrong-secret-0123456789"}, 403, "does not match"},
		{"app service: wrong api-version", "GET", strings.Replace(app, "2019-08-01", "2017-09-01", 1), "", map[string]string{secretHeader: testSecret}, 400, "api-version"},
		{"app service: POST", "POST", app, "", map[string]string{secretHeader: testSecret}, 405, "GET"},
		{"app service: two identities", "GET", app + "&client_id=a&mi_res_id=b", "", map[string]string{secretHeader: testSecret}, 400, "Only one of"},
		{"app service: resource not allowed", "GET", PathAppService + "?api-version=2019-08-01&resource=https://graph.microsoft.com", "", map[string]string{secretHeader: testSecret}, 400, "--allow-resource https://graph.microsoft.com"},
		{"app service: no resource", "GET", PathAppService + "?api-version=2019-08-01", "", map[string]string{secretHeader: testSecret}, 400, "resource not specified"},
		{"app service: odd resource", "GET", PathAppService + "?api-version=2019-08-01&resource=a%20b", "", map[string]string{secretHeader: testSecret}, 400, "has characters outside"},
		{"app service: a word", "GET", PathAppService + "?api-version=2019-08-01&resource=keyvault", "", map[string]string{secretHeader: testSecret}, 400, `The resource \"keyvault\" is a word, not a resource URI or app id; clients send the URI itself, since serve, like Azure's endpoints, expands no alias; did you mean https://vault.azure.net?`},
		{"app service: an alias", "GET", PathAppService + "?api-version=2019-08-01&resource=vault", "", map[string]string{secretHeader: testSecret}, 400, `(\"vault\" is aztoken get's alias for https://vault.azure.net)`},
		{"imds: a bad URI", "GET", PathIMDS + "?api-version=2018-02-01&resource=https://x/../y", "", meta, 400, "path segment"},
		{"imds: probe without Metadata", "GET", PathIMDS, "", nil, 400, "Required metadata header not specified"},
		{"imds: no Metadata", "GET", imds, "", nil, 400, "Required metadata header"},
		{"imds: Metadata false", "GET", imds, "", map[string]string{"Metadata": "false"}, 400, "Required metadata header"},
		{"imds: X-Forwarded-For", "GET", imds, "", map[string]string{"Metadata": "true", "X-Forwarded-For": "10.0.0.1"}, 403, "X-Forwarded-For"},
		{"imds: Forwarded", "GET", imds, "", map[string]string{"Metadata": "true", "Forwarded": "for=10.0.0.1"}, 403, "Forwarded"},
		{"imds: no api-version", "GET", PathIMDS + "?resource=https://vault.azure.net", "", meta, 400, "api-version"},
		{"imds: resource not allowed", "GET", PathIMDS + "?api-version=2018-02-01&resource=https://graph.microsoft.com", "", meta, 400, "invalid_resource"},
		{"imds: POST", "POST", imds, "", meta, 405, "GET"},
		{"cloud shell: no secret", "POST", PathCloudShell, "resource=https://vault.azure.net", form, 401, "MSI_ENDPOINT"},
		{"cloud shell: wrong secret", "POST", PathCloudShell + "/wrong-secret-0123456789", "resource=https://vault.azure.net", form, 403, "does not match"},
		{"cloud shell: no Metadata", "POST", PathCloudShell + "/" + testSecret, "resource=https://vault.azure.net", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "metadata header"},
		{"cloud shell: GET", "GET", PathCloudShell + "/" + testSecret, "", meta, 405, "POST"},
		{"cloud shell: body too large", "POST", PathCloudShell + "/" + testSecret, "resource=" + strings.Repeat("a", 2*maxBodyBytes), form, 413, "over"},
		{"cloud shell: resource not allowed", "POST", PathCloudShell + "/" + testSecret, "resource=https://graph.microsoft.com", form, 400, "allow list"},
		{"unknown path", "GET", "/nothing", "", nil, 404, PathAppService},
		{"emulator paths off in proxy mode", "GET", "/.well-known/openid-configuration", "", nil, 404, ""},
		{"headers too large", "GET", app, "", map[string]string{secretHeader: testSecret, "X-Big": strings.Repeat("b", 4*maxHeaderBytes)}, 431, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, c, tc.method, s.URL()+tc.path, tc.body, tc.headers)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("got %d %q, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
	// The allowed resource, and the header-secret form of Cloud Shell, pass.
	if status, body := do(t, c, "POST", s.URL()+PathCloudShell, "resource=https://vault.azure.net/", map[string]string{"Metadata": "true", secretHeader: testSecret, "Content-Type": "application/x-www-form-urlencoded"}); status != 200 {
		t.Errorf("cloud shell with the header: %d %s", status, body)
	}
	if strings.Contains(log.String(), testSecret) {
		t.Errorf("the access log holds the secret:\n%s", log.String())
	}
}

func TestIMDSModes(t *testing.T) {
	imds := PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net"
	cases := []struct {
		name    string
		mode    IMDSMode
		headers map[string]string
		status  int
	}{
		{"auto on loopback needs no secret", IMDSAuto, map[string]string{"Metadata": "true"}, 200},
		{"require secret: none", IMDSRequireSecret, map[string]string{"Metadata": "true"}, 401},
		{"require secret: wrong", IMDSRequireSecret, map[string]string{"Metadata": "true", secretHeader: "wrong-secret-0123456789"}, 403},
		{"require secret: right", IMDSRequireSecret, map[string]string{"Metadata": "true", secretHeader: testSecret}, 200},
		{"off", IMDSOff, map[string]string{"Metadata": "true", secretHeader: testSecret}, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, Options{Provider: &upstream{}, IMDS: tc.mode})
			if status, body := get(t, loopbackClient(), s.URL()+imds, tc.headers); status != tc.status {
				t.Errorf("got %d %s, want %d", status, body, tc.status)
			}
			if tc.mode != IMDSOff {
				return
			}
			// Off says so, on the IMDS path and in the list of paths.
			if _, body := get(t, loopbackClient(), s.URL()+imds, tc.headers); !strings.Contains(body, "IMDS turned off (--imds off)") || !strings.Contains(body, `"error":"not_found"`) {
				t.Errorf("IMDS off: %s", body)
			}
			if _, body := get(t, loopbackClient(), s.URL()+"/nothing", nil); strings.Contains(body, PathIMDS) {
				t.Errorf("with IMDS off the 404 still lists it: %s", body)
			}
		})
	}
}

// With --allow-remote, IMDS requires the secret (checked without
// binding a public address: New decides).
func TestRemoteBindMakesIMDSRequireTheSecret(t *testing.T) {
	s, err := New(Options{Provider: &upstream{}, Addr: "0.0.0.0:0", AllowRemote: true, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if !s.imdsSecret || len(s.Warnings()) != 1 || !strings.Contains(s.Warnings()[0], "every network interface") {
		t.Errorf("imdsSecret = %v, warnings = %q", s.imdsSecret, s.Warnings())
	}
}

func TestCheckBind(t *testing.T) {
	cases := []struct {
		addr        string
		allowRemote bool
		wantErr     string
		wantWarn    bool
	}{
		{"127.0.0.1:0", false, "", false},
		{"127.0.0.2:8080", false, "", false},
		{"[::1]:0", false, "", false},
		{"localhost:0", false, "", false},
		{"0.0.0.0:8080", false, "--allow-remote", false},
		{":8080", false, "every network interface", false},
		{"[::]:8080", false, "--allow-remote", false},
		{"192.168.1.5:8080", false, "refusing to listen on 192.168.1.5", false},
		{"myhost:8080", false, "--allow-remote", false},
		{"172.17.0.1:8080", true, "", true},
		{"no-port", false, "not host:port", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			warns, err := checkBind(tc.addr, tc.allowRemote, IMDSAuto, interfaceNets)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (len(warns) > 0) != tc.wantWarn {
				t.Errorf("warnings %q", warns)
			}
		})
	}
	// New applies it.
	if _, err := New(Options{Provider: &upstream{}, Addr: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("New with a remote bind: %v", err)
	}
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	short := filepath.Join(dir, "short")
	os.WriteFile(good, []byte(testSecret+"\n"), 0o600)
	os.WriteFile(short, []byte("abc\n"), 0o600)
	lookup := func(k string) (string, bool) {
		m := map[string]string{"GOOD": testSecret, "BAD": "has space in it 0123456789", "EMPTY": ""}
		v, ok := m[k]
		return v, ok
	}
	cases := []struct {
		name    string
		o       Options
		want    string // the secret, or "" when generated
		wantErr string
	}{
		{"generated", Options{}, "", ""},
		{"value", Options{Secret: testSecret}, testSecret, ""},
		{"file", Options{SecretFile: good}, testSecret, ""},
		{"variable", Options{SecretEnv: "GOOD", LookupEnv: lookup}, testSecret, ""},
		{"short file", Options{SecretFile: short}, "", "3 characters long"},
		{"missing file", Options{SecretFile: filepath.Join(dir, "nope")}, "", "reading the secret file failed"},
		{"bad characters", Options{SecretEnv: "BAD", LookupEnv: lookup}, "", "character other than"},
		{"empty variable", Options{SecretEnv: "EMPTY", LookupEnv: lookup}, "", "unset or empty"},
		{"two ways", Options{Secret: testSecret, SecretFile: good}, "", "one way only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadSecret(&tc.o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "has space in it") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(got) != 43 || validSecret(got) != nil {
					t.Errorf("generated secret %d chars, valid: %v", len(got), validSecret(got))
				}
				if again, _ := loadSecret(&tc.o); again == got {
					t.Error("two generated secrets are equal")
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestNewNeedsOneProvider(t *testing.T) {
	for _, o := range []Options{{}, {Provider: &upstream{}, Emulate: &EmulatorOptions{}}} {
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), "exactly one") {
			t.Errorf("err = %v", err)
		}
	}
	if _, err := New(Options{Provider: &upstream{}, AllowResources: []string{"bad resource"}}); err == nil {
		t.Error("a bad allowed resource was accepted")
	}
}

// Upstream failures reach the client as the protocol's error, with the
// source's sentence and hint: an upstream that is down as 503 and one
// that timed out as 504, in each protocol's shape, which SDKs retry; a
// failure that retrying cannot fix as 400, which they do not.
func TestUpstreamErrors(t *testing.T) {
	entra := func(status int) error {
		return &chain.NoTokenError{Status: chain.StatusFailed, Result: chain.Result{Outcomes: []chain.Outcome{
			{Source: "environment", Status: chain.StatusFailed, Reason: fmt.Sprintf("Entra ID answered %d", status), Requests: []chain.RequestInfo{{Status: status}}},
		}}}
	}
	up := &upstream{}
	s := start(t, Options{Provider: up})
	c := loopbackClient()
	cases := []struct {
		err      error
		status   int
		want     string
		imdsCode string
	}{
		{chain.Unavailable("run az login", "Azure CLI is not logged in"), 400, "Azure CLI is not logged in (run az login)", "invalid_request"},
		{chain.TimedOut("raise --cli-timeout", "az timed out after 10s"), 504, "timed out after 10s", "gateway_timeout"},
		{context.DeadlineExceeded, 504, "deadline", "gateway_timeout"},
		{errors.New("boom"), 400, "boom", "invalid_request"},
		{entra(503), 503, "Entra ID answered 503", "service_unavailable"},
		{entra(401), 400, "Entra ID answered 401", "invalid_request"},
		{&UpstreamError{Status: 502, Msg: "bad gateway"}, 503, "bad gateway", "service_unavailable"},
		{&UpstreamError{Status: 504, Msg: "upstream timed out"}, 504, "upstream timed out", "gateway_timeout"},
	}
	for i, tc := range cases {
		up.setErr(tc.err)
		status, body := get(t, c, fmt.Sprintf("%s%s?api-version=2019-08-01&resource=api://err-%d", s.URL(), PathAppService, i), map[string]string{secretHeader: testSecret})
		if status != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, fmt.Sprintf(`"statusCode":%d`, tc.status)) {
			t.Errorf("app service, %v: got %d %s", tc.err, status, body)
		}
		status, body = get(t, c, fmt.Sprintf("%s%s?api-version=2018-02-01&resource=api://err-%d", s.URL(), PathIMDS, i), map[string]string{"Metadata": "true"})
		if status != tc.status || !strings.Contains(body, `"error":"`+tc.imdsCode+`"`) {
			t.Errorf("imds, %v: got %d %s", tc.err, status, body)
		}
	}
	// Failures are not cached: the next good answer is served.
	up.setErr(nil)
	if status, _ := get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://err-0", map[string]string{secretHeader: testSecret}); status != 200 {
		t.Errorf("after recovery: %d", status)
	}
}

// The access log has a line per request with status and resource, and
// never a token or the secret, on success or refusal.
func TestAccessLogHoldsNoSecrets(t *testing.T) {
	log := &syncBuffer{}
	stderr := &syncBuffer{}
	up := &upstream{}
	s := start(t, Options{Provider: up, AccessLog: log, Stderr: stderr})
	banner := len(stderr.String()) // the banner shows the secret on purpose
	if !strings.Contains(stderr.String(), "IDENTITY_HEADER="+testSecret) {
		t.Errorf("the banner lacks the secret a container needs:\n%s", stderr.String())
	}
	after := func() string { return stderr.String()[banner:] }
	c := loopbackClient()
	get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://log&client_id=0d9b4c4e-0000-4000-8000-0000000000c7", map[string]string{secretHeader: testSecret})
	get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://log", map[string]string{secretHeader: testSecret + "x"})
	do(t, c, "POST", s.URL()+PathCloudShell+"/"+testSecret, "resource=api://log", map[string]string{"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"})
	do(t, c, "POST", s.URL()+PathCloudShell+"/"+testSecret+"x", "resource=api://log", map[string]string{"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"})
	get(t, c, s.URL()+"/"+testSecret, nil)
	up.setErr(chain.Failed(nil, "", "upstream broke"))
	get(t, c, s.URL()+PathIMDS+"?api-version=2018-02-01&resource=api://other", map[string]string{"Metadata": "true"})

	out := log.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("want 6 lines, got:\n%s", out)
	}
	for _, want := range []string{`"GET" "/msi/token" 200`, `resource="api://log"`, `identity="client_id=0d9b4c4e-0000-4000-8000-0000000000c7"`, `403`, `"/cloudshell/REDACTED"`, `note="wrong secret"`, `remote=127.0.0.1:`, `"/REDACTED" 404`, `note="upstream: upstream broke"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, bad := range []string{testSecret, tokenMarker} {
		if strings.Contains(out, bad) || strings.Contains(after(), bad) {
			t.Errorf("the log or stderr holds %q:\n%s\n%s", bad, out, after())
		}
	}
	// Requests rejected by net/http itself (431) leave no secret either.
	get(t, c, s.URL()+PathAppService, map[string]string{secretHeader: testSecret, "X-Big": strings.Repeat("b", 4*maxHeaderBytes)})
	if strings.Contains(log.String()+after(), testSecret) {
		t.Error("a 431 put the secret in a log")
	}
	_ = http.StatusOK
}
