package output

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// tokenJSON is the -o json shape. The field names are az account
// get-access-token's, so a script reading accessToken, expires_on, tenant or
// tokenType can switch from az without edits; expiresOn differs on purpose:
// RFC 3339 in UTC, where az writes local time without an offset (which broke
// at DST). Fields a source does not know (refreshOn, tenant, subscription)
// are left out rather than guessed.
type tokenJSON struct {
	AccessToken  string   `json:"accessToken"`
	TokenType    string   `json:"tokenType"`
	ExpiresOn    string   `json:"expiresOn,omitempty"`
	ExpiresOnTS  *int64   `json:"expires_on,omitempty"`
	RefreshOn    string   `json:"refreshOn,omitempty"`
	Source       string   `json:"source,omitempty"`
	Tenant       string   `json:"tenant,omitempty"`
	Subscription string   `json:"subscription,omitempty"`
	Scopes       []string `json:"scopes"`
}

func tokenJSONText(t chain.Token, meta Meta) (string, error) {
	v := tokenJSON{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshOn:    rfc3339(t.RefreshOn),
		Source:       meta.Source,
		Tenant:       t.Tenant,
		Subscription: t.Subscription,
		Scopes:       meta.Scopes,
	}
	if v.TokenType == "" {
		v.TokenType = "Bearer"
	}
	if !t.ExpiresOn.IsZero() {
		v.ExpiresOn = rfc3339(t.ExpiresOn)
		epoch := t.ExpiresOn.Unix()
		v.ExpiresOnTS = &epoch
	}
	if v.Scopes == nil {
		// Always an array, so jq '.scopes[]' never meets null.
		v.Scopes = []string{}
	}
	return marshalLine(v)
}

// rfc3339 formats t in UTC to the second, or "" when t is unknown.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// marshalLine encodes v as one line of JSON. HTML escaping is off: nobody
// embeds this in HTML, and "\u0026" in a URL-shaped scope only confuses.
func marshalLine(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}
