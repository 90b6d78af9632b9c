package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/resources"
)

// Paths of the protocols.
const (
	PathAppService = "/msi/token"
	PathIMDS       = "/metadata/identity/oauth2/token"
	PathCloudShell = "/cloudshell"

	pathPlatformMetadata = "/metadata/identity/getPlatformMetadata"

	appServiceAPIVersion = "2019-08-01"
	secretHeader         = "X-IDENTITY-HEADER"
)

// protocol selects the error and token shapes.
type protocol int

const (
	protoAppService protocol = iota
	protoIMDS
	protoCloudShell
)

// ServeHTTP routes a request to its protocol and writes the access log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &record{ResponseWriter: w}
	switch p := r.URL.Path; {
	case s.emu != nil && s.emu.serveHTTP(rec, r):
		// Public documents (an issuer name and a public key), served to
		// any Host and any page as Entra ID serves its own: see guard.go.
	case !s.guard(rec, r):
	case p == PathAppService:
		s.appService(rec, r)
	case p == PathIMDS && s.imdsOn:
		s.imds(rec, r)
	case p == PathIMDS:
		rec.note = "IMDS is off"
		writeIMDSError(rec, http.StatusNotFound, "not_found", "aztoken serve has IMDS turned off (--imds off); use the App Service protocol (IDENTITY_ENDPOINT="+PathAppService+", IDENTITY_HEADER) instead.")
	case p == PathCloudShell || strings.HasPrefix(p, PathCloudShell+"/"):
		s.cloudShell(rec, r)
	case strings.EqualFold(p, pathPlatformMetadata):
		// MSAL for .NET asks this before IMDS v2; a 404 keeps it on v1,
		// which is what serve speaks.
		rec.note = "IMDS v2 not served"
		writeIMDSError(rec, http.StatusNotFound, "not_found", "aztoken serve speaks IMDS v1 only (/metadata/identity/oauth2/token).")
	default:
		rec.note = "no such path"
		imds := PathIMDS + " (IMDS), "
		if !s.imdsOn {
			imds = ""
		}
		http.Error(rec, "404 not found: aztoken serve answers "+PathAppService+" (App Service), "+imds+PathCloudShell+"/<secret> (Cloud Shell)", http.StatusNotFound)
	}
	s.access.write(r, rec, time.Since(start))
}

// secretOK compares in constant time. Hashing first makes the comparison
// independent of the length of what was sent, too.
func (s *Server) secretOK(got string) bool {
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], s.secretSum[:]) == 1
}

// secretPresented refuses a request that lacks the run's secret: 401 when
// none was sent, 403 when it does not match, noted in the access log. The
// messages are the protocol's own words for each case.
func (s *Server) secretPresented(w *record, got string, refuse func(status int, msg string), missing, wrong string) bool {
	switch {
	case got == "":
		w.note = "no secret"
		refuse(http.StatusUnauthorized, missing)
	case !s.secretOK(got):
		w.note = "wrong secret"
		refuse(http.StatusForbidden, wrong)
	default:
		return true
	}
	return false
}

// imdsRefusal adapts the IMDS-style error writer to secretPresented.
func imdsRefusal(fail func(status int, code, msg string)) func(int, string) {
	return func(status int, msg string) {
		code := "forbidden"
		if status == http.StatusUnauthorized {
			code = "unauthorized"
		}
		fail(status, code, msg)
	}
}

func (s *Server) appService(w *record, r *http.Request) {
	fail := func(status int, msg string) { writeAppServiceError(w, status, msg) }
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		fail(http.StatusMethodNotAllowed, "The App Service managed identity protocol takes GET requests only.")
		return
	}
	if !s.secretPresented(w, r.Header.Get(secretHeader), fail,
		"The X-IDENTITY-HEADER header is missing; set IDENTITY_HEADER to the secret aztoken serve printed.",
		"The X-IDENTITY-HEADER header does not match; set IDENTITY_HEADER to the secret this run of aztoken serve printed (it changes on every start).") {
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != appServiceAPIVersion {
		fail(http.StatusBadRequest, fmt.Sprintf("api-version %q is not supported; aztoken serve speaks App Service api-version %s.", v, appServiceAPIVersion))
		return
	}
	id, problem := identityFrom(q, "client_id", []string{"object_id", "principal_id"}, []string{"mi_res_id"})
	if problem != "" {
		fail(http.StatusBadRequest, problem)
		return
	}
	s.answer(w, r, protoAppService, q.Get("resource"), id)
}

func (s *Server) imds(w *record, r *http.Request) {
	fail := func(status int, code, msg string) { writeIMDSError(w, status, code, msg) }
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		w.note = "forwarded request refused"
		fail(http.StatusForbidden, "forbidden", "Requests with an X-Forwarded-For or Forwarded header are refused, as Azure's IMDS refuses them.")
		return
	}
	if !s.imdsSecret && !s.link.admits(r.RemoteAddr) {
		w.note = "refused: remote address neither loopback nor on the listen address's link"
		fail(http.StatusForbidden, "forbidden", "This IMDS endpoint has no secret and answers only this machine and the containers on the network of its listen address; your address is neither.")
		return
	}
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
		w.note = "no Metadata header"
		fail(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
		return
	}
	needSecret, missing := s.imdsSecret, "This server requires the X-IDENTITY-HEADER secret on IMDS requests; use the App Service protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER) instead."
	if !needSecret && !s.hosts.own(r.Host) {
		// Docker Desktop's proxy makes a container look like a local
		// process; only the name it dialled tells them apart.
		needSecret, missing = true, "This IMDS endpoint answers without a secret only requests addressed to 127.0.0.1, localhost or its listen address; a request for another name (such as host.docker.internal, which containers behind Docker Desktop use) needs the X-IDENTITY-HEADER secret: use the App Service protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER), or aztoken's relay (docs/containers.md)."
	}
	if needSecret && !s.secretPresented(w, r.Header.Get(secretHeader), imdsRefusal(fail), missing,
		"The X-IDENTITY-HEADER header does not match the secret this run of aztoken serve printed.") {
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		fail(http.StatusMethodNotAllowed, "invalid_request", "The IMDS token endpoint takes GET requests only.")
		return
	}
	q := r.URL.Query()
	if q.Get("api-version") == "" {
		fail(http.StatusBadRequest, "invalid_request", "Required query parameter api-version not specified")
		return
	}
	id, problem := identityFrom(q, "client_id", []string{"object_id"}, []string{"msi_res_id", "mi_res_id"})
	if problem != "" {
		fail(http.StatusBadRequest, "invalid_request", problem)
		return
	}
	s.answer(w, r, protoIMDS, q.Get("resource"), id)
}

func (s *Server) cloudShell(w *record, r *http.Request) {
	fail := func(status int, code, msg string) { writeIMDSError(w, status, code, msg) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, "invalid_request", "The Cloud Shell protocol takes POST requests only.")
		return
	}
	// The secret is the path segment after /cloudshell/, since Cloud
	// Shell clients send no secret header; a client that can send one may
	// use the header on /cloudshell instead.
	got := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, PathCloudShell), "/")
	if got == "" {
		got = r.Header.Get(secretHeader)
	}
	if !s.secretPresented(w, got, imdsRefusal(fail),
		"The Cloud Shell endpoint needs the secret in its path: set MSI_ENDPOINT to the URL aztoken serve printed.",
		"The secret in the Cloud Shell URL does not match; set MSI_ENDPOINT to the URL this run of aztoken serve printed (it changes on every start).") {
		return
	}
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
		w.note = "no Metadata header"
		fail(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("The request body is over %d bytes; a Cloud Shell token request is one short form field.", maxBodyBytes))
			return
		}
		fail(http.StatusBadRequest, "invalid_request", "The request body is not a form (application/x-www-form-urlencoded with resource=...).")
		return
	}
	// Cloud Shell serves the system-assigned identity only.
	s.answer(w, r, protoCloudShell, r.PostForm.Get("resource"), Identity{})
}

// identityFrom reads the user-assigned identity parameters; at most one
// may be given. problem, when not empty, is the sentence to answer with.
func identityFrom(q url.Values, clientParam string, objectParams, resourceParams []string) (id Identity, problem string) {
	var given []string
	pick := func(names []string, dst *string) {
		for _, n := range names {
			if v := q.Get(n); v != "" {
				*dst = v
				given = append(given, n)
			}
		}
	}
	pick([]string{clientParam}, &id.ClientID)
	pick(objectParams, &id.ObjectID)
	pick(resourceParams, &id.ResourceID)
	if len(given) > 1 {
		return Identity{}, fmt.Sprintf("Only one of %s may be given; this request has %s.", strings.Join(append(append([]string{clientParam}, objectParams...), resourceParams...), ", "), strings.Join(given, " and "))
	}
	for _, v := range []string{id.ClientID, id.ObjectID, id.ResourceID} {
		if len(v) > 512 || strings.ContainsAny(v, "\x00\r\n\"") {
			return Identity{}, "The identity parameter is not a valid id."
		}
	}
	return id, ""
}

// answer checks the resource and writes a token in the protocol's shape.
func (s *Server) answer(w *record, r *http.Request, p protocol, resource string, id Identity) {
	w.id = id
	fail := func(status int, code, msg string) {
		if p == protoAppService {
			writeAppServiceError(w, status, msg)
			return
		}
		writeIMDSError(w, status, code, msg)
	}
	if resource == "" {
		fail(http.StatusBadRequest, "invalid_request", "Required query parameter resource not specified")
		return
	}
	if !validResource(resource) {
		w.note = "invalid resource"
		fail(http.StatusBadRequest, "invalid_resource", "The resource is not a resource URI or app id: use characters A-Z, a-z, 0-9 and ._/:- only.")
		return
	}
	w.resource = resource
	if s.allow != nil && !s.allow[resources.API(resource)] {
		w.note = "resource not allowed"
		fail(http.StatusBadRequest, "invalid_resource", fmt.Sprintf("The resource %s is not in this server's allow list; restart aztoken serve with --allow-resource %s to serve it.", resource, resource))
		return
	}
	asked := id
	if s.mapped.maps(id) {
		// The user chose to answer this identity with the upstream's own.
		w.note = "mapped to the upstream's own identity"
		id = Identity{}
	}
	tok, fetched, err := s.cache.get(r.Context(), resource, id)
	if err != nil {
		if r.Context().Err() != nil {
			// The client went away; there is no one to answer.
			w.status, w.note = 499, "client closed the request"
			return
		}
		status, code, msg := failure(err, p, asked)
		w.note = "upstream: " + err.Error()
		fail(status, code, msg)
		return
	}
	// The answer names the identity the token is for, mapped or not.
	writeToken(w, p, tok, fetched, resource, id, s.now())
}

// failure is the answer to an upstream error: the protocol's "identity
// not found" when the upstream cannot honour the identity asked for, 504
// when it timed out and 503 when it is down (SDKs retry both), and 400
// with the source's sentence and hint for the rest (not logged in, say),
// which SDKs do not retry.
func failure(err error, p protocol, id Identity) (status int, code, msg string) {
	if errors.Is(err, ErrIdentityNotFound) {
		why := "aztoken serve: the upstream cannot give a token for " + id.String() + "; restart it with --map-identity " + strings.Replace(id.String(), "resource_id=", "mi_res_id=", 1) + " to answer with the upstream's own identity."
		if p == protoAppService {
			return http.StatusBadRequest, "", "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId. (" + why + ")"
		}
		return http.StatusBadRequest, "invalid_request", "Identity not found (" + why + ")"
	}
	status, code = http.StatusBadRequest, "invalid_request"
	var up *UpstreamError
	switch {
	case chain.StatusOf(err) == chain.StatusTimedOut || errors.Is(err, context.DeadlineExceeded):
		status, code = http.StatusGatewayTimeout, "gateway_timeout"
	case errors.As(err, &up) && up.Status == http.StatusGatewayTimeout:
		status, code = http.StatusGatewayTimeout, "gateway_timeout"
	case errors.As(err, &up) && up.Status >= 500, upstreamAnswered5xx(err):
		status, code = http.StatusServiceUnavailable, "service_unavailable"
	}
	msg = "aztoken serve could not get a token: " + err.Error()
	if h := chain.HintOf(err); h != "" {
		msg += " (" + h + ")"
	}
	return status, code, msg
}

// upstreamAnswered5xx reports whether the chain stopped at a source whose
// last request got a 5xx answer (Entra ID or a managed-identity endpoint
// that is down): the source's error is a failure, but one worth retrying.
func upstreamAnswered5xx(err error) bool {
	var ce *chain.ChainError
	if !errors.As(err, &ce) {
		return false
	}
	for _, o := range ce.Outcomes {
		if o.Status == chain.StatusFailed && len(o.Requests) > 0 && o.Requests[len(o.Requests)-1].Status >= 500 {
			return true
		}
	}
	return false
}

// appServiceToken is App Service's 2019-08-01 answer: expires_on is epoch
// seconds in a string (Python parses it with int(), MSAL and JavaScript
// accept it), and there is no expires_in.
type appServiceToken struct {
	AccessToken string `json:"access_token"`
	ExpiresOn   string `json:"expires_on"`
	NotBefore   string `json:"not_before"`
	Resource    string `json:"resource"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id"`
}

// imdsToken is IMDS's 2018-02-01 answer, every number a string; Cloud
// Shell answers the same way.
type imdsToken struct {
	AccessToken  string `json:"access_token"`
	ClientID     string `json:"client_id"`
	ExpiresIn    string `json:"expires_in"`
	ExpiresOn    string `json:"expires_on"`
	ExtExpiresIn string `json:"ext_expires_in"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	TokenType    string `json:"token_type"`
}

func writeToken(w *record, p protocol, tok chain.Token, fetched time.Time, resource string, id Identity, now time.Time) {
	clientID := clientIDOf(tok, id)
	tokenType := tok.TokenType
	if tokenType == "" || strings.EqualFold(tokenType, "bearer") {
		tokenType = "Bearer"
	}
	exp := strconv.FormatInt(tok.ExpiresOn.Unix(), 10)
	nbf := strconv.FormatInt(fetched.Unix(), 10)
	var v any
	if p == protoAppService {
		v = appServiceToken{tok.AccessToken, exp, nbf, resource, tokenType, clientID}
	} else {
		in := strconv.FormatInt(max(int64(tok.ExpiresOn.Sub(now)/time.Second), 0), 10)
		v = imdsToken{tok.AccessToken, clientID, in, exp, in, nbf, resource, tokenType}
	}
	writeJSON(w, http.StatusOK, v)
}

func writeJSON(w *record, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings go in; this cannot happen.
		http.Error(w, "encoding the answer failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeAppServiceError uses App Service's error shape.
func writeAppServiceError(w *record, status int, msg string) {
	writeJSON(w, status, struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}{status, msg})
}

// writeErrorFor answers in the error shape of the protocol that path
// belongs to: App Service's, IMDS's (Cloud Shell shares it), or plain text.
func writeErrorFor(w *record, path string, status int, code, msg string) {
	switch {
	case path == PathAppService:
		writeAppServiceError(w, status, msg)
	case path == PathIMDS || path == PathCloudShell || strings.HasPrefix(path, PathCloudShell+"/"):
		writeIMDSError(w, status, code, msg)
	default:
		http.Error(w, msg, status)
	}
}

// writeIMDSError uses IMDS's (OAuth's) error shape.
func writeIMDSError(w *record, status int, code, msg string) {
	writeJSON(w, status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, msg})
}

// clientIDOf is the client id the answer names, as Azure's always does:
// the one asked for, the one the source reported, or the token's own
// appid (azp in v2 tokens); "" only for an opaque token.
func clientIDOf(tok chain.Token, id Identity) string {
	switch {
	case id.ClientID != "":
		return id.ClientID
	case resources.IsGUID(tok.Identity):
		return tok.Identity
	}
	if c, err := claims.Decode(tok.AccessToken); err == nil {
		return c.ClientID()
	}
	return ""
}
