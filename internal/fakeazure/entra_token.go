package fakeazure

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ClientAssertionType is the only client_assertion_type Entra accepts.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// oidcScopes are the scopes MSAL adds to every request; they name no
// resource.
var oidcScopes = []string{"openid", "profile", "offline_access", "email"}

// principal is who a token is issued to.
type principal struct {
	clientID string
	tid      string
	user     *User // nil for an application
	roles    []string
}

// token answers POST /{tenant}/oauth2/v2.0/token.
func (e *Entra) token(x *exchange) reply {
	r := x.r
	tenant := r.PathValue("tenant")
	tid, ok := e.resolveTenant(tenant)
	if !ok {
		return e.errUnknownTenant(r, tenant)
	}
	form := r.PostForm
	grant := form.Get("grant_type")
	if grant == "" {
		return e.errMissingParam(r, "grant_type")
	}
	switch grant {
	case "client_credentials":
		return e.clientCredentials(x, tenant, tid)
	case "password":
		return e.passwordGrant(x, tenant, tid)
	case "refresh_token":
		return e.refreshGrant(x)
	default:
		return e.errGrantType(r, grant)
	}
}

func (e *Entra) clientCredentials(x *exchange, tenant, tid string) reply {
	r, form := x.r, x.r.PostForm
	clientID := form.Get("client_id")
	if clientID == "" {
		return e.errMissingParam(r, "client_id")
	}
	scope := form.Get("scope")
	if scope == "" {
		return e.errMissingParam(r, "scope")
	}
	resource, _, isDefault := parseScope(scope)
	if !isDefault {
		return e.errScopeNotDefault(r, resource)
	}
	a := e.lookupApp(clientID)
	switch {
	case form.Has("client_secret"):
		x.rec.Credential = "secret"
		if a == nil || len(a.secrets) == 0 {
			return e.errUnknownApp(r, clientID, tenant)
		}
		if !slices.Contains(a.secrets, form.Get("client_secret")) {
			return e.errBadSecret(r, clientID)
		}
	case form.Has("client_assertion"):
		if t := form.Get("client_assertion_type"); t != ClientAssertionType {
			if t == "" {
				return e.errMissingParam(r, "client_assertion_type")
			}
			return e.aadError(r, http.StatusBadRequest, "invalid_request", 50027,
				"client_assertion_type '"+t+"' is not supported; use '"+ClientAssertionType+"'.")
		}
		if rep, ok := e.checkAssertion(x, a, clientID, tid); !ok {
			return rep
		}
	default:
		return e.errNoCredential(r)
	}
	p := principal{clientID: clientID, tid: tid}
	if a != nil {
		p.roles = a.roles
	}
	return e.issue(x, p, scope)
}

func (e *Entra) passwordGrant(x *exchange, tenant, tid string) reply {
	r, form := x.r, x.r.PostForm
	x.rec.Credential = "password"
	clientID := form.Get("client_id")
	if clientID == "" {
		return e.errMissingParam(r, "client_id")
	}
	for _, name := range []string{"username", "password", "scope"} {
		if form.Get(name) == "" {
			return e.errMissingParam(r, name)
		}
	}
	a := e.lookupApp(clientID)
	if a == nil {
		return e.errUnknownApp(r, clientID, tenant)
	}
	u, ok := a.users[strings.ToLower(form.Get("username"))]
	if !ok {
		return e.errUnknownUser(r, tenant)
	}
	if u.Password != form.Get("password") {
		return e.errBadPassword(r)
	}
	return e.issue(x, principal{clientID: clientID, tid: tid, user: &u, roles: a.roles}, form.Get("scope"))
}

func (e *Entra) refreshGrant(x *exchange) reply {
	r, form := x.r, x.r.PostForm
	x.rec.Credential = "refresh_token"
	rt := form.Get("refresh_token")
	if rt == "" {
		return e.errMissingParam(r, "refresh_token")
	}
	e.mu.Lock()
	g, ok := e.refresh[rt]
	e.mu.Unlock()
	if !ok || !strings.EqualFold(g.clientID, form.Get("client_id")) {
		return e.errBadRefreshToken(r)
	}
	scope := form.Get("scope")
	if scope == "" {
		return e.errMissingParam(r, "scope")
	}
	p := principal{clientID: g.clientID, tid: g.tenant, user: &g.user}
	if a := e.lookupApp(g.clientID); a != nil {
		p.roles = a.roles
	}
	return e.issue(x, p, scope)
}

// parseScope reads the resource out of a space-separated scope list,
// ignoring the OpenID scopes MSAL adds. "R/.default" gives R and no
// delegated scopes; "R/Name" gives R and Name; a bare "Name" is a
// Microsoft Graph permission, as in Entra.
func parseScope(scope string) (resource string, delegated []string, isDefault bool) {
	for _, s := range strings.Fields(scope) {
		if slices.Contains(oidcScopes, s) {
			continue
		}
		if r, ok := strings.CutSuffix(s, "/.default"); ok {
			if resource == "" {
				resource, isDefault = r, true
			}
			continue
		}
		res, name := "https://graph.microsoft.com", s
		if i := strings.LastIndex(s, "/"); i > 0 {
			res, name = s[:i], s[i+1:]
		}
		if resource == "" {
			resource = res
		}
		if res == resource {
			delegated = append(delegated, name)
		}
	}
	return resource, delegated, isDefault
}

// issue mints an access token for p and builds the token response.
func (e *Entra) issue(x *exchange, p principal, scope string) reply {
	resource, delegated, _ := parseScope(scope)
	now := time.Now()
	iat, exp := now, now.Add(e.lifetime)
	if x.fault.AlreadyExpiredToken {
		iat, exp = now.Add(-e.lifetime-time.Hour), now.Add(-time.Hour)
	}

	claims := make(map[string]any, len(e.claims)+16)
	for k, v := range e.claims {
		claims[k] = v
	}
	oid := stableID("sp", strings.ToLower(p.clientID))
	idtyp := "app"
	if p.user != nil {
		oid, idtyp = p.user.ObjectID, "user"
		claims["upn"] = p.user.Username
		claims["unique_name"] = p.user.Username
		claims["name"] = p.user.Name
		if len(delegated) == 0 {
			delegated = []string{"user_impersonation"}
		}
		claims["scp"] = strings.Join(delegated, " ")
	}
	if len(p.roles) > 0 {
		claims["roles"] = p.roles
	}
	for k, v := range map[string]any{
		"aud":   resource,
		"iss":   e.issuer(p.tid),
		"tid":   p.tid,
		"oid":   oid,
		"sub":   subject(p, oid),
		"appid": p.clientID,
		"azp":   p.clientID,
		"idtyp": idtyp,
		"ver":   "2.0",
		"uti":   randomHex(8),
		"iat":   iat.Unix(),
		"nbf":   iat.Unix(),
		"exp":   exp.Unix(),
	} {
		claims[k] = v
	}
	at, err := e.minter.Mint(claims)
	if err != nil {
		return e.injectedError(x.r, EndpointToken, http.StatusInternalServerError)
	}

	expiresIn := int(e.lifetime/time.Second) - 1
	if x.fault.ExpiresOnPast {
		expiresIn = -3600
	}
	resp := map[string]any{
		"token_type":     "Bearer",
		"expires_in":     expiresIn,
		"ext_expires_in": expiresIn,
		"access_token":   at,
	}
	if e.refreshIn > 0 {
		resp["refresh_in"] = int(e.refreshIn / time.Second)
	}
	if p.user != nil {
		if err := e.addUserTokens(resp, p, scope, now); err != nil {
			return e.injectedError(x.r, EndpointToken, http.StatusInternalServerError)
		}
	}
	if x.fault.NoAccessToken {
		delete(resp, "access_token")
	}
	return jsonReply(http.StatusOK, resp)
}

// subject is the sub claim: the object id for an application, a pairwise
// id (per client) for a user, as Entra does.
func subject(p principal, oid string) string {
	if p.user == nil {
		return oid
	}
	return stableID("sub", strings.ToLower(p.clientID)+"/"+oid)
}

// addUserTokens adds what a user sign-in returns besides the access
// token: the granted scopes, an ID token, client_info (which MSAL uses
// for the account's home id) and a refresh token.
func (e *Entra) addUserTokens(resp map[string]any, p principal, scope string, now time.Time) error {
	u := p.user
	idToken, err := e.minter.Mint(map[string]any{
		"aud":                p.clientID,
		"iss":                e.issuer(p.tid),
		"tid":                p.tid,
		"oid":                u.ObjectID,
		"sub":                subject(p, u.ObjectID),
		"preferred_username": u.Username,
		"name":               u.Name,
		"ver":                "2.0",
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(time.Hour).Unix(),
	})
	if err != nil {
		return err
	}
	ci, err := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": p.tid})
	if err != nil {
		return err
	}
	rt := "fakeazure-rt-" + randomHex(24)
	e.mu.Lock()
	e.refresh[rt] = refreshGrant{clientID: p.clientID, tenant: p.tid, user: *u}
	e.mu.Unlock()

	resp["scope"] = scope
	resp["id_token"] = idToken
	resp["client_info"] = base64.RawURLEncoding.EncodeToString(ci)
	resp["refresh_token"] = rt
	return nil
}
