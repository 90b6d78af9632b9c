package serve

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// guardRequests are one token request per protocol, each of which the
// server answers with 200 when nothing refuses it.
func guardRequests() map[string]func(host string) *http.Request {
	return map[string]func(string) *http.Request{
		"app service": func(host string) *http.Request {
			r := httptest.NewRequest("GET", PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net", nil)
			r.Header.Set(secretHeader, testSecret)
			r.Host = host
			return r
		},
		"imds": func(host string) *http.Request {
			r := httptest.NewRequest("GET", PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net", nil)
			r.Header.Set("Metadata", "true")
			r.Host = host
			return r
		},
		"cloud shell": func(host string) *http.Request {
			r := httptest.NewRequest("POST", PathCloudShell+"/"+testSecret, strings.NewReader("resource=https://vault.azure.net"))
			r.Header.Set("Metadata", "true")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Host = host
			return r
		},
	}
}

// serveDirect runs one request through the handler, as from a loopback
// client, and returns the status, the body and the access-log line.
func serveDirect(t *testing.T, s *Server, log *syncBuffer, r *http.Request) (int, string, string) {
	t.Helper()
	if r.RemoteAddr == "192.0.2.1:1234" { // httptest's default
		r.RemoteAddr = "127.0.0.1:50000"
	}
	before := len(log.String())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Code, w.Body.String(), log.String()[before:]
}

// Every protocol answers only Host values that name this server: the
// listen address, loopback, localhost and the container host names, with
// any port, in any case, with a trailing dot on a name; nothing else.
func TestHostHeader(t *testing.T) {
	withDocker(t, false, "")
	cases := []struct {
		listen string
		host   string
		ok     bool
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "127.0.0.1", true},
		{"127.0.0.1:8080", "127.0.0.1:9999", true}, // a forwarded port
		{"127.0.0.1:8080", "127.0.0.2:8080", true}, // loopback
		{"127.0.0.1:8080", "localhost:8080", true},
		{"127.0.0.1:8080", "LOCALHOST:8080", true},
		{"127.0.0.1:8080", "localhost.:8080", true},
		{"127.0.0.1:8080", "localhost..", false},
		// Docker Engine never sends these to loopback (see
		// TestContainerHostNames for where it does).
		{"127.0.0.1:8080", "host.docker.internal:8080", false},
		{"127.0.0.1:8080", "Host.Docker.Internal", false},
		{"127.0.0.1:8080", "gateway.docker.internal", false},
		{"127.0.0.1:8080", "[::1]:8080", true},
		{"127.0.0.1:8080", "[::1]", true},
		{"127.0.0.1:8080", "[0:0:0:0:0:0:0:1]:8080", true},
		{"127.0.0.1:8080", "[::ffff:127.0.0.1]:8080", true},
		{"127.0.0.1:8080", "::1", false}, // IPv6 without brackets
		{"127.0.0.1:8080", "[::1", false},
		{"127.0.0.1:8080", "[::1]x", false},
		{"127.0.0.1:8080", "[evil.example.com]:8080", false},
		{"127.0.0.1:8080", "evil.example.com:8080", false},
		{"127.0.0.1:8080", "evil.example.com", false},
		{"127.0.0.1:8080", "localhost.evil.example.com", false},
		{"127.0.0.1:8080", "127.0.0.1.nip.io:8080", false},
		{"127.0.0.1:8080", "localhost:http", false},
		{"127.0.0.1:8080", "localhost:0", false},
		{"127.0.0.1:8080", "localhost:65536", false},
		{"127.0.0.1:8080", "localhost:", false},
		{"127.0.0.1:8080", "169.254.169.254", false}, // not the listen address
		{"127.0.0.1:8080", "10.0.0.1:8080", false},
		{"127.0.0.1:8080", "", false}, // HTTP/1.0 without Host
		{"localhost:8080", "localhost:8080", true},
		{"[::1]:8080", "[::1]:8080", true},
		{"[::1]:8080", "127.0.0.1:8080", true},
		{"169.254.169.254:80", "169.254.169.254", true},
		{"169.254.169.254:80", "169.254.169.254:80", true},
		{"169.254.169.254:80", "169.254.169.253", false},
		{"169.254.169.254:80", "metadata.azure.internal", false},
		{"169.254.169.254:80", "host.docker.internal", true},
		{"172.17.0.1:8080", "Host.Docker.Internal.:8080", true},
		{"[fe80::1%eth0]:80", "[fe80::1]:80", true},
		{"[fe80::1%eth0]:80", "[fe80::2]:80", false},
		{"0.0.0.0:8080", "172.17.0.1:8080", true}, // every interface: any IP literal
		{"0.0.0.0:8080", "evil.example.com:8080", false},
		{"172.17.0.1:8080", "172.17.0.1:8080", true},
		{"172.17.0.1:8080", "172.17.0.2:8080", false},
	}
	for _, tc := range cases {
		rule, err := newHostRule(listenHost(tc.listen), nil)
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := rule.allows(tc.host); ok != tc.ok {
			t.Errorf("listening on %s, Host %q: allowed %v (%s), want %v", tc.listen, tc.host, ok, why, tc.ok)
		}
	}
	// --allow-host adds a name, with the same rules for case and dots.
	rule, err := newHostRule("127.0.0.1", []string{"AZToken.", "relay"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{"aztoken:8080": true, "AZTOKEN.": true, "relay": true, "relay.evil": false} {
		if ok, _ := rule.allows(host); ok != want {
			t.Errorf("--allow-host: Host %q allowed %v, want %v", host, ok, want)
		}
	}
	if _, err := newHostRule("127.0.0.1", []string{"bad name"}); err == nil || !strings.Contains(err.Error(), "not a DNS name") {
		t.Errorf("a bad --allow-host: %v", err)
	}
}

// Each protocol applies the rule: a foreign Host gets 403 in the
// protocol's shape, a sentence, and a "refused" line in the access log.
func TestEveryProtocolChecksHost(t *testing.T) {
	log := &syncBuffer{}
	s := start(t, Options{Provider: &upstream{}, AccessLog: log, AllowHosts: []string{"aztoken"}})
	hosts := []struct {
		host string
		ok   bool
	}{
		{s.Addr(), true},
		{"localhost:1", true},
		{"aztoken", true}, // but IMDS needs the secret under it: TestIMDSWithoutSecretOnlyUnderOwnNames
		{"EVIL.example.com:" + s.URL()[len("http://127.0.0.1:"):], false},
		{"evil.example.com.", false},
		{"[::2]:80", false},
		{"", false},
	}
	for name, req := range guardRequests() {
		for _, h := range hosts {
			r := req(h.host)
			if name == "imds" && h.host == "aztoken" {
				r.Header.Set(secretHeader, testSecret)
			}
			status, body, line := serveDirect(t, s, log, r)
			switch {
			case h.ok && status != 200:
				t.Errorf("%s, Host %q: %d %s", name, h.host, status, body)
			case !h.ok && (status != 403 || !strings.Contains(body, "refused this request") || !strings.Contains(body, "DNS rebinding")):
				t.Errorf("%s, Host %q: %d %s, want 403 with a sentence", name, h.host, status, body)
			case !h.ok && !strings.Contains(line, `note="refused: Host`):
				t.Errorf("%s, Host %q: the access log does not say refused: %s", name, h.host, line)
			case !h.ok && name == "app service" && !strings.Contains(body, `"statusCode":403`):
				t.Errorf("app service refusal not in its shape: %s", body)
			case !h.ok && name != "app service" && !strings.Contains(body, `"error":"forbidden"`):
				t.Errorf("%s refusal not in the IMDS shape: %s", name, body)
			}
		}
	}
}

// Requests a browser marks as coming from a web page are refused on
// every protocol, whatever their Host, and no preflight is answered.
func TestBrowserRequestsRefused(t *testing.T) {
	log := &syncBuffer{}
	s := start(t, Options{Provider: &upstream{}, AccessLog: log})
	headers := []struct {
		name, value string
		ok          bool
	}{
		{"Origin", "http://evil.example.com", false},
		{"Origin", "null", false},
		{"Origin", "http://" + s.Addr(), false},
		{"Origin", "", false}, // present but empty
		{"Sec-Fetch-Site", "cross-site", false},
		{"Sec-Fetch-Site", "CROSS-SITE", false},
		{"Sec-Fetch-Site", "same-site", false},
		{"Sec-Fetch-Site", "same-origin", true}, // only a page we served, and we serve none
		{"Sec-Fetch-Site", "none", true},        // typed into the address bar
	}
	for name, req := range guardRequests() {
		for _, h := range headers {
			r := req(s.Addr())
			r.Header[h.name] = []string{h.value}
			status, body, line := serveDirect(t, s, log, r)
			if h.ok != (status == 200) || !h.ok && (status != 403 || !strings.Contains(line, "refused")) {
				t.Errorf("%s with %s: %q: %d %s", name, h.name, h.value, status, body)
			}
		}
		// A CORS preflight: refused, and no Access-Control header.
		r := req(s.Addr())
		r.Method = http.MethodOptions
		r.Header.Set("Access-Control-Request-Method", "GET")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s preflight: %d %v", name, w.Code, w.Header())
		}
	}
}

// An HTTP/1.0 request without a Host header, over a real connection, is
// refused: no browser omits Host, but nothing can be checked without it.
func TestHTTP10WithoutHostRefused(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}})
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = conn.Write([]byte("GET " + PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net HTTP/1.0\r\nMetadata: true\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("HTTP/1.0 without Host: %d", resp.StatusCode)
	}
}

// The emulator's discovery and JWKS documents are exempt: they hold the
// issuer's name and a public key, nothing that grants access, as Entra ID
// serves its own to anyone. The test shows what they hold.
func TestEmulatorDocumentsAreHarmless(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	for _, p := range []string{"/.well-known/openid-configuration", "/discovery/v2.0/keys", "/" + DefaultEmulatorTenant + "/discovery/v2.0/keys"} {
		r := httptest.NewRequest("GET", p, nil)
		r.Host = "evil.example.com"
		r.Header.Set("Origin", "http://evil.example.com")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != 200 {
			t.Errorf("%s: %d", p, w.Code)
		}
		// No secret, no token, no private key parts (RSA "d", "p", "q"),
		// no CORS header that would let a foreign page read it.
		for _, bad := range []string{testSecret, `"d":`, `"p":`, `"q":`, `"dp":`, "eyJ"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s holds %q: %s", p, bad, body)
			}
		}
		if w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s sends a CORS header", p)
		}
	}
}

// The reproduction from issue 15, over a real connection: IMDS with the
// Metadata header and a rebinding domain's Host gets 403 and no token.
func TestRebindingReproductionRefused(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	req, err := http.NewRequest("GET", s.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example.com:" + strings.TrimPrefix(s.URL(), "http://127.0.0.1:")
	req.Header.Set("Metadata", "true")
	resp, err := loopbackClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || strings.Contains(string(body), "access_token") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

// withDocker makes the machine look like one with Docker Desktop (desktop)
// or Docker Engine, with hosts as its hosts file.
func withDocker(t *testing.T, desktop bool, hosts string) {
	t.Helper()
	oldDesktop, oldPath := desktopLoopback, hostsPath
	t.Cleanup(func() { desktopLoopback, hostsPath = oldDesktop, oldPath })
	desktopLoopback = desktop
	path := filepath.Join(t.TempDir(), "hosts")
	hostsPath = func() string { return path }
	if err := os.WriteFile(path, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The container host names are accepted only where Docker sends requests
// under them to this listener, where the hosts file maps them, or through
// --allow-host: anywhere else a browser asks DNS for them, and a rogue
// network's DNS can point them here (issue 27, item 5).
func TestContainerHostNames(t *testing.T) {
	const desktopHosts = "# Added by Docker Desktop\n192.168.65.254 host.docker.internal\n192.168.65.254\tgateway.docker.internal\n"
	cases := []struct {
		name    string
		desktop bool
		hosts   string
		listen  string
		allow   []string
		host    string
		ok      bool
	}{
		{"docker engine, loopback", false, "127.0.0.1 localhost\n", "127.0.0.1", nil, "host.docker.internal", false},
		{"docker engine, loopback, gateway name", false, "", "127.0.0.1", nil, "gateway.docker.internal:80", false},
		{"docker engine, localhost listener", false, "", "localhost", nil, "host.docker.internal", false},
		{"docker engine, a commented-out mapping", false, "# 127.0.0.1 host.docker.internal\n", "127.0.0.1", nil, "host.docker.internal", false},
		{"docker engine, another name's line", false, "127.0.0.1 host.docker.internal.evil\n", "127.0.0.1", nil, "host.docker.internal", false},
		{"docker engine, hosts file maps it", false, "127.0.0.1 localhost host.docker.internal # mine\n", "127.0.0.1", nil, "HOST.docker.internal", true},
		{"docker engine, hosts file maps the other", false, "127.0.0.1 host.docker.internal\n", "127.0.0.1", nil, "gateway.docker.internal", false},
		{"docker engine, --allow-host", false, "", "127.0.0.1", []string{"host.docker.internal"}, "host.docker.internal", true},
		{"docker engine, a docker network's gateway", false, "", "169.254.169.254", nil, "host.docker.internal", true},
		{"docker engine, the docker0 bridge", false, "", "172.17.0.1", nil, "gateway.docker.internal", true},
		{"docker desktop, loopback", true, "", "127.0.0.1", nil, "host.docker.internal", true},
		{"docker desktop, hosts file", true, desktopHosts, "127.0.0.1", nil, "gateway.docker.internal", true},
		{"no hosts file", false, "", "[::1]", nil, "host.docker.internal", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withDocker(t, tc.desktop, tc.hosts)
			if tc.name == "no hosts file" {
				missing := filepath.Join(t.TempDir(), "missing")
				hostsPath = func() string { return missing }
			}
			rule, err := newHostRule(listenHost(tc.listen+":80"), tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			ok, why := rule.allows(tc.host)
			if ok != tc.ok {
				t.Errorf("Host %q: allowed %v (%s), want %v", tc.host, ok, why, tc.ok)
			}
			if !ok && !strings.Contains(why, "--allow-host") {
				t.Errorf("the refusal does not say what to do: %s", why)
			}
		})
	}
}

// IMDS without a secret answers only requests addressed to a loopback
// literal, localhost or the listen address. Docker Desktop forwards a
// container's connection to host.docker.internal from a process on this
// machine, so it arrives from 127.0.0.1 like a local client; the name it
// dialled is what tells it apart, and under that name, or any other
// accepted name, IMDS needs the secret (issue 27, item 11).
func TestIMDSWithoutSecretOnlyUnderOwnNames(t *testing.T) {
	withDocker(t, true, "")
	for _, mode := range []IMDSMode{IMDSAuto, IMDSOpen} {
		log := &syncBuffer{}
		s := start(t, Options{Provider: &upstream{}, AccessLog: log, IMDS: mode, AllowHosts: []string{"relay"}})
		cases := []struct {
			host, secret string
			status       int
			want         string
		}{
			{s.Addr(), "", 200, "access_token"},
			{"127.0.0.1", "", 200, "access_token"},
			{"127.9.9.9:1", "", 200, "access_token"},
			{"[::1]:80", "", 200, "access_token"},
			{"localhost:80", "", 200, "access_token"},
			{"LocalHost.", "", 200, "access_token"},
			{"host.docker.internal:" + strconv.Itoa(s.Port()), "", 401, "host.docker.internal, which containers behind Docker Desktop use"},
			{"Host.Docker.Internal", "", 401, "X-IDENTITY-HEADER"},
			{"gateway.docker.internal", "", 401, "X-IDENTITY-HEADER"},
			{"relay", "", 401, "X-IDENTITY-HEADER"},
			{"host.docker.internal", "wrong-secret-0123456789", 403, "does not match"},
			{"host.docker.internal", testSecret, 200, "access_token"},
			{"relay:8080", testSecret, 200, "access_token"},
		}
		for _, tc := range cases {
			r := guardRequests()["imds"](tc.host)
			r.RemoteAddr = "127.0.0.1:40000" // Docker Desktop's proxy
			if tc.secret != "" {
				r.Header.Set(secretHeader, tc.secret)
			}
			status, body, line := serveDirect(t, s, log, r)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("--imds %d, Host %q, secret %v: %d %s, want %d %q", mode, tc.host, tc.secret != "", status, body, tc.status, tc.want)
			}
			if strings.Contains(body+line, testSecret) {
				t.Errorf("the secret is in the answer or the log: %s %s", body, line)
			}
		}
	}
}

// The 403 names each of the server's names once (issue 21.11): a listener
// on 127.0.0.1 or [::1] is not listed a second time among the loopback
// names.
func TestRefusalNamesEachHostOnce(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		s, err := New(Options{Provider: &upstream{}, Addr: addr, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		list := s.hostList()
		for _, n := range strings.Split(list, ", ") {
			if strings.Count(", "+list+", ", ", "+n+", ") != 1 {
				t.Errorf("listening on %s: %q is named more than once: %s", addr, n, list)
			}
		}
		if !strings.HasPrefix(list, "127.0.0.1, [::1], localhost") && !strings.HasPrefix(list, "[::1], 127.0.0.1, localhost") {
			t.Errorf("listening on %s: %s", addr, list)
		}
	}
}
