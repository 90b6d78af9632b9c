package fakeazure

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// classifyIMDS tells the chain's availability probe (a bare GET: no query,
// no Metadata header) from a token request.
func classifyIMDS(r *http.Request) string {
	if r.URL.RawQuery == "" && r.Header.Get("Metadata") == "" {
		return EndpointProbe
	}
	return EndpointIMDS
}

// classifyArc tells Arc's challenge round from its authorized round.
func classifyArc(r *http.Request) string {
	if r.Header.Get("Authorization") == "" {
		return EndpointArcChallenge
	}
	return EndpointArc
}

// imdsError is the error body of IMDS, Arc and Cloud Shell.
func imdsError(status int, code, desc string) reply {
	return jsonReply(status, map[string]any{"error": code, "error_description": desc})
}

// appServiceError is the error body of App Service and Azure ML.
func appServiceError(status int, msg string) reply {
	return jsonReply(status, map[string]any{"statusCode": status, "message": msg, "correlationId": randomID()})
}

// serviceFabricError is the error body of Service Fabric's token service.
func serviceFabricError(status int, code, msg string) reply {
	return jsonReply(status, map[string]any{"error": map[string]any{"correlationId": randomID(), "code": code, "message": msg}})
}

// injectedError is the answer to a fault that sets an error Status
// without a Body, shaped like the source's own errors.
func (m *Managed) injectedError(_ *http.Request, endpoint string, status int) reply {
	msg := "fakeazure answered HTTP " + strconv.Itoa(status) + " " + http.StatusText(status) + "."
	switch endpoint {
	case EndpointAppService, EndpointAzureML:
		return appServiceError(status, msg)
	case EndpointServiceFabric:
		return serviceFabricError(status, "ServiceError", msg)
	}
	code := "server_error"
	if status < 500 {
		code = "invalid_request"
	}
	return imdsError(status, code, msg)
}

// imds answers IMDS's token endpoint, and its probe.
func (m *Managed) imds(x *exchange) reply {
	r := x.r
	if r.Header.Get("X-Forwarded-For") != "" {
		// IMDS refuses anything that looks proxied, so a token cannot be
		// fetched on behalf of another machine.
		return imdsError(http.StatusForbidden, "invalid_request", "Requests with an X-Forwarded-For header are not allowed.")
	}
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
		return imdsError(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
	}
	q := r.URL.Query()
	if rep, ok := requireQuery(q, IMDSAPIVersion, imdsBadRequest); !ok {
		return rep
	}
	x.rec.Resource = q.Get("resource")
	kind, value := imdsSelector(q)
	id, msg, ok := m.findIdentity(kind, value)
	if !ok {
		return imdsError(http.StatusBadRequest, "invalid_request", msg)
	}
	return m.imdsStyleToken(x, id, q.Get("resource"), kind)
}

func imdsBadRequest(msg string) reply {
	return imdsError(http.StatusBadRequest, "invalid_request", msg)
}

// requireQuery checks api-version and resource, answering a bad request
// built by bad when either is wrong.
func requireQuery(q url.Values, apiVersion string, bad func(string) reply) (reply, bool) {
	switch v := q.Get("api-version"); {
	case v == "":
		return bad("Required query variable 'api-version' is missing"), false
	case v != apiVersion:
		return bad("Invalid api-version '" + v + "'; this endpoint speaks " + apiVersion), false
	}
	if q.Get("resource") == "" {
		return bad("Required query variable 'resource' is missing"), false
	}
	return reply{}, true
}

// imdsSelector reads IMDS's (and Arc's) user-assigned identity selector.
// MSAL sends msi_res_id; mi_res_id, App Service's spelling, is accepted
// too.
func imdsSelector(q url.Values) (kind, value string) {
	switch {
	case q.Get("client_id") != "":
		return "client_id", q.Get("client_id")
	case q.Get("object_id") != "":
		return "object_id", q.Get("object_id")
	case q.Get("principal_id") != "":
		return "object_id", q.Get("principal_id")
	case q.Get("msi_res_id") != "":
		return "resource_id", q.Get("msi_res_id")
	case q.Get("mi_res_id") != "":
		return "resource_id", q.Get("mi_res_id")
	}
	return "", ""
}

// appService answers App Service's 2019-08-01 protocol.
func (m *Managed) appService(x *exchange) reply {
	r := x.r
	switch h := r.Header.Get("X-Identity-Header"); {
	case h == "":
		return appServiceError(http.StatusBadRequest, "The X-IDENTITY-HEADER header is missing.")
	case h != m.secret:
		return appServiceError(http.StatusUnauthorized, "The X-IDENTITY-HEADER header does not match.")
	}
	q := r.URL.Query()
	bad := func(msg string) reply { return appServiceError(http.StatusBadRequest, msg) }
	if rep, ok := requireQuery(q, AppServiceAPIVersion, bad); !ok {
		return rep
	}
	x.rec.Resource = q.Get("resource")
	kind, value := "", ""
	switch {
	case q.Get("client_id") != "":
		kind, value = "client_id", q.Get("client_id")
	case q.Get("object_id") != "":
		kind, value = "object_id", q.Get("object_id")
	case q.Get("principal_id") != "":
		kind, value = "object_id", q.Get("principal_id")
	case q.Get("mi_res_id") != "":
		kind, value = "resource_id", q.Get("mi_res_id")
	}
	id, _, ok := m.findIdentity(kind, value)
	if !ok {
		return appServiceError(http.StatusBadRequest, "Unable to load the proper Managed Identity.")
	}
	tok, _, exp, err := m.mint(x, id, q.Get("resource"))
	if err != nil {
		return m.injectedError(r, EndpointAppService, http.StatusInternalServerError)
	}
	body := map[string]any{
		"access_token": tok,
		"expires_on":   strconv.FormatInt(exp.Unix(), 10),
		"resource":     q.Get("resource"),
		"token_type":   "Bearer",
		"client_id":    id.ClientID,
	}
	return m.finish(x, body)
}

// cloudShell answers Cloud Shell's form POST. It has no user-assigned
// identities.
func (m *Managed) cloudShell(x *exchange) reply {
	r := x.r
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
		return imdsError(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
	}
	resource := r.PostForm.Get("resource")
	if resource == "" {
		return imdsError(http.StatusBadRequest, "invalid_request", "Required form field 'resource' is missing")
	}
	x.rec.Resource = resource
	id, msg, ok := m.findIdentity("", "")
	if !ok {
		return imdsError(http.StatusBadRequest, "invalid_request", msg)
	}
	return m.imdsStyleToken(x, id, resource, "")
}

// azureML answers Azure ML's 2017-09-01 protocol: the secret in a
// "secret" header and the identity chosen by "clientid" (empty means
// the system-assigned one).
func (m *Managed) azureML(x *exchange) reply {
	r := x.r
	switch s := r.Header.Get("Secret"); {
	case s == "":
		return appServiceError(http.StatusBadRequest, "The secret header is missing.")
	case s != m.secret:
		return appServiceError(http.StatusUnauthorized, "The secret header does not match.")
	}
	q := r.URL.Query()
	bad := func(msg string) reply { return appServiceError(http.StatusBadRequest, msg) }
	if rep, ok := requireQuery(q, AzureMLAPIVersion, bad); !ok {
		return rep
	}
	x.rec.Resource = q.Get("resource")
	kind := ""
	if q.Get("clientid") != "" {
		kind = "client_id"
	}
	id, _, ok := m.findIdentity(kind, q.Get("clientid"))
	if !ok {
		return appServiceError(http.StatusBadRequest, "No managed identity with client id '"+q.Get("clientid")+"' is assigned to this compute.")
	}
	tok, _, exp, err := m.mint(x, id, q.Get("resource"))
	if err != nil {
		return m.injectedError(r, EndpointAzureML, http.StatusInternalServerError)
	}
	return m.finish(x, map[string]any{
		"access_token": tok,
		"expires_on":   strconv.FormatInt(exp.Unix(), 10),
		"resource":     q.Get("resource"),
		"token_type":   "Bearer",
		"client_id":    id.ClientID,
	})
}

// serviceFabric answers Service Fabric's 2019-07-01-preview protocol.
// The identity is fixed by the cluster, so there is no selector.
func (m *Managed) serviceFabric(x *exchange) reply {
	r := x.r
	switch s := r.Header.Get("Secret"); {
	case s == "":
		return serviceFabricError(http.StatusBadRequest, "SecretHeaderNotFound", "Secret is not found in the request headers.")
	case s != m.secret:
		return serviceFabricError(http.StatusUnauthorized, "SecretHeaderInvalid", "The Secret header does not match.")
	}
	q := r.URL.Query()
	bad := func(msg string) reply { return serviceFabricError(http.StatusBadRequest, "InvalidParameter", msg) }
	if rep, ok := requireQuery(q, ServiceFabricAPIVersion, bad); !ok {
		return rep
	}
	x.rec.Resource = q.Get("resource")
	id, msg, ok := m.findIdentity("", "")
	if !ok {
		return serviceFabricError(http.StatusBadRequest, "ManagedIdentityNotFound", msg)
	}
	tok, _, exp, err := m.mint(x, id, q.Get("resource"))
	if err != nil {
		return m.injectedError(r, EndpointServiceFabric, http.StatusInternalServerError)
	}
	return m.finish(x, map[string]any{
		"token_type":   "Bearer",
		"access_token": tok,
		"expires_on":   exp.Unix(), // a number here, unlike every other source
		"resource":     q.Get("resource"),
	})
}

// imdsStyleToken is the token answer of IMDS, Arc and Cloud Shell, whose
// numbers are all strings. The selector the caller used is echoed, which
// MSAL requires of Arc to trust a user-assigned token.
func (m *Managed) imdsStyleToken(x *exchange, id Identity, resource, kind string) reply {
	tok, iat, exp, err := m.mint(x, id, resource)
	if err != nil {
		return m.injectedError(x.r, EndpointIMDS, http.StatusInternalServerError)
	}
	secs := strconv.FormatInt(int64(exp.Sub(iat)/time.Second), 10)
	body := map[string]any{
		"access_token":   tok,
		"client_id":      id.ClientID,
		"expires_in":     secs,
		"expires_on":     strconv.FormatInt(exp.Unix(), 10),
		"ext_expires_in": secs,
		"not_before":     strconv.FormatInt(iat.Unix(), 10),
		"resource":       resource,
		"token_type":     "Bearer",
	}
	switch kind {
	case "object_id":
		body["object_id"] = id.ObjectID
	case "resource_id":
		body["msi_res_id"] = id.ResourceID
	}
	return m.finish(x, body)
}

// finish applies the content faults to a token answer.
func (m *Managed) finish(x *exchange, body map[string]any) reply {
	if x.fault.ExpiresOnPast {
		past := time.Now().Add(-time.Hour).Unix()
		switch body["expires_on"].(type) {
		case string:
			body["expires_on"] = strconv.FormatInt(past, 10)
		default:
			body["expires_on"] = past
		}
		if _, ok := body["expires_in"]; ok {
			body["expires_in"] = "-3600"
		}
	}
	if x.fault.NoAccessToken {
		delete(body, "access_token")
	}
	return jsonReply(http.StatusOK, body)
}

// mint issues a managed identity access token: a v1 token for resource,
// naming the identity by object id, client id and resource id.
func (m *Managed) mint(x *exchange, id Identity, resource string) (tok string, iat, exp time.Time, err error) {
	now := time.Now()
	iat, exp = now, now.Add(m.lifetime)
	claimIat, claimExp := iat, exp
	if x.fault.AlreadyExpiredToken {
		claimIat, claimExp = now.Add(-m.lifetime-time.Hour), now.Add(-time.Hour)
	}
	tok, err = m.minter.Mint(map[string]any{
		"aud":       resource,
		"iss":       strings.ReplaceAll(m.issuer, "{tenant}", m.tenant),
		"tid":       m.tenant,
		"oid":       id.ObjectID,
		"sub":       id.ObjectID,
		"appid":     id.ClientID,
		"appidacr":  "2",
		"idtyp":     "app",
		"ver":       "1.0",
		"uti":       randomHex(8),
		"xms_mirid": id.ResourceID,
		"iat":       claimIat.Unix(),
		"nbf":       claimIat.Unix(),
		"exp":       claimExp.Unix(),
	})
	return tok, iat, exp, err
}
