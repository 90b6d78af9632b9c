package serve

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
)

// withInterfaceAddrs makes the machine appear to hold addrs (CIDRs), all
// on one interface.
func withInterfaceAddrs(t *testing.T, addrs ...string) {
	t.Helper()
	var ifs []string
	for _, a := range addrs {
		ifs = append(ifs, "eth0 "+a)
	}
	withInterfaces(t, ifs...)
}

// --imds open listens only on loopback or a link-local address that is
// on this machine; anything else is refused before anything listens.
func TestIMDSOpenBind(t *testing.T) {
	withInterfaceAddrs(t, "127.0.0.1/8", "169.254.169.254/24", "fe80::1/64", "10.1.2.3/8")
	cases := []struct {
		addr        string
		allowRemote bool
		wantErr     string
	}{
		{"127.0.0.1:0", false, ""},
		{"[::1]:0", false, ""},
		{"localhost:0", false, ""},
		{"169.254.169.254:80", false, ""},
		{"[fe80::1%eth0]:80", false, ""},
		{"0.0.0.0:80", true, "--imds open serves tokens with no secret"},
		{":80", true, "every network interface is neither"},
		{"[::]:80", true, "neither"},
		{"10.1.2.3:80", true, "10.1.2.3 is neither"},
		{"192.168.1.5:80", false, "neither"},
		{"8.8.8.8:80", true, "neither"},
		{"myhost:80", true, "neither"},
		{"169.254.1.1:80", false, "the link-local address 169.254.1.1 is not on this machine; a docker network whose gateway it is puts it here: docker network create --internal --subnet 169.254.1.0/24 --gateway 169.254.1.1 NAME"},
		{"[fe80::9]:80", false, "fe80::9 is not on this machine"},
	}
	if runtime.GOOS != "linux" {
		// Off Linux the hint is the relay (TestLinkLocalMissingHint).
		cases[len(cases)-2].wantErr = "169.254.1.1 is not on this machine, and no docker network puts it here"
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			_, err := New(Options{Provider: &upstream{}, Addr: tc.addr, AllowRemote: tc.allowRemote, IMDS: IMDSOpen, Secret: testSecret})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("New: %v, want %q", err, tc.wantErr)
			}
		})
	}
	// The line for the usual address is the one docs/containers.md shows.
	if runtime.GOOS != "linux" {
		return
	}
	withInterfaceAddrs(t, "127.0.0.1/8")
	_, err := New(Options{Provider: &upstream{}, Addr: "169.254.169.254:80", IMDS: IMDSOpen, Secret: testSecret})
	if err == nil || !strings.Contains(err.Error(), "docker network create --internal --subnet 169.254.169.0/24 --gateway 169.254.169.254 NAME") {
		t.Errorf("169.254.169.254 not on this machine: %v", err)
	}
}

// Off Linux a missing link-local address is never put here by a docker
// network (Docker Desktop's live in its VM): the hint is the relay, and
// never Linux's ip command.
func TestLinkLocalMissingHint(t *testing.T) {
	for _, tt := range []struct {
		goos, ip, want, not string
	}{
		{"linux", "169.254.169.254", "docker network create --internal --subnet 169.254.169.0/24", "relay"},
		{"linux", "fe80::9", "ip -6 addr", "relay"},
		{"darwin", "169.254.169.254", "aztoken serve --relay --imds open", "docker network create"},
		{"darwin", "fe80::9", "aztoken serve --relay", "ip -6 addr"},
		{"windows", "169.254.169.254", "Docker Desktop keeps its networks in its VM", "docker network create"},
	} {
		err := linkLocalMissing(tt.goos, netip.MustParseAddr(tt.ip))
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), tt.not) {
			t.Errorf("%s, %s: %q; want it to say %q and not %q", tt.goos, tt.ip, err, tt.want, tt.not)
		}
	}
}

// withInterfaces makes the machine appear to hold the addresses of ifs,
// each "NAME CIDR".
func withInterfaces(t *testing.T, ifs ...string) {
	t.Helper()
	old := interfaceNets
	t.Cleanup(func() { interfaceNets = old })
	var nets []ifaceNet
	for _, i := range ifs {
		name, cidr, _ := strings.Cut(i, " ")
		nets = append(nets, ifaceNet{name, netip.MustParsePrefix(cidr)})
	}
	interfaceNets = func() ([]ifaceNet, error) { return nets, nil }
}

// A host with a docker network's bridge at 169.254.169.254 and a LAN on
// eth0, which also has a link-local address (as avahi gives one).
var dockerHost = []string{"lo 127.0.0.1/8", "lo ::1/128", "eth0 192.168.1.10/24", "eth0 169.254.3.3/16", "eth0 fe80::2/64", "br0 169.254.169.254/24", "br0 fe80::1/64",
	"br1 169.254.9.9/24", "br2 169.254.9.9/23"}

// Open IMDS answers loopback and the link of the interface that holds
// the listen address, not every link-local address: a LAN machine that
// gives itself a link-local address reaches 169.254.169.254 through this
// machine's MAC, since Linux accepts a packet for a local address on any
// interface (issue 27, item 1; internal/linktest runs it with real
// namespaces).
func TestOpenIMDSLink(t *testing.T) {
	withInterfaces(t, dockerHost...)
	cases := []struct {
		listen, remote string
		ok             bool
	}{
		{"169.254.169.254", "169.254.169.2:5000", true}, // a container on the network
		{"169.254.169.254", "169.254.169.254:5000", true},
		{"169.254.169.254", "127.0.0.1:5000", true},
		{"169.254.169.254", "[::1]:5000", true},
		{"169.254.169.254", "169.254.77.7:5000", false}, // a LAN machine's own link-local address
		{"169.254.169.254", "169.254.3.4:5000", false},  // the LAN's link-local prefix
		{"169.254.169.254", "192.168.1.20:5000", false},
		{"169.254.169.254", "[::ffff:169.254.77.7]:5000", false},
		{"169.254.169.254", "[fe80::5%br0]:5000", false}, // another family
		{"169.254.169.254", "garbage", false},
		{"fe80::1%br0", "[fe80::5%br0]:5000", true},
		{"fe80::1%br0", "[fe80::5%eth0]:5000", false}, // the same prefix on the LAN
		{"fe80::1%br0", "[fe80::5]:5000", false},
		{"fe80::1%br0", "169.254.169.2:5000", false},
		{"127.0.0.1", "127.0.0.1:5000", true},
		{"127.0.0.1", "169.254.169.2:5000", false},
		{"localhost", "169.254.169.2:5000", false},
		{"169.254.1.1", "169.254.1.2:5000", false}, // on no interface: loopback only
		{"169.254.9.9", "169.254.9.2:5000", true},  // on two interfaces: both links, no device
		{"169.254.9.9", "169.254.8.2:5000", true},
	}
	for _, tc := range cases {
		l, err := linkOf(tc.listen, interfaceNets)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"169.254.169.254": "br0", "fe80::1%br0": "br0"}[tc.listen]; l.dev != want {
			t.Errorf("listening on %s: the socket is tied to %q, want %q", tc.listen, l.dev, want)
		}
		if got := l.admits(tc.remote); got != tc.ok {
			t.Errorf("listening on %s, client %s: admitted %v, want %v (link %v)", tc.listen, tc.remote, got, tc.ok, l)
		}
	}
}

// Open IMDS answers only this machine and the listen address's link; the
// other protocols keep their secrets; Metadata and X-Forwarded-For rules
// stay.
func TestIMDSOpenRequests(t *testing.T) {
	withInterfaces(t, dockerHost...)
	log := &syncBuffer{}
	s, err := New(Options{Provider: &upstream{}, Addr: "169.254.169.254:80", IMDS: IMDSOpen, AccessLog: log, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	token := PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net"
	cases := []struct {
		name, remote, target string
		headers              map[string]string
		status               int
		body                 string // exact, when set
		want                 string
	}{
		{"loopback", "127.0.0.1:5000", token, map[string]string{"Metadata": "true"}, 200, "", "access_token"},
		{"container on the network", "169.254.169.2:5000", token, map[string]string{"Metadata": "true"}, 200, "", "access_token"},
		{"link-local address of another link", "169.254.77.7:5000", token, map[string]string{"Metadata": "true"}, 403, "", "neither"},
		{"link-local IPv6 of another link", "[fe80::5%eth0]:5000", token, map[string]string{"Metadata": "true"}, 403, "", "neither"},
		{"private address", "10.0.0.5:5000", token, map[string]string{"Metadata": "true"}, 403, "", "neither"},
		{"public address", "203.0.113.9:5000", token, map[string]string{"Metadata": "true"}, 403, "", "neither"},
		{"no Metadata", "169.254.169.2:5000", token, nil, 400, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`, ""},
		{"X-Forwarded-For", "169.254.169.2:5000", token, map[string]string{"Metadata": "true", "X-Forwarded-For": "10.0.0.1"}, 403, "", "X-Forwarded-For"},
		// The SDKs' probes: Go and node send a bare GET with no query,
		// .NET sends api-version and resource without Metadata and counts
		// only a 400; MSAL .NET asks getPlatformMetadata and stays on
		// IMDS v1 on a 404.
		{"Go and node probe", "169.254.169.2:5000", PathIMDS, nil, 400, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`, ""},
		{".NET probe", "169.254.169.2:5000", token, nil, 400, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`, ""},
		{"MSAL .NET platform metadata", "169.254.169.2:5000", "/metadata/identity/getPlatformMetadata", nil, 404, "", "IMDS v1"},
		{"MSAL .NET platform metadata, lower case", "169.254.169.2:5000", "/metadata/identity/getplatformmetadata?cred-api-version=2.0", map[string]string{"Metadata": "true"}, 404, "", "IMDS v1"},
		// The other protocols still need the secret.
		{"app service without secret", "169.254.169.2:5000", PathAppService + "?api-version=2019-08-01&resource=https://vault.azure.net", nil, 401, "", "X-IDENTITY-HEADER"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			r.Host = "127.0.0.1"
			r.RemoteAddr = tc.remote
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			status, body, _ := serveDirect(t, s, log, r)
			if status != tc.status || tc.body != "" && body != tc.body || !strings.Contains(body, tc.want) {
				t.Errorf("got %d %s, want %d %s%s", status, body, tc.status, tc.body, tc.want)
			}
		})
	}
}

// The token answer carries every value as a string, as Azure's IMDS does,
// resource and client_id included, for the system-assigned identity too.
func TestIMDSAnswerIsAllStrings(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}, IMDS: IMDSOpen})
	for _, q := range []string{"", "&client_id=0d9b4c4e-0000-4000-8000-000000000001"} {
		status, body := get(t, loopbackClient(), s.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net"+q, map[string]string{"Metadata": "true"})
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"} {
			str, ok := v[k].(string)
			if !ok || str == "" {
				t.Errorf("%q is %T %v, want a non-empty string", k, v[k], v[k])
			}
		}
		if want := DefaultEmulatorAppID; q == "" && v["client_id"] != want {
			t.Errorf("system-assigned client_id %v, want the token's appid %s", v["client_id"], want)
		}
		if q != "" && v["client_id"] != "0d9b4c4e-0000-4000-8000-000000000001" {
			t.Errorf("user-assigned client_id %v", v["client_id"])
		}
	}
}

// The banner says plainly who can get tokens, and on a link-local
// gateway at 169.254.169.254:80 that a container needs nothing set.
func TestIMDSOpenBanner(t *testing.T) {
	withInterfaceAddrs(t, "169.254.169.254/24")
	s, err := New(Options{Provider: &upstream{}, Addr: "169.254.169.254:80", IMDS: IMDSOpen, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s.ln = fakeListener{&net.TCPAddr{IP: net.ParseIP("169.254.169.254"), Port: 80}}
	var b strings.Builder
	s.printBanner(&b)
	for _, want := range []string{
		"listening on http://169.254.169.254:80",
		"reach it as Azure's IMDS, with nothing set inside them",
		"docker run --network NAME IMAGE",
		"every container on that docker network, and every process on this machine, can get tokens for this identity",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "host.docker.internal") {
		t.Errorf("a link-local banner names host.docker.internal:\n%s", b.String())
	}
}

// fakeListener stands for a listener on an address this machine lacks.
type fakeListener struct{ addr net.Addr }

func (f fakeListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (f fakeListener) Close() error              { return nil }
func (f fakeListener) Addr() net.Addr            { return f.addr }

// Where Docker Desktop may forward containers to a loopback IMDS without
// a secret, the banner says what that IMDS gives them and what to do.
func TestBannerDockerDesktop(t *testing.T) {
	for _, desktop := range []bool{true, false} {
		withDocker(t, desktop, "")
		s := start(t, Options{Provider: &upstream{}})
		var b strings.Builder
		s.printBanner(&b)
		says := strings.Contains(b.String(), "a container that sends Host: 127.0.0.1 gets tokens without it. If you run containers you do not trust, restart with --imds off")
		if says != desktop {
			t.Errorf("Docker Desktop %v: the warning shown %v:\n%s", desktop, says, b.String())
		}
		if !desktop && runtime.GOOS == "linux" && !strings.Contains(b.String(), "--allow-host host.docker.internal") {
			t.Errorf("Docker Engine: the Docker Desktop line does not say to allow its name:\n%s", b.String())
		}
	}
	withDocker(t, true, "")
	s := start(t, Options{Provider: &upstream{}, IMDS: IMDSOff})
	var b strings.Builder
	s.printBanner(&b)
	if strings.Contains(b.String(), "Host: 127.0.0.1") {
		t.Errorf("--imds off warns about IMDS:\n%s", b.String())
	}
}
