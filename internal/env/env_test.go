package env

import (
	"slices"
	"strings"
	"testing"
)

func TestLookupKeepsSetButEmpty(t *testing.T) {
	e := FromList([]string{"A=1", "EMPTY=", "B=x=y", "malformed"})
	for _, tc := range []struct {
		key    string
		want   string
		wantOK bool
	}{
		{"A", "1", true}, {"EMPTY", "", true}, {"B", "x=y", true}, {"MISSING", "", false}, {"malformed", "", false},
	} {
		if got, ok := e.Lookup(tc.key); got != tc.want || ok != tc.wantOK {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.wantOK)
		}
	}
	if e.Get("EMPTY") != "" || e.Get("A") != "1" {
		t.Error("Get should read values and treat empty as empty")
	}
}

func TestWithOverrides(t *testing.T) {
	e := Map(map[string]string{"A": "1", "B": "2"}).With(map[string]string{"B": "3", "C": ""})
	if e.Get("A") != "1" || e.Get("B") != "3" {
		t.Errorf("With: A=%q B=%q", e.Get("A"), e.Get("B"))
	}
	if _, ok := e.Lookup("C"); !ok {
		t.Error("With should set C, even to empty")
	}
	if got := e.Keys("C", "A", "Z"); !slices.Equal(got, []string{"A", "C"}) {
		t.Errorf("Keys = %v", got)
	}
}

func TestNilEnvIsEmpty(t *testing.T) {
	var e Env
	if _, ok := e.Lookup("PATH"); ok || e.Get("PATH") != "" {
		t.Error("the zero Env must be empty, not the process environment")
	}
}

// Environ is what a child process gets; it must hold exactly what lookups
// see, so a source and the tool it runs read the same environment.
func TestEnvironMatchesLookups(t *testing.T) {
	base := FromList([]string{"PATH=/bin", "A=1", "B=2", "malformed"})
	for _, tc := range []struct {
		name string
		e    Env
		want []string
	}{
		{"FromList keeps the entries as given", base, []string{"PATH=/bin", "A=1", "B=2", "malformed"}},
		{"Map sorts", Map(map[string]string{"B": "2", "A": "1"}), []string{"A=1", "B=2"}},
		{"With overrides and adds", base.With(map[string]string{"A": "9", "C": ""}), []string{"PATH=/bin", "B=2", "malformed", "A=9", "C="}},
		{"zero is empty", Env{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.e.Environ()
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Environ() = %q, want %q", got, tc.want)
			}
			for _, kv := range got {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					continue
				}
				if lv, lok := tc.e.Lookup(k); !lok || lv != v {
					t.Errorf("Environ has %q but Lookup(%q) = %q, %v", kv, k, lv, lok)
				}
			}
			// The caller may append without changing the Env.
			grown := append(tc.e.Environ(), "X=1")
			if slices.Contains(tc.e.Environ(), "X=1") {
				t.Errorf("appending to Environ's result (%q) changed the Env", grown)
			}
		})
	}
	if got := base.Names(); !slices.Equal(got, []string{"PATH", "A", "B"}) {
		t.Errorf("Names() = %q", got)
	}
}
