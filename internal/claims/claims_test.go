package claims

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// jwt builds a compact JWS from a header and a payload written as JSON
// text, so tests control the exact bytes (floats, strings for numbers).
func jwt(header, payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + ".c2lnbmF0dXJl"
}

const rs256 = `{"typ":"JWT","alg":"RS256","x5t":"abc","kid":"abc"}`

// Shapes of real Entra ID access tokens, with made-up ids.
var (
	// az account get-access-token for ARM: a v1 user token.
	userV1 = `{"aud":"https://management.azure.com/","iss":"https://sts.windows.net/72f988bf-0000-0000-0000-000000000001/","iat":1741060000,"nbf":1741060000,"exp":1741064167,"acr":"1","amr":["pwd","mfa"],"appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","appidacr":"0","idtyp":"user","name":"Ada Lovelace","oid":"11111111-2222-3333-4444-555555555555","puid":"100","scp":"user_impersonation","sub":"s","tid":"72f988bf-0000-0000-0000-000000000001","unique_name":"ada@contoso.com","upn":"ada@contoso.com","ver":"1.0","wids":["b79fbf4d-3ef9-4689-8143-76b194e85509"]}`
	// A managed identity's token: an app token with xms_mirid.
	managed = `{"aud":"https://vault.azure.net","iss":"https://sts.windows.net/tid-2/","iat":1741060000,"nbf":1741060000,"exp":1741146700,"aio":"x","appid":"66666666-0000-0000-0000-000000000000","appidacr":"2","idp":"https://sts.windows.net/tid-2/","idtyp":"app","oid":"77777777-0000-0000-0000-000000000000","sub":"77777777-0000-0000-0000-000000000000","tid":"tid-2","ver":"1.0","xms_mirid":"/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"}`
	// A v2 app token with roles, aud as an array, and float times.
	appV2 = `{"aud":["api://backend","00000003-0000-0000-c000-000000000000"],"iss":"https://login.microsoftonline.com/tid-3/v2.0","iat":1741060000.25,"nbf":1741060000,"exp":1741064167.5,"azp":"88888888-0000-0000-0000-000000000000","azpacr":"1","oid":"99999999-0000-0000-0000-000000000000","roles":["Data.Read","Data.Write"],"tid":"tid-3","ver":"2.0"}`
	// An issuer that writes numbers as strings, and a v2 user token.
	stringTimes = `{"aud":"api://x","iat":"1741060000","nbf":" 1741060000 ","exp":"1741064167","preferred_username":"bob@contoso.com","scp":"User.Read  Mail.Send","tid":"t"}`
)

func TestDecodeRealShapes(t *testing.T) {
	c, err := Decode(jwt(rs256, userV1))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	check("aud", c.Audience, []string{"https://management.azure.com/"})
	check("iss", c.Issuer, "https://sts.windows.net/72f988bf-0000-0000-0000-000000000001/")
	check("tid", c.TenantID, "72f988bf-0000-0000-0000-000000000001")
	check("oid", c.ObjectID, "11111111-2222-3333-4444-555555555555")
	check("appid", c.AppID, "04b07795-8ddb-461a-bbee-02f9e1bf7b46")
	check("upn", c.UPN, "ada@contoso.com")
	check("unique_name", c.UniqueName, "ada@contoso.com")
	check("name", c.Name, "Ada Lovelace")
	check("scp", c.Scopes, []string{"user_impersonation"})
	check("idtyp", c.IdentityType, "user")
	check("iat", c.IssuedAt, time.Unix(1741060000, 0).UTC())
	check("exp", c.ExpiresAt, time.Unix(1741064167, 0).UTC())
	check("header alg", c.Header["alg"], "RS256")
	check("raw amr", c.Raw["amr"], []any{"pwd", "mfa"})
	check("client id", c.ClientID(), "04b07795-8ddb-461a-bbee-02f9e1bf7b46")
	check("username", c.Username(), "ada@contoso.com")

	c, err = Decode(jwt(rs256, managed))
	if err != nil {
		t.Fatal(err)
	}
	check("mi xms_mirid", c.ManagedIdentity, "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1")
	check("mi idtyp", c.IdentityType, "app")
	check("mi username", c.Username(), "")
	check("mi scopes", c.Scopes, []string(nil))

	c, err = Decode(jwt(rs256, appV2))
	if err != nil {
		t.Fatal(err)
	}
	check("v2 aud", c.Audience, []string{"api://backend", "00000003-0000-0000-c000-000000000000"})
	check("v2 roles", c.Roles, []string{"Data.Read", "Data.Write"})
	check("v2 azp", c.AuthorizedParty, "88888888-0000-0000-0000-000000000000")
	check("v2 client id", c.ClientID(), "88888888-0000-0000-0000-000000000000")
	check("v2 float exp", c.ExpiresAt, time.Unix(1741064167, 500_000_000).UTC())
	check("v2 float iat", c.IssuedAt, time.Unix(1741060000, 250_000_000).UTC())

	c, err = Decode(jwt(rs256, stringTimes))
	if err != nil {
		t.Fatal(err)
	}
	check("string exp", c.ExpiresAt, time.Unix(1741064167, 0).UTC())
	check("string nbf with spaces", c.NotBefore, time.Unix(1741060000, 0).UTC())
	check("scp split", c.Scopes, []string{"User.Read", "Mail.Send"})
	check("preferred_username", c.Username(), "bob@contoso.com")
}

func TestDecodeOddClaimTypes(t *testing.T) {
	// Wrong types leave the field empty; Raw keeps them.
	c, err := Decode(jwt(`{}`, `{"aud":5,"tid":["x"],"roles":"Admin","exp":"soon","iat":true,"nbf":1e300,"scp":7,"upn":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience != nil || c.TenantID != "" || c.Scopes != nil || c.UPN != "" {
		t.Errorf("mistyped claims should be empty: %+v", c)
	}
	if len(c.Roles) != 1 || c.Roles[0] != "Admin" {
		t.Errorf("a single role as a string should still read: %v", c.Roles)
	}
	if !c.ExpiresAt.IsZero() || !c.IssuedAt.IsZero() || !c.NotBefore.IsZero() {
		t.Errorf("unreadable times should be zero: %v %v %v", c.ExpiresAt, c.IssuedAt, c.NotBefore)
	}
	if c.Raw["exp"] != "soon" || len(c.Raw) != 8 {
		t.Errorf("Raw should hold every claim: %v", c.Raw)
	}
	c, err = Decode(jwt(`{}`, `{"exp":1.7e9,"aud":["a",3,"b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExpiresAt.Equal(time.Unix(1.7e9, 0)) {
		t.Errorf("exponent form: %v", c.ExpiresAt)
	}
	if strings.Join(c.Audience, ",") != "a,b" {
		t.Errorf("aud array with a non-string: %v", c.Audience)
	}
}

func TestDecodeTolerates(t *testing.T) {
	base := jwt(rs256, userV1)
	enc := base64.URLEncoding // padded
	padded := enc.EncodeToString([]byte(rs256)) + "." + enc.EncodeToString([]byte(`{"tid":"t","x":"ab"}`)) + ".sig"
	if !strings.Contains(padded, "=") {
		t.Fatal("test setup: the padded form should have padding")
	}
	inputs := map[string]string{
		"trailing newline":   base + "\n",
		"CRLF":               base + "\r\n",
		"spaces":             "  " + base + "\t ",
		"Bearer":             "Bearer " + base,
		"bearer lower case":  "bearer " + base,
		"Bearer and newline": "  BEARER  " + base + "\n",
		"padded parts":       padded,
		"header line":        "Authorization: Bearer " + base + "\n",
		"header lower case":  "authorization:bearer " + base,
		"empty signature":    strings.TrimSuffix(base, "c2lnbmF0dXJl"),
	}
	for name, in := range inputs {
		if _, err := Decode(in); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDecodeNotJWT(t *testing.T) {
	good := base64.RawURLEncoding.EncodeToString([]byte(`{"a":1}`))
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "the input is not a JWT: it is empty"},
		{"only Bearer", "Bearer ", "the input is not a JWT: expected three dot-separated parts, found 1"},
		{"one part", "not-a-token-at-all", "the input is not a JWT: expected three dot-separated parts, found 1"},
		{"two parts", "abc.def", "the input is not a JWT: expected three dot-separated parts, found 2"},
		{"four parts", "a.b.c.d", "the input is not a JWT: expected three dot-separated parts, found 4"},
		{"JWE", "a.b.c.d.e", "the input is not a JWT: expected three dot-separated parts, found 5 (an encrypted token, JWE, cannot be read without its key)"},
		{"opaque refresh-like token", "0.AAAA-secret-opaque", "the input is not a JWT: expected three dot-separated parts, found 2"},
		{"header not base64url", "a+b/." + good + ".s", "the input is not a JWT: the header is not valid base64url"},
		{"payload not base64url", good + ".pay!load.s", "the input is not a JWT: the payload is not valid base64url"},
		{"payload standard base64 chars", good + "." + "ab+/" + ".s", "the input is not a JWT: the payload is not valid base64url"},
		{"payload not JSON", good + "." + b64("hunter2-secret") + ".s", "the input is not a JWT: the payload is not JSON"},
		{"payload truncated JSON", good + "." + b64(`{"aud":"sec`) + ".s", "the input is not a JWT: the payload is not JSON"},
		{"payload two objects", good + "." + b64(`{}{}`) + ".s", "the input is not a JWT: the payload is not JSON: it has text after its object"},
		{"payload an array", good + "." + b64(`["secret"]`) + ".s", "the input is not a JWT: the payload is not a JSON object"},
		{"payload a string", good + "." + b64(`"secret"`) + ".s", "the input is not a JWT: the payload is not a JSON object"},
		{"payload null", good + "." + b64(`null`) + ".s", "the input is not a JWT: the payload is not a JSON object"},
		{"header not JSON", b64("secret") + "." + good + ".s", "the input is not a JWT: the header is not JSON"},
		{"empty payload", good + "..s", "the input is not a JWT: the payload is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil {
				t.Fatal("want an error")
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err, tt.want)
			}
			if !errors.Is(err, ErrNotJWT) {
				t.Error("errors.Is(err, ErrNotJWT) should hold")
			}
			for _, part := range strings.Split(Normalize(tt.in), ".") {
				if len(part) >= 4 && strings.Contains(err.Error(), part) {
					t.Errorf("error contains part of the input %q", part)
				}
			}
			for _, leak := range []string{"secret", "hunter2", "sec"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error leaks %q: %v", leak, err)
				}
			}
		})
	}
}

func TestRender(t *testing.T) {
	c, err := Decode(jwt(rs256, userV1))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1741064167, 0).Add(-52*time.Minute - 10*time.Second)
	var b strings.Builder
	if err := Render(&b, c, now); err != nil {
		t.Fatal(err)
	}
	want := `aud:         https://management.azure.com/          # audience: the resource this token is for
iss:         https://sts.windows.net/72f988bf-0000-0000-0000-000000000001/  # issuer: the authority that signed it
tid:         72f988bf-0000-0000-0000-000000000001   # tenant (directory) id
oid:         11111111-2222-3333-4444-555555555555   # object id of the user or service principal
sub:         s                                      # subject: this principal as seen by this app (federated credentials match it)
appid:       04b07795-8ddb-461a-bbee-02f9e1bf7b46   # client id of the app that asked for the token (v1)
appidacr:    0                                      # how the app proved itself: 0 none, 1 secret, 2 certificate or managed identity
idtyp:       user                                   # app or user token
upn:         ada@contoso.com                        # the user's sign-in name
unique_name: ada@contoso.com                        # the user's sign-in name (v1)
name:        Ada Lovelace                           # display name
scp:         user_impersonation                     # delegated permissions (scopes) the user consented to
wids:        b79fbf4d-3ef9-4689-8143-76b194e85509   # Entra ID directory roles (role template ids)
amr:         pwd mfa                                # how the user signed in (pwd, mfa, ...)
acr:         1                                      # authentication context class
ver:         1.0                                    # token version: 1.0 or 2.0
iat:         2025-03-04T03:46:40Z                   # issued at
nbf:         2025-03-04T03:46:40Z                   # not valid before
exp:         2025-03-04T04:56:07Z (expires in 52m)  # expires
puid:        100
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	// Every claim is shown: sub, groups, wids and claims nobody documents,
	// the unknown ones after the known ones, in name order.
	cx, _ := Decode(jwt(`{}`, `{"sub":"subj-1","groups":["g1","g2"],"wids":["w1"],"zeta":{"a":1},"custom_flag":true,"n":5}`))
	b.Reset()
	if err := Render(&b, cx, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	want = `sub:         subj-1  # subject: this principal as seen by this app (federated credentials match it)
groups:      g1 g2   # object ids of the groups the principal is in
wids:        w1      # Entra ID directory roles (role template ids)
custom_flag: true
n:           5
zeta:        {"a":1}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	// Expired, and a not-before in the future.
	c2, _ := Decode(jwt(`{}`, `{"nbf":1000,"exp":2000,"roles":["A","B"]}`))
	b.Reset()
	if err := Render(&b, c2, time.Unix(2180, 0)); err != nil {
		t.Fatal(err)
	}
	want = `roles: A B                                    # app roles granted (what an app or user may do)
nbf:   1970-01-01T00:16:40Z                   # not valid before
exp:   1970-01-01T00:33:20Z (expired 3m ago)  # expires
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := Render(&b, c2, time.Unix(820, 0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "nbf:   1970-01-01T00:16:40Z (not valid for another 3m)") {
		t.Errorf("future nbf not flagged:\n%s", b.String())
	}

	// Control characters in a claim are quoted, not sent to the terminal.
	c3, _ := Decode(jwt(`{}`, `{"name":"evil\u001b[2Jname"}`))
	b.Reset()
	_ = Render(&b, c3, time.Unix(0, 0))
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), `"evil\x1b[2Jname"`) {
		t.Errorf("escape not neutralised: %q", b.String())
	}

	// No claims, no lines.
	b.Reset()
	_ = Render(&b, Claims{}, time.Now())
	if b.Len() != 0 {
		t.Errorf("empty claims rendered %q", b.String())
	}
}

func TestSummary(t *testing.T) {
	c, err := Decode(jwt(rs256, appV2))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1741064167, 0).Add(-time.Hour)
	got, err := json.Marshal(Summarize(c, now))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"identity":{"tenant":"tid-3","object_id":"99999999-0000-0000-0000-000000000000","app_id":"88888888-0000-0000-0000-000000000000"},"audience":["api://backend","00000003-0000-0000-c000-000000000000"],"issuer":"https://login.microsoftonline.com/tid-3/v2.0","roles":["Data.Read","Data.Write"],"issued_at":"2025-03-04T03:46:40Z","not_before":"2025-03-04T03:46:40Z","expires_at":"2025-03-04T04:56:07Z","expires_in_seconds":3600}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	c, _ = Decode(jwt(rs256, userV1))
	s := Summarize(c, time.Unix(1741064167+180, 0))
	if s.Identity.UPN != "ada@contoso.com" || s.Identity.AppID != "04b07795-8ddb-461a-bbee-02f9e1bf7b46" {
		t.Errorf("identity = %+v", s.Identity)
	}
	if s.ExpiresInSeconds == nil || *s.ExpiresInSeconds != -180 {
		t.Errorf("expired token: expires_in_seconds = %v, want -180", s.ExpiresInSeconds)
	}
	if len(s.Scopes) != 1 || s.Scopes[0] != "user_impersonation" {
		t.Errorf("scopes = %v", s.Scopes)
	}

	// Nothing known: audience is still an array, the rest is omitted.
	got, _ = json.Marshal(Summarize(Claims{}, time.Now()))
	if string(got) != `{"identity":{},"audience":[]}` {
		t.Errorf("empty summary = %s", got)
	}
}
