package serve

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/mint"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/safefile"
)

// Emulator defaults: clearly fake ids that stay the same from run to run,
// so an app's test configuration can name them.
const (
	DefaultEmulatorTenant   = "00000000-0000-0000-0000-00000000a270"
	DefaultEmulatorAppID    = "00000000-0000-0000-0000-00000000a271"
	DefaultEmulatorObjectID = "00000000-0000-0000-0000-00000000a272"
	DefaultEmulatorLifetime = time.Hour

	// EmulatedClaim marks every emulated token.
	EmulatedClaim = "aztoken_emulated"
)

// EmulatorOptions shape the emulated identity and its tokens.
type EmulatorOptions struct {
	Tenant   string        // tid; default DefaultEmulatorTenant
	AppID    string        // appid/azp of the system-assigned identity; default DefaultEmulatorAppID
	ObjectID string        // oid/sub of the system-assigned identity; default DefaultEmulatorObjectID
	Roles    []string      // roles claim, when not empty
	Lifetime time.Duration // token lifetime; default one hour
	// KeyFile names a PEM file with an RSA private key (PKCS#1 or
	// PKCS#8) to sign with, so tokens verify across restarts; empty means
	// a new 2048-bit key each start.
	KeyFile string
	// BaseURL, when set, replaces the server's own URL in the issuer and
	// the discovery documents, for apps that reach the emulator by
	// another name (http://host.docker.internal:8080, say).
	BaseURL string
}

// Emulator is a Provider that mints signed tokens without Azure, and
// serves the OpenID Connect documents that verify them.
type Emulator struct {
	opts   EmulatorOptions
	minter *mint.Minter
	now    func() time.Time
	base   atomic.Pointer[string]
}

// NewEmulator prepares an emulator; now may be nil for time.Now.
func NewEmulator(o EmulatorOptions, now func() time.Time) (*Emulator, error) {
	if now == nil {
		now = time.Now
	}
	if o.Tenant == "" {
		o.Tenant = DefaultEmulatorTenant
	}
	if o.AppID == "" {
		o.AppID = DefaultEmulatorAppID
	}
	if o.ObjectID == "" {
		o.ObjectID = DefaultEmulatorObjectID
	}
	if o.Lifetime == 0 {
		o.Lifetime = DefaultEmulatorLifetime
	}
	if o.Lifetime < 10*time.Minute || o.Lifetime > 48*time.Hour {
		return nil, fmt.Errorf("the emulated token lifetime %s is out of range; give 10m to 48h (clients refresh tokens with 5 minutes left)", o.Lifetime)
	}
	if !resources.ValidTenant(o.Tenant) {
		return nil, fmt.Errorf("the emulated tenant %q is not %s", o.Tenant, resources.TenantRule)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	var key *rsa.PrivateKey
	if o.KeyFile != "" {
		var err error
		if key, err = loadRSAKey(o.KeyFile); err != nil {
			return nil, err
		}
	}
	m, err := mint.New(key, "")
	if err != nil {
		return nil, err
	}
	e := &Emulator{opts: o, minter: m, now: now}
	if o.BaseURL != "" {
		e.setBaseURL(o.BaseURL)
	}
	return e, nil
}

// loadRSAKey reads an unencrypted RSA private key from a PEM file.
func loadRSAKey(path string) (*rsa.PrivateKey, error) {
	data, err := safefile.Read(path, safefile.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key failed: %w", err)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("%s holds no RSA PRIVATE KEY or PRIVATE KEY block; make one with: openssl genrsa -out key.pem 2048", path)
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: the RSA private key does not parse: %w", path, err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: the private key does not parse: %w", path, err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%s: the key is %T; RS256 needs an RSA key", path, k)
			}
			return rk, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%s: the key is encrypted; give an unencrypted RSA key (it signs test tokens only)", path)
		}
	}
}

func (e *Emulator) setBaseURL(u string) {
	if e.opts.BaseURL != "" {
		u = e.opts.BaseURL
	}
	e.base.Store(&u)
}

func (e *Emulator) baseURL() string {
	if p := e.base.Load(); p != nil {
		return *p
	}
	return "http://127.0.0.1"
}

// Issuer is the iss of every emulated token: the emulator's own URL, so
// an emulated token can never pass for one from Entra ID.
func (e *Emulator) Issuer() string { return e.baseURL() + "/" + e.opts.Tenant + "/v2.0" }

// DiscoveryURL is where the OpenID Connect configuration is served.
func (e *Emulator) DiscoveryURL() string { return e.Issuer() + "/.well-known/openid-configuration" }

// JWKSURL is where the signing key is served.
func (e *Emulator) JWKSURL() string {
	return e.baseURL() + "/" + e.opts.Tenant + "/discovery/v2.0/keys"
}

// Tenant is the emulated tenant id.
func (e *Emulator) Tenant() string { return e.opts.Tenant }

// JWKS is the key set document that verifies emulated tokens.
func (e *Emulator) JWKS() []byte { return e.minter.JWKS() }

// Token mints a token for the resource the request names. A user-assigned
// identity gets ids derived from the id it was asked by, so each one is
// distinct and the same from run to run.
func (e *Emulator) Token(_ context.Context, resource string, id Identity) (chain.Token, error) {
	appID, objectID := e.opts.AppID, e.opts.ObjectID
	switch {
	case id.ClientID != "":
		appID, objectID = id.ClientID, derivedID("oid", id.ClientID)
	case id.ObjectID != "":
		appID, objectID = derivedID("appid", id.ObjectID), id.ObjectID
	case id.ResourceID != "":
		appID, objectID = derivedID("appid", id.ResourceID), derivedID("oid", id.ResourceID)
	}
	now := e.now()
	exp := now.Add(e.opts.Lifetime)
	var uti [16]byte
	if _, err := rand.Read(uti[:]); err != nil {
		return chain.Token{}, chain.Failed(err, "", "the emulator could not make a token id")
	}
	claims := map[string]any{
		"aud":         resource,
		"iss":         e.Issuer(),
		"iat":         now.Unix(),
		"nbf":         now.Unix(),
		"exp":         exp.Unix(),
		"tid":         e.opts.Tenant,
		"oid":         objectID,
		"sub":         objectID,
		"appid":       appID,
		"azp":         appID,
		"appidacr":    "2",
		"azpacr":      "2",
		"idtyp":       "app",
		"ver":         "2.0",
		"uti":         hex.EncodeToString(uti[:]),
		EmulatedClaim: true,
	}
	if id.ResourceID != "" {
		claims["xms_mirid"] = id.ResourceID
	}
	if len(e.opts.Roles) > 0 {
		claims["roles"] = append([]string(nil), e.opts.Roles...)
	}
	tok, err := e.minter.Mint(claims)
	if err != nil {
		return chain.Token{}, chain.Failed(err, "", "the emulator could not sign a token")
	}
	return chain.Token{
		AccessToken: tok,
		TokenType:   "Bearer",
		ExpiresOn:   exp,
		Tenant:      e.opts.Tenant,
		Identity:    appID,
	}, nil
}

// derivedID makes a stable GUID-shaped id from another id.
func derivedID(kind, from string) string {
	sum := sha256.Sum256([]byte("aztoken-emulator/" + kind + "/" + strings.ToLower(from)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// serveHTTP answers the discovery paths and reports whether it did.
func (e *Emulator) serveHTTP(w *record, r *http.Request) bool {
	p := r.URL.Path
	t := "/" + e.opts.Tenant
	switch p {
	case "/.well-known/openid-configuration", t + "/v2.0/.well-known/openid-configuration":
		e.writeDoc(w, r, e.discovery())
	case "/discovery/v2.0/keys", t + "/discovery/v2.0/keys":
		e.writeDoc(w, r, e.JWKS())
	default:
		return false
	}
	return true
}

func (e *Emulator) writeDoc(w *record, r *http.Request, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed: discovery documents take GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

func (e *Emulator) discovery() []byte {
	doc := map[string]any{
		"issuer":                                e.Issuer(),
		"jwks_uri":                              e.JWKSURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"pairwise"},
		"token_endpoint_auth_methods_supported": []string{},
		"claims_supported":                      []string{"aud", "iss", "iat", "nbf", "exp", "tid", "oid", "sub", "appid", "azp", "roles", "xms_mirid", EmulatedClaim},
		"tenant_region_scope":                   "EMULATED",
		EmulatedClaim:                           true,
	}
	// Strings, bools and slices of strings always marshal.
	b, _ := json.Marshal(doc)
	return b
}
