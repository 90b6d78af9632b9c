package cache

import (
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
)

// DefaultMinValidity is how long a cached token must still be valid to be
// served, unless the caller asks otherwise (--min-validity).
const DefaultMinValidity = 5 * time.Minute

// halfLifeAbove is the lifetime above which a token with no refresh time
// is refreshed at half-life, as MSAL and the Azure SDKs do.
const halfLifeAbove = 2 * time.Hour

// Entry is one cached token and what is known about it.
type Entry struct {
	// Token is the token as the source gave it. Its AccessToken is the only
	// secret in an entry; it is never shown by List or in notices.
	Token chain.Token
	// Source is the name of the source that issued the token ("azcli").
	Source string
	// Scopes are the scopes the token was asked for.
	Scopes []string
	// CreatedAt is when the token was cached; Put sets it when zero.
	CreatedAt time.Time
	// Chain names the sources of the chain that gave the token, in order:
	// entries for one identity and scope differ by it when they were got
	// with different selections (--source, AZURE_TOKEN_CREDENTIALS), and
	// cache list shows it so that two rows never look the same.
	Chain []string
	// Job is the keyed name of the CI job a pipeline token was cached in
	// (see Options.Job); the cache sets it, and serves and keeps the entry
	// only within that job.
	Job string
}

// RefreshAt is when the entry should be re-acquired: the issuer's refresh
// time when known, else half-life for tokens living over two hours, else
// zero (refresh only when the token runs out).
func (e Entry) RefreshAt() time.Time {
	if !e.Token.RefreshOn.IsZero() {
		return e.Token.RefreshOn
	}
	if e.CreatedAt.IsZero() || e.Token.ExpiresOn.IsZero() {
		return time.Time{}
	}
	life := e.Token.ExpiresOn.Sub(e.CreatedAt)
	if life > halfLifeAbove {
		return e.CreatedAt.Add(life / 2)
	}
	return time.Time{}
}

// expiresOn is when the token stops being valid: the earlier of the
// expiry its source reported and the JWT's own exp claim. The chain
// already stores the earlier one; read applies it again to cover entries
// written before it did (or by a caller that did not), so no entry is
// served, listed or reported past its exp.
func (e Entry) expiresOn() time.Time {
	exp := e.Token.ExpiresOn
	if c, err := claims.Decode(e.Token.AccessToken); err == nil && !c.ExpiresAt.IsZero() && (exp.IsZero() || c.ExpiresAt.Before(exp)) {
		exp = c.ExpiresAt
	}
	return exp
}

// servable says whether the entry may be served at now.
//
// fresh: more than minValidity left and its refresh time not yet reached;
// Get serves it. usable: more than minValidity left, whatever the refresh
// time; GetStale serves it, for when a re-acquisition has failed.
func (e Entry) servable(now time.Time, minValidity time.Duration) (fresh, usable bool) {
	if e.Token.AccessToken == "" || e.Token.ExpiresOn.IsZero() {
		return false, false
	}
	if e.Token.ExpiresOn.Sub(now) <= minValidity {
		return false, false
	}
	if r := e.RefreshAt(); !r.IsZero() && !now.Before(r) {
		return false, true
	}
	return true, true
}

// Info is what List shows of an entry. It never holds the token.
type Info struct {
	// Key is the entry key, the file's name without its extension.
	Key       string    `json:"key"`
	Source    string    `json:"source,omitempty"`
	Identity  string    `json:"identity,omitempty"`
	Tenant    string    `json:"tenant,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	Chain     []string  `json:"chain,omitempty"`
	ExpiresOn time.Time `json:"expires_on,omitzero"`
	RefreshOn time.Time `json:"refresh_on,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// Encrypted says the token is encrypted at rest.
	Encrypted bool `json:"encrypted"`
	// Problem, when set, says why the entry would not be served (it is
	// corrupt, not the user's own, written with another key, ...); the
	// other fields are then empty.
	Problem string `json:"problem,omitempty"`
}
