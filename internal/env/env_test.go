package env

import (
	"slices"
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
		t.Error("a nil Env must be empty, not the process environment")
	}
}
