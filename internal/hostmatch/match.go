package hostmatch

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/aztoken/aztoken/internal/human"
)

// Matcher answers for one service: its rows in Rows, plus the hosts the
// user named.
type Matcher struct {
	service Service
	named   map[string]bool
}

// New returns a matcher for service. Each named host ("registry.example",
// "127.0.0.1:5000", "https://registry.example/") is matched exactly as
// Canonical writes it; one that is not a host name or address, with an
// optional port, is an error that says so.
func New(service Service, named ...string) (*Matcher, error) {
	m := &Matcher{service: service, named: map[string]bool{}}
	for _, n := range named {
		c, err := Canonical(n)
		if err != nil {
			return nil, err
		}
		m.named[c] = true
	}
	return m, nil
}

// Match returns the canonical host (lower case, with its port when the
// user named one) that server stands for, and whether the helper may
// answer for it. server is what a client passes: a host, host:port, or
// https://host with at most a trailing slash.
func (m *Matcher) Match(server string) (string, bool) {
	c, err := Canonical(server)
	if err != nil {
		return "", false
	}
	if m.named[c] {
		return c, true
	}
	if strings.ContainsAny(c, ":[") {
		// A port or an address: only ever what the user named.
		return "", false
	}
	for _, r := range Rows {
		if r.Service == m.service && r.matches(c) {
			return c, true
		}
	}
	return "", false
}

func (r Row) matches(host string) bool {
	if r.Host != "" {
		return host == r.Host
	}
	label, ok := strings.CutSuffix(host, r.Suffix)
	return ok && label != "" && !strings.Contains(label, ".")
}

// maxServer bounds what Canonical reads: a host name is at most 253
// bytes, and a scheme, a port and a slash add a few more.
const maxServer = 300

// Canonical returns server as host or host:port, the host in lower case,
// or an error that says what is wrong with it. It accepts an optional
// "https://" in front and one "/" at the end, nothing else: no other
// scheme, no userinfo, path, query or fragment, no byte outside ASCII
// letters, digits, '.', '-' (and an IPv6 address's brackets and colons).
func Canonical(server string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%s is not a registry or server host (%s); give a host name such as myregistry.azurecr.io, with :port only for a server of your own", human.Quote(server), why)
	}
	s := server
	if len(s) > maxServer {
		return bad("too long")
	}
	if len(s) >= len("https://") && strings.EqualFold(s[:len("https://")], "https://") {
		s = s[len("https://"):]
	} else if strings.Contains(s, "://") {
		return bad("only https is allowed")
	}
	s = strings.TrimSuffix(s, "/")
	if s == "" {
		return bad("empty")
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad("unclosed '['")
		}
		host, port = s[1:end], s[end+1:]
		if port != "" {
			if port[0] != ':' {
				return bad("text after the address")
			}
			port = port[1:]
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return bad("not an IPv6 address")
		}
		host = "[" + a.String() + "]"
	} else {
		if h, p, ok := strings.Cut(s, ":"); ok {
			host, port = h, p
		}
		host = foldASCII(host)
		if err := checkName(host); err != "" {
			return bad(err)
		}
	}
	if port != "" || strings.HasSuffix(s, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
			return bad("the port is not a number from 1 to 65535")
		}
		return host + ":" + port, nil
	}
	return host, nil
}

// checkName returns why host is not a DNS name or IPv4 address, or "".
func checkName(host string) string {
	if len(host) > 253 {
		return "the name is longer than 253 bytes"
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" {
			return "an empty label"
		}
		if len(label) > 63 {
			return "a label longer than 63 bytes"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "a label starts or ends with '-'"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "only letters, digits, '.' and '-' may appear in a host name"
			}
		}
	}
	return ""
}

// foldASCII lowers ASCII letters only: strings.ToLower would also fold
// Unicode look-alikes such as the Kelvin sign into 'k'.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
