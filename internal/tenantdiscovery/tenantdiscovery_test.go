package tenantdiscovery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func TestParseChallenges(t *testing.T) {
	cases := []struct {
		in   string
		want []Challenge
	}{
		{`Bearer authorization_uri=https://login.microsoftonline.com/` + tid, []Challenge{{"Bearer", map[string]string{"authorization_uri": "https://login.microsoftonline.com/" + tid}}}},
		{`Bearer authorization_uri=https://login.microsoftonline.com/` + tid + `, Basic realm="https://tfsprodweu1.app.visualstudio.com/", TFS-Federated`, []Challenge{
			{"Bearer", map[string]string{"authorization_uri": "https://login.microsoftonline.com/" + tid}},
			{"Basic", map[string]string{"realm": "https://tfsprodweu1.app.visualstudio.com/"}},
			{"TFS-Federated", map[string]string{}},
		}},
		{`Basic realm="a, \"b\"", Bearer AUTHORIZATION_URI="https://login.microsoftonline.us/x", resource_id=y`, []Challenge{
			{"Basic", map[string]string{"realm": `a, "b"`}},
			{"Bearer", map[string]string{"authorization_uri": "https://login.microsoftonline.us/x", "resource_id": "y"}},
		}},
		{`Bearer`, []Challenge{{"Bearer", map[string]string{}}}},
		{``, nil},
		{`Bearer realm="unterminated`, []Challenge{{"Bearer", map[string]string{}}}},
		{`"quoted-scheme"`, nil},
	}
	for _, c := range cases {
		got := ParseChallenges(c.in)
		if len(got) != len(c.want) {
			t.Errorf("ParseChallenges(%q) = %v, want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i].Scheme != c.want[i].Scheme || len(got[i].Params) != len(c.want[i].Params) {
				t.Errorf("ParseChallenges(%q)[%d] = %v, want %v", c.in, i, got[i], c.want[i])
				continue
			}
			for k, v := range c.want[i].Params {
				if got[i].Params[k] != v {
					t.Errorf("ParseChallenges(%q)[%d][%s] = %q, want %q", c.in, i, k, got[i].Params[k], v)
				}
			}
		}
	}
}

// Only a tenant id on a known Entra ID host is taken: a hostile server
// cannot pick where, or for what tenant name, aztoken asks for a token.
func TestTenantFromAuthority(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"https://login.microsoftonline.com/" + tid, tid},
		{"https://login.microsoftonline.com/" + strings.ToUpper(tid) + "/", tid},
		{"https://LOGIN.microsoftonline.com:443/" + tid + "/oauth2/authorize", tid},
		{"https://login.windows.net/" + tid, tid},
		{"https://login.microsoftonline.us/" + tid, tid},
		{"https://login.chinacloudapi.cn/" + tid, tid},
		// Refused.
		{"http://login.microsoftonline.com/" + tid, ""},
		{"https://login.microsoftonline.com:8443/" + tid, ""},
		{"https://evil.example/" + tid, ""},
		{"https://login.microsoftonline.com.evil.example/" + tid, ""},
		{"https://evil.example/login.microsoftonline.com/" + tid, ""},
		{"https://login.microsoftonline.com@evil.example/" + tid, ""},
		{"https://user@login.microsoftonline.com/" + tid, ""},
		{"https://127.0.0.1/" + tid, ""},
		{"https://login.microsoftonline.com/common", ""},
		{"https://login.microsoftonline.com/organizations", ""},
		{"https://login.microsoftonline.com/contoso.onmicrosoft.com", ""},
		{"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", ""},
		{"https://login.microsoftonline.com/", ""},
		{"https://login.microsoftonline.com/%37" + tid[1:], ""},
		{"//login.microsoftonline.com/" + tid, ""},
		{"", ""},
		{"https://login.microsoftonline.com/" + tid + strings.Repeat("a", 3000), ""},
	}
	for _, c := range cases {
		got, ok := TenantFromAuthority(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("TenantFromAuthority(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestFromResourceTenantValues(t *testing.T) {
	const other = "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{tid}, tid},
		{[]string{" " + strings.ToUpper(tid) + " "}, tid},
		{[]string{"00000000-0000-0000-0000-000000000000, " + other}, other},
		{[]string{"00000000-0000-0000-0000-000000000000", tid}, tid},
		{[]string{"00000000-0000-0000-0000-000000000000"}, ""},
		{[]string{"contoso.onmicrosoft.com"}, ""},
		{[]string{"../../evil"}, ""},
		{nil, ""},
	}
	for _, c := range cases {
		got, ok := FromResourceTenantValues(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("FromResourceTenantValues(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

// The challenge wins over the header; a challenge on an unknown host is
// ignored, and the header is read instead.
func TestFromHeader(t *testing.T) {
	const other = "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		name    string
		h       http.Header
		want    string
		wantSrc Source
	}{
		{"both", http.Header{"Www-Authenticate": {"Bearer authorization_uri=https://login.microsoftonline.com/" + tid}, "X-Vss-Resourcetenant": {other}}, tid, FromChallenge},
		{"header only", http.Header{"Www-Authenticate": {`Basic realm="x"`}, "X-Vss-Resourcetenant": {other}}, other, FromResourceTenant},
		{"hostile challenge", http.Header{"Www-Authenticate": {"Bearer authorization_uri=https://evil.example/" + tid}, "X-Vss-Resourcetenant": {other}}, other, FromResourceTenant},
		{"nothing", http.Header{"Www-Authenticate": {`Basic realm="x"`}}, "", ""},
	}
	for _, c := range cases {
		got, src, ok := FromHeader(c.h)
		if got != c.want || src != c.wantSrc || ok != (c.want != "") {
			t.Errorf("%s: FromHeader = %q, %q, %v; want %q, %q", c.name, got, src, ok, c.want, c.wantSrc)
		}
	}
}

func TestDiscover(t *testing.T) {
	var hits atomic.Int32
	var sawAuth atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			sawAuth.Store(true)
		}
		switch r.URL.Path {
		case "/org":
			if r.Method != http.MethodHead {
				t.Errorf("method %s, want HEAD", r.Method)
			}
			w.Header().Set("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/"+tid)
			w.Header().Add("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
		case "/msa":
			w.Header().Set(ResourceTenantHeader, "00000000-0000-0000-0000-000000000000")
			w.WriteHeader(http.StatusUnauthorized)
		case "/redirect":
			http.Redirect(w, r, "/org", http.StatusFound)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	got, src, err := Discover(ctx, srv.Client(), srv.URL+"/org")
	if err != nil || got != tid || src != FromChallenge {
		t.Errorf("Discover(/org) = %q, %q, %v", got, src, err)
	}
	if _, _, err := Discover(ctx, srv.Client(), srv.URL+"/msa"); err != ErrNoTenant {
		t.Errorf("Discover(/msa) error = %v, want ErrNoTenant", err)
	}
	before := hits.Load()
	if _, _, err := Discover(ctx, srv.Client(), srv.URL+"/redirect"); err != ErrNoTenant {
		t.Errorf("Discover(/redirect) error = %v, want ErrNoTenant (the redirect is not followed)", err)
	}
	if n := hits.Load() - before; n != 1 {
		t.Errorf("a redirect cost %d requests, want 1", n)
	}
	before = hits.Load()
	for _, bad := range []string{"http://" + strings.TrimPrefix(srv.URL, "https://") + "/org", "https://user:pw@" + strings.TrimPrefix(srv.URL, "https://") + "/org", "not a url"} {
		if _, _, err := Discover(ctx, srv.Client(), bad); err == nil || strings.Contains(err.Error(), "pw") {
			t.Errorf("Discover(%q) error = %v, want a refusal without the password", bad, err)
		}
	}
	if hits.Load() != before {
		t.Errorf("refused URLs were sent")
	}
	if sawAuth.Load() {
		t.Error("discovery sent an Authorization header")
	}
}

// Find asks once per key and then answers from the memo, "no tenant"
// included; a failed request is not remembered.
func TestFind(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/org":
			w.Header().Set("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/"+tid)
		case "/msa":
			w.Header().Set(ResourceTenantHeader, "00000000-0000-0000-0000-000000000000")
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	ctx := context.Background()
	m := NewMemo(t.TempDir())
	for _, c := range []struct {
		key, path string
		tenant    string
		src       Source
		noTenant  bool
		requests  int32
	}{
		{"org", "/org", tid, FromChallenge, false, 1},
		{"org", "/org", tid, FromMemo, false, 0},
		{"msa", "/msa", "", "", true, 1},
		{"msa", "/msa", "", FromMemo, true, 0},
	} {
		before := hits.Load()
		got, src, err := m.Find(ctx, srv.Client(), c.key, srv.URL+c.path)
		if got != c.tenant || src != c.src || errors.Is(err, ErrNoTenant) != c.noTenant || (err != nil && !c.noTenant) {
			t.Errorf("Find(%s) = %q, %q, %v; want %q, %q, no tenant %v", c.key, got, src, err, c.tenant, c.src, c.noTenant)
		}
		if n := hits.Load() - before; n != c.requests {
			t.Errorf("Find(%s) sent %d requests, want %d", c.key, n, c.requests)
		}
	}
	if _, _, err := m.Find(ctx, srv.Client(), "down", "https://user:pw@127.0.0.1:1/"); err == nil || errors.Is(err, ErrNoTenant) {
		t.Errorf("Find of a refused URL = %v, want discovery's error", err)
	}
	if _, ok := m.Get("down"); ok {
		t.Error("a failed discovery was remembered")
	}
	var nilMemo *Memo
	if got, _, err := nilMemo.Find(ctx, srv.Client(), "org", srv.URL+"/org"); err != nil || got != tid {
		t.Errorf("a nil memo's Find = %q, %v; want discovery's answer", got, err)
	}
}
