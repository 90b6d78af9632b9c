package claims

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Claims are the claims Entra ID puts in access tokens that matter for
// telling who a token is for and what it allows. A claim that is absent,
// or present with an unexpected type, is left empty here; Raw always holds
// every claim as decoded.
type Claims struct {
	Audience          []string // aud: a string or an array of strings
	Issuer            string   // iss
	TenantID          string   // tid
	ObjectID          string   // oid: the user's or service principal's object id
	AppID             string   // appid (v1 tokens): the client the token was issued to
	AuthorizedParty   string   // azp (v2 tokens): the same, in v2 tokens
	UPN               string   // upn
	UniqueName        string   // unique_name
	PreferredUsername string   // preferred_username
	Name              string   // name
	Roles             []string // roles: app roles granted
	Scopes            []string // scp: delegated scopes, space-separated in the token
	IdentityType      string   // idtyp: "app" or "user", when the resource asked for it
	ManagedIdentity   string   // xms_mirid: the managed identity's Azure resource id

	IssuedAt  time.Time // iat
	NotBefore time.Time // nbf
	ExpiresAt time.Time // exp

	// Header is the JOSE header (alg, kid, typ, ...).
	Header map[string]any
	// Raw is every claim in the payload. Numbers are json.Number.
	Raw map[string]any
}

func (c *Claims) fill() {
	c.Audience = stringList(c.Raw["aud"])
	c.Issuer = str(c.Raw["iss"])
	c.TenantID = str(c.Raw["tid"])
	c.ObjectID = str(c.Raw["oid"])
	c.AppID = str(c.Raw["appid"])
	c.AuthorizedParty = str(c.Raw["azp"])
	c.UPN = str(c.Raw["upn"])
	c.UniqueName = str(c.Raw["unique_name"])
	c.PreferredUsername = str(c.Raw["preferred_username"])
	c.Name = str(c.Raw["name"])
	c.Roles = stringList(c.Raw["roles"])
	if scp := strings.Fields(str(c.Raw["scp"])); len(scp) > 0 {
		c.Scopes = scp
	}
	c.IdentityType = str(c.Raw["idtyp"])
	c.ManagedIdentity = str(c.Raw["xms_mirid"])
	c.IssuedAt = numericDate(c.Raw["iat"])
	c.NotBefore = numericDate(c.Raw["nbf"])
	c.ExpiresAt = numericDate(c.Raw["exp"])
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// stringList reads a claim that may be one string or an array of them
// (aud is either, by RFC 7519).
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// numericDate reads seconds since the epoch given as an integer, a
// fraction, or (as some issuers do) a string holding either. Anything else,
// or a value no calendar can hold, is unknown: the zero time.
func numericDate(v any) time.Time {
	var text string
	switch v := v.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	case float64:
		text = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return time.Time{}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if n < minDate || n > maxDate {
			return time.Time{}
		}
		return time.Unix(n, 0).UTC()
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || f < minDate || f > maxDate {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
}

// Bounds on a believable date: year 1 to 9999, so that formatting as
// RFC 3339 always works.
const (
	minDate = -62135596800 // 0001-01-01T00:00:00Z
	maxDate = 253402300799 // 9999-12-31T23:59:59Z
)

// ClientID is the application the token was issued to: appid in v1
// tokens, azp in v2.
func (c Claims) ClientID() string {
	if c.AppID != "" {
		return c.AppID
	}
	return c.AuthorizedParty
}

// Username is the user's sign-in name, from the first of upn,
// preferred_username and unique_name that is set; empty for apps.
func (c Claims) Username() string {
	for _, s := range []string{c.UPN, c.PreferredUsername, c.UniqueName} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Emulated reports whether aztoken's offline emulator minted the token: it
// marks every token it signs with "aztoken_emulated": true, so that one is
// never mistaken for a token from Entra ID.
func (c Claims) Emulated() bool {
	v, ok := c.Raw["aztoken_emulated"].(bool)
	return ok && v
}
