package serve

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aztoken/aztoken/internal/safefile"
)

// Browser guard.
//
// A web page cannot add the secret header, but IMDS has no secret, and a
// page on a name the attacker controls can make the browser talk to this
// server: the page's DNS name first resolves to the attacker's server and
// then, once the page is loaded, to 127.0.0.1 (DNS rebinding). The browser
// then sees this server as same-origin with the page, lets it set
// "Metadata: true" and hands it the answer. What the page cannot change is
// the Host header, which still names the attacker's domain, and what a
// browser always adds to cross-origin requests: Origin and Sec-Fetch-Site.
// So every token protocol refuses a Host that is not one of this server's
// own names, any request with an Origin header, and any request a browser
// marks as coming from another site; no CORS preflight is ever answered.
// SDK clients send none of these headers, and always name the address
// they dialled as the Host.

// containerHostNames are the names Docker gives containers for their
// host. Nothing but Docker maps them: where Docker does not send requests
// under them to this listener and the hosts file does not map them, a
// browser that meets them asks DNS, which a rogue network answers (DNS
// rebinding), so they are accepted only where Docker maps them here, where
// the hosts file maps them, or when --allow-host names them. Even then
// they never open IMDS without the secret (see own).
var containerHostNames = []string{containerHost, "gateway.docker.internal"}

// Where Docker Desktop's containers come from, and where the hosts file
// is (asked when a host rule is built, not at every aztoken start); tests
// replace them.
var (
	desktopLoopback = desktopForwardsLoopback
	hostsPath       = systemHostsPath
)

// hostRule says which Host header values name this server.
type hostRule struct {
	names  map[string]bool // lower-case DNS names, without a trailing dot
	ip     netip.Addr      // the listen address, when it is an IP
	anyIP  bool            // listening on every interface: any IP literal names us
	listen string          // the listen host as given, for messages
}

// newHostRule builds the rule for a listen address and extra names the
// user allowed (--allow-host).
func newHostRule(listenHost string, extra []string) (hostRule, error) {
	h := hostRule{names: map[string]bool{"localhost": true}, listen: listenHost}
	// Docker Engine maps the container names to a bridge's address (a
	// listener there is not loopback); Docker Desktop forwards them to
	// this machine's loopback.
	dockerMapsHere := !isLoopbackHost(listenHost) || desktopLoopback
	inHosts := hostsFileNames(hostsPath())
	for _, n := range containerHostNames {
		if dockerMapsHere || inHosts[n] {
			h.names[n] = true
		}
	}
	for _, n := range extra {
		name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(n)), ".")
		if !validHostName(name) {
			return hostRule{}, fmt.Errorf("the allowed host name %q is not a DNS name (letters, digits, '-' and '.'); give the name clients put in their URL, such as aztoken or my-host.internal", n)
		}
		h.names[name] = true
	}
	if ip, err := netip.ParseAddr(listenHost); err == nil {
		ip = ip.WithZone("").Unmap()
		if ip.IsUnspecified() {
			h.anyIP = true
		} else {
			h.ip = ip
		}
	} else if listenHost == "" {
		h.anyIP = true
	} else {
		h.names[strings.TrimSuffix(strings.ToLower(listenHost), ".")] = true
	}
	return h, nil
}

// hostsFileNames are the container names the hosts file at path maps,
// which the resolver answers before asking DNS. A missing or unreadable
// file maps none.
func hostsFileNames(path string) map[string]bool {
	b, err := safefile.Read(path, safefile.MaxSize)
	if err != nil {
		return nil
	}
	found := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		for _, n := range f[1:] {
			n = strings.TrimSuffix(strings.ToLower(n), ".")
			if slices.Contains(containerHostNames, n) {
				found[n] = true
			}
		}
	}
	return found
}

func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// allows reports whether host (a Host header value) names this server.
// The port is not compared: a forwarded port (ssh -L, docker -p) changes
// it, and the name is what a rebinding page cannot forge. why, when the
// answer is no, says what is wrong in a few words.
func (h hostRule) allows(host string) (ok bool, why string) {
	if host == "" {
		return false, "the request has no Host header"
	}
	name, port, err := splitHost(host)
	if err != nil {
		return false, err.Error()
	}
	_ = port
	if ip, err := netip.ParseAddr(name); err == nil {
		ip = ip.WithZone("").Unmap()
		if ip.IsLoopback() || h.anyIP || ip == h.ip {
			return true, ""
		}
		return false, "the address " + ip.String() + " is not this server's"
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if h.names[name] {
		return true, ""
	}
	if slices.Contains(containerHostNames, name) {
		return false, name + " reaches this listener through no Docker here and is not in the hosts file, so a web page may have had DNS point it here; if a container uses it, restart serve with --allow-host " + name
	}
	return false, "the name is not this server's"
}

// own reports whether host, a Host header the rule allows, is a loopback
// literal, localhost or the listen address itself. Those are the names a
// process on this machine, or a container on the listen address's link,
// dials; a container behind Docker Desktop's proxy, which reaches
// loopback as if it were a local process, sends host.docker.internal (or
// an --allow-host name) instead, so only requests under own names get
// IMDS without the secret.
func (h hostRule) own(host string) bool {
	name, _, err := splitHost(host)
	if err != nil {
		return false
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		ip = ip.WithZone("").Unmap()
		return ip.IsLoopback() || h.ip.IsValid() && ip == h.ip
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	return name == "localhost" || name == strings.TrimSuffix(strings.ToLower(h.listen), ".")
}

// splitHost splits a Host header into a name or IP and a port, and
// refuses forms no client sends: an IPv6 address without brackets, a port
// that is not a number.
func splitHost(host string) (name, port string, err error) {
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", fmt.Errorf("the Host header has an unclosed '['")
		}
		name, rest := host[1:end], host[end+1:]
		if _, err := netip.ParseAddr(name); err != nil {
			return "", "", fmt.Errorf("the Host header's bracketed part is not an IPv6 address")
		}
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return "", "", fmt.Errorf("the Host header has text after ']' that is not a port")
			}
			port = rest[1:]
		} else {
			return name, "", nil
		}
		return name, port, checkPort(port)
	}
	switch strings.Count(host, ":") {
	case 0:
		return host, "", nil
	case 1:
		name, port, _ = strings.Cut(host, ":")
		return name, port, checkPort(port)
	}
	return "", "", fmt.Errorf("the Host header is an IPv6 address without brackets")
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || p[0] == '+' || p[0] == '-' {
		return fmt.Errorf("the Host header's port is not a number from 1 to 65535")
	}
	return nil
}

// fromBrowser says why a request looks like it was sent by a web page,
// or "" when it does not.
func fromBrowser(r *http.Request) string {
	if _, ok := r.Header["Origin"]; ok {
		return "the request has an Origin header, which only browsers send"
	}
	switch strings.ToLower(r.Header.Get("Sec-Fetch-Site")) {
	case "cross-site", "same-site":
		return "a browser sent the request from another site's page"
	}
	if r.Method == http.MethodOptions {
		return "a CORS preflight is never answered"
	}
	return ""
}

// guard refuses a request a web page may have sent, or whose Host is not
// this server's, with 403 in the protocol's shape. It reports whether the
// request may go on.
func (s *Server) guard(w *record, r *http.Request) bool {
	why := fromBrowser(r)
	if why == "" {
		if ok, reason := s.hosts.allows(r.Host); !ok {
			why = "Host " + strconv.Quote(bounded(r.Host, 100)) + ": " + reason
		}
	}
	if why == "" {
		return true
	}
	w.note = "refused: " + why
	msg := "aztoken serve refused this request: " + why + ". It answers only requests addressed to its own name (" +
		s.hostList() + ") from programs, not from web pages, so that a page cannot read tokens through DNS rebinding. " +
		"If a container reaches it by another name, restart it with --allow-host NAME."
	writeErrorFor(w, r.URL.Path, http.StatusForbidden, "forbidden", msg)
	return false
}

// hostList names the hosts this server answers to, for messages.
func (s *Server) hostList() string {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	switch {
	case s.hosts.anyIP:
		add("any of this machine's IP addresses")
	case s.hosts.ip.Is6():
		add("[" + s.hosts.ip.String() + "]")
	case s.hosts.ip.IsValid():
		add(s.hosts.ip.String())
	default:
		add(s.hosts.listen)
	}
	add("127.0.0.1")
	add("[::1]")
	add("localhost")
	for _, n := range containerHostNames {
		if s.hosts.names[n] {
			add(n)
		}
	}
	var extra []string
	for n := range s.hosts.names {
		if !strings.EqualFold(n, s.hosts.listen) && n != "localhost" && !slices.Contains(containerHostNames, n) {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	return strings.Join(append(names, extra...), ", ")
}

// bounded cuts s to n bytes for messages.
func bounded(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// listenHost is the host part of a listen address.
func listenHost(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
