package source

import (
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

func TestAuthorityHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value string
		set   bool
		want  string // "" means an unavailable error
	}{
		{"", false, DefaultAuthorityHost},
		{"", true, DefaultAuthorityHost},
		{"https://login.microsoftonline.us", true, "https://login.microsoftonline.us/"},
		{"https://login.microsoftonline.us///", true, "https://login.microsoftonline.us/"},
		{"HTTPS://127.0.0.1:8443/", true, "HTTPS://127.0.0.1:8443/"},
		{"https://adfs.example/adfs/", true, "https://adfs.example/adfs/"},
		{"http://login.microsoftonline.com/", true, ""},
		{"login.microsoftonline.com", true, ""},
		{"https://", true, ""},
		{"https://host/?x=1", true, ""},
		{"://bad", true, ""},
	}
	for _, c := range cases {
		vars := map[string]string{}
		if c.set {
			vars[authorityVar] = c.value
		}
		got, err := authorityHost(env.Map(vars))
		if c.want == "" {
			if err == nil || chain.StatusOf(err) != chain.StatusUnavailable || chain.HintOf(err) == "" {
				t.Errorf("%q: %q, %v; want an unavailable error with a hint", c.value, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.value, got, err, c.want)
		}
	}
}
