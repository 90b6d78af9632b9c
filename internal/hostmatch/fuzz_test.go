package hostmatch

import (
	"strings"
	"testing"
)

// FuzzMatch checks the rules on any input: what matches a row is one
// plain label and the row's suffix, with no port, and nothing but the
// host alphabet; Canonical is stable on its own output.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"myregistry.azurecr.io", "https://MyReg.AzureCR.io/", "evil.azurecr.io.attacker.example",
		"a.b.azurecr.io", "user@x.azurecr.io", "x.azurecr.io:443", "[::1]:5000", "127.0.0.1:5000",
		"x.azurecr.io\u212a", "dev.azure.com", "org.visualstudio.com",
	} {
		f.Add(s)
	}
	matchers := map[Service]*Matcher{}
	for _, r := range Rows {
		if matchers[r.Service] == nil {
			m, err := New(r.Service)
			if err != nil {
				f.Fatal(err)
			}
			matchers[r.Service] = m
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := Canonical(s); err == nil {
			if again, err := Canonical(c); err != nil || again != c {
				t.Fatalf("Canonical(%q) = %q, but Canonical of that = %q, %v", s, c, again, err)
			}
		}
		for service, m := range matchers {
			host, ok := m.Match(s)
			if !ok {
				continue
			}
			for i := 0; i < len(host); i++ {
				c := host[i]
				if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
					t.Fatalf("Match(%q) for %s = %q, with %q", s, service, host, c)
				}
			}
			matched := false
			for _, r := range Rows {
				if r.Service != service {
					continue
				}
				if r.Host == host {
					matched = true
				}
				if label, ok := strings.CutSuffix(host, r.Suffix); r.Suffix != "" && ok && label != "" && !strings.Contains(label, ".") {
					matched = true
				}
			}
			if !matched {
				t.Fatalf("Match(%q) for %s = %q, which no row names", s, service, host)
			}
		}
	})
}
