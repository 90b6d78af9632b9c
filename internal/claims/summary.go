package claims

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

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

// Render writes the claims for people, one aligned "name: value" line per
// claim that is present, in the order a person asks about them: what the
// token is for, who it is for, what it allows, and when it is valid. exp
// also says how long is left ("expires in 52m") or since when it is
// expired ("expired 3m ago"), measured from now.
func Render(w io.Writer, c Claims, now time.Time) error {
	type line struct{ name, value string }
	var lines []line
	add := func(name, value string) {
		if value != "" {
			lines = append(lines, line{name, printable(value)})
		}
	}
	add("aud", strings.Join(c.Audience, ", "))
	add("iss", c.Issuer)
	add("tid", c.TenantID)
	add("oid", c.ObjectID)
	add("appid", c.AppID)
	add("azp", c.AuthorizedParty)
	add("idtyp", c.IdentityType)
	add("upn", c.UPN)
	add("preferred_username", c.PreferredUsername)
	add("unique_name", c.UniqueName)
	add("name", c.Name)
	add("xms_mirid", c.ManagedIdentity)
	add("roles", strings.Join(c.Roles, " "))
	add("scp", strings.Join(c.Scopes, " "))
	if c.Emulated() {
		add("aztoken_emulated", "true (minted by aztoken serve --emulate, not by Entra ID)")
	}
	add("iat", rfc3339(c.IssuedAt))
	if !c.NotBefore.IsZero() {
		v := rfc3339(c.NotBefore)
		if c.NotBefore.After(now) {
			v += " (not valid for another " + human.Duration(c.NotBefore.Sub(now)) + ")"
		}
		add("nbf", v)
	}
	if !c.ExpiresAt.IsZero() {
		left := c.ExpiresAt.Sub(now)
		v := rfc3339(c.ExpiresAt)
		if left > 0 {
			v += " (expires in " + human.Duration(left) + ")"
		} else {
			v += " (expired " + human.Duration(left) + " ago)"
		}
		add("exp", v)
	}

	width := 0
	for _, l := range lines {
		width = max(width, len(l.name))
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s %s\n", width+1, l.name+":", l.value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printable quotes a value that holds control characters, so that a
// crafted claim cannot move the cursor or recolour the terminal.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
