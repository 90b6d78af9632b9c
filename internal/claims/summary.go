package claims

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/human"
)

// Summary is the part of a token's claims that probe, whoami and decode put
// in their JSON. Its field names are stable: scripts read them.
//
//	identity.tenant      tid
//	identity.object_id   oid
//	identity.app_id      appid, else azp
//	identity.upn         upn, else preferred_username, else unique_name
//	audience             aud, always an array
//	issuer               iss
//	roles, scopes        roles; scp split on spaces
//	issued_at, not_before, expires_at
//	                     RFC 3339 in UTC; omitted when absent
//	expires_in_seconds   exp minus now, negative once expired; omitted
//	                     when there is no exp
type Summary struct {
	Identity         Identity `json:"identity"`
	Audience         []string `json:"audience"`
	Issuer           string   `json:"issuer,omitempty"`
	Roles            []string `json:"roles,omitempty"`
	Scopes           []string `json:"scopes,omitempty"`
	IssuedAt         string   `json:"issued_at,omitempty"`
	NotBefore        string   `json:"not_before,omitempty"`
	ExpiresAt        string   `json:"expires_at,omitempty"`
	ExpiresInSeconds *int64   `json:"expires_in_seconds,omitempty"`
	Emulated         bool     `json:"emulated,omitempty"`
}

// Identity says who a token is for.
type Identity struct {
	Tenant   string `json:"tenant,omitempty"`
	ObjectID string `json:"object_id,omitempty"`
	AppID    string `json:"app_id,omitempty"`
	UPN      string `json:"upn,omitempty"`
}

// Summarize picks the summary out of c, with expires_in_seconds measured
// from now.
func Summarize(c Claims, now time.Time) Summary {
	s := Summary{
		Identity: Identity{
			Tenant:   c.TenantID,
			ObjectID: c.ObjectID,
			AppID:    c.ClientID(),
			UPN:      c.Username(),
		},
		Audience:  c.Audience,
		Issuer:    c.Issuer,
		Roles:     c.Roles,
		Scopes:    c.Scopes,
		IssuedAt:  rfc3339(c.IssuedAt),
		NotBefore: rfc3339(c.NotBefore),
		ExpiresAt: rfc3339(c.ExpiresAt),
		Emulated:  c.Emulated(),
	}
	if s.Audience == nil {
		s.Audience = []string{}
	}
	if !c.ExpiresAt.IsZero() {
		secs := int64(c.ExpiresAt.Sub(now) / time.Second)
		s.ExpiresInSeconds = &secs
	}
	return s
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Render writes every claim for people, one aligned "name: value" line
// each. The claims Entra ID documents come first, in the order a person
// asks about them (what the token is for, who it is for, what it allows,
// when it is valid), each followed by what it means; every other claim
// (custom claims, optional claims, ones Entra ID adds later) follows in
// name order, so nothing the token carries is hidden. exp also says how
// long is left ("expires in 52m") or since when it is expired ("expired
// 3m ago"), measured from now.
func Render(w io.Writer, c Claims, now time.Time) error {
	type line struct{ name, value, meaning string }
	var lines []line
	shown := map[string]bool{}
	for _, k := range knownOrder {
		v, ok := c.Raw[k]
		if !ok {
			continue
		}
		shown[k] = true
		lines = append(lines, line{k, printable(claimValue(k, v, now)), knownClaims[k]})
	}
	var rest []string
	for k := range c.Raw {
		if !shown[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		lines = append(lines, line{printable(k), printable(claimValue(k, c.Raw[k], now)), ""})
	}

	nameWidth, valueWidth := 0, 0
	for _, l := range lines {
		nameWidth = max(nameWidth, len(l.name))
		if l.meaning != "" {
			valueWidth = max(valueWidth, min(len(l.value), maxAlignedValue))
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if l.meaning == "" {
			fmt.Fprintf(&b, "%-*s %s\n", nameWidth+1, l.name+":", l.value)
			continue
		}
		fmt.Fprintf(&b, "%-*s %-*s  # %s\n", nameWidth+1, l.name+":", valueWidth, l.value, l.meaning)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxAlignedValue stops one long value (a managed identity's resource id)
// from pushing every other line's meaning off the screen.
const maxAlignedValue = 37

// claimValue writes one claim's value for people: dates as RFC 3339 with
// how long is left, lists joined, anything else as compact JSON.
func claimValue(name string, v any, now time.Time) string {
	switch name {
	case "iat", "nbf", "exp":
		t := numericDate(v)
		if t.IsZero() {
			break
		}
		s := rfc3339(t)
		switch {
		case name == "nbf" && t.After(now):
			s += " (not valid for another " + human.Duration(t.Sub(now)) + ")"
		case name == "exp" && t.After(now):
			s += " (expires in " + human.Duration(t.Sub(now)) + ")"
		case name == "exp":
			s += " (expired " + human.Duration(now.Sub(t)) + " ago)"
		}
		return s
	}
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				parts = append(parts, s)
			} else {
				parts = append(parts, compactJSON(e))
			}
		}
		return strings.Join(parts, " ")
	}
	return compactJSON(v)
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// knownOrder is the order Render shows the documented claims in.
var knownOrder = []string{
	"aud", "iss", "idp", "tid", "oid", "sub", "appid", "azp", "appidacr", "azpacr", "idtyp",
	"upn", "preferred_username", "unique_name", "email", "name", "given_name", "family_name",
	"xms_mirid", "roles", "scp", "groups", "hasgroups", "_claim_names", "_claim_sources", "wids",
	"amr", "acr", "ipaddr", "ver", "aztoken_emulated", "iat", "nbf", "exp",
}

// knownClaims says what each documented access-token claim means (from
// Microsoft's "Access token claims reference").
var knownClaims = map[string]string{
	"aud":                "audience: the resource this token is for",
	"iss":                "issuer: the authority that signed it",
	"idp":                "identity provider that authenticated the subject",
	"tid":                "tenant (directory) id",
	"oid":                "object id of the user or service principal",
	"sub":                "subject: this principal as seen by this app (federated credentials match it)",
	"appid":              "client id of the app that asked for the token (v1)",
	"azp":                "client id of the app that asked for the token (v2)",
	"appidacr":           "how the app proved itself: 0 none, 1 secret, 2 certificate or managed identity",
	"azpacr":             "how the app proved itself: 0 none, 1 secret, 2 certificate or managed identity",
	"idtyp":              "app or user token",
	"upn":                "the user's sign-in name",
	"preferred_username": "the user's sign-in name (v2)",
	"unique_name":        "the user's sign-in name (v1)",
	"email":              "the user's email address",
	"name":               "display name",
	"given_name":         "first name",
	"family_name":        "last name",
	"xms_mirid":          "the managed identity's Azure resource id",
	"roles":              "app roles granted (what an app or user may do)",
	"scp":                "delegated permissions (scopes) the user consented to",
	"groups":             "object ids of the groups the principal is in",
	"hasgroups":          "in too many groups to list: ask Microsoft Graph",
	"_claim_names":       "group overage: the groups are at _claim_sources",
	"_claim_sources":     "where to read the groups that did not fit",
	"wids":               "Entra ID directory roles (role template ids)",
	"amr":                "how the user signed in (pwd, mfa, ...)",
	"acr":                "authentication context class",
	"ipaddr":             "the address the user signed in from",
	"ver":                "token version: 1.0 or 2.0",
	"aztoken_emulated":   "true: minted by aztoken serve --emulate, not by Entra ID",
	"iat":                "issued at",
	"nbf":                "not valid before",
	"exp":                "expires",
}

// printable quotes a value that holds control or bidirectional formatting
// characters (human.Hidden), so that a crafted claim can neither move the
// cursor, recolour the terminal, nor show its text in another order.
func printable(s string) string {
	if strings.IndexFunc(s, human.Hidden) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
