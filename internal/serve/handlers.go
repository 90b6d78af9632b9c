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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
)

// ServeHTTP routes a request to its protocol and writes the access log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &record{ResponseWriter: w}
	switch path := r.URL.Path; {
	case s.emu != nil && s.emu.serveHTTP(rec, r):
		// Public documents (an issuer name and a public key), served to
		// any Host and any page as Entra ID serves its own: see guard.go.
	case !s.guard(rec, r):
	case protocolFor(path) != nil:
		s.serveProtocol(protocolFor(path), rec, r)
	case strings.EqualFold(path, pathPlatformMetadata):
		// MSAL for .NET asks this before IMDS v2; a 404 keeps it on v1,
		// which is what serve speaks.
		rec.note = "IMDS v2 not served"
		writeIMDSError(rec, http.StatusNotFound, "not_found", "aztoken serve speaks IMDS v1 only (/metadata/identity/oauth2/token).")
	default:
		rec.note = "no such path"
		var served []string
		for _, p := range protocols {
			if p.off == nil || p.off(s) == "" {
				served = append(served, p.shown()+" ("+p.name+")")
			}
		}
		http.Error(rec, "404 not found: aztoken serve answers "+strings.Join(served, ", "), http.StatusNotFound)
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

// serveProtocol answers a token request of protocol p: whether it is
// served here, the method, who may ask, the request's parameters and the
// identity, then the token (answer).
func (s *Server) serveProtocol(p *protocol, w *record, r *http.Request) {
	if p.off != nil {
		if why := p.off(s); why != "" {
			w.note = p.name + " is off"
			p.fail(w, http.StatusNotFound, "not_found", why)
			return
		}
	}
	if r.Method != p.method {
		w.Header().Set("Allow", p.method)
		p.fail(w, http.StatusMethodNotAllowed, "invalid_request", fmt.Sprintf("The %s protocol takes %s requests only.", p.name, p.method))
		return
	}
	if !p.authenticate(s, w, r) {
		return
	}
	params, ok := p.request(p, w, r)
	if !ok {
		return
	}
	id, problem := identityFrom(params, p)
	if problem != "" {
		p.fail(w, http.StatusBadRequest, "invalid_request", problem)
		return
	}
	s.answer(w, r, p, params.Get("resource"), id)
}

// identityFrom reads p's user-assigned identity parameters; at most one
// may be given, once. problem, when not empty, is the sentence to answer
// with.
func identityFrom(q url.Values, p *protocol) (id Identity, problem string) {
	names := p.ids
	if problem := strangeIdentityParam(q, p); problem != "" {
		return Identity{}, problem
	}
	var given []string
	pick := func(names []string, dst *string) {
		for _, n := range names {
			if v := q.Get(n); v != "" {
				*dst = v
				given = append(given, n)
			}
		}
	}
	pick(names.client, &id.ClientID)
	pick(names.object, &id.ObjectID)
	pick(names.resource, &id.ResourceID)
	if len(given) > 1 {
		return Identity{}, fmt.Sprintf("Only one of %s may be given; this request has %s.", strings.Join(names.all(), ", "), strings.Join(given, " and "))
	}
	// The rule of --client-id, --object-id and --resource-id: every
	// provider (and what it keeps per identity) sees only well-formed
	// ids.
	for _, c := range []struct{ kind, value string }{{"client_id", id.ClientID}, {"object_id", id.ObjectID}, {"resource_id", id.ResourceID}} {
		if c.value == "" {
			continue
		}
		if err := resources.CheckIdentityID(c.kind, c.value); err != nil {
			return Identity{}, fmt.Sprintf("%s %s %s; ask for a user-assigned identity by its client id or object id (a GUID), or by its Azure resource id.", given[0], human.Quote(bounded(c.value, 100)), err)
		}
	}
	return id, ""
}

// strangeIdentityParam refuses a parameter that names an identity in a
// spelling that is not p's own (CLIENT_ID, clientid, another protocol's
// principal_id or msi_res_id) and one of p's own given twice. Ignored,
// either would hand out the system-assigned identity's token, or
// whichever value came first, to a client that asked for another.
func strangeIdentityParam(q url.Values, p *protocol) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	own := p.ids.all()
	for _, k := range keys {
		if !looksLikeIdentity(k) {
			continue
		}
		switch {
		case !slices.Contains(own, k) && len(own) == 0:
			return fmt.Sprintf("The %s protocol serves the system-assigned identity only; this request names one with %s. Use the App Service protocol (IDENTITY_ENDPOINT) for a user-assigned identity.", p.name, human.Quote(bounded(k, 50)))
		case !slices.Contains(own, k):
			return fmt.Sprintf("%s is not a parameter of the %s protocol; it names a user-assigned identity with %s (spelled exactly so).", human.Quote(bounded(k, 50)), p.name, strings.Join(own, ", "))
		case len(q[k]) > 1:
			return fmt.Sprintf("%s is given %d times; give it once.", k, len(q[k]))
		}
	}
	return ""
}

// looksLikeIdentity reports whether a parameter name, without regard to
// case, '_' and '-', is a name some protocol or --map-identity uses for
// a user-assigned identity.
func looksLikeIdentity(name string) bool {
	return identityNamesFolded()[foldParamName(name)]
}

// identityNamesFolded is the set looksLikeIdentity looks names up in,
// built on the first request that asks: the names never change.
var identityNamesFolded = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	for _, n := range append(identityParamNames(), "resource_id") {
		set[foldParamName(n)] = true
	}
	return set
})

// foldParamName lower-cases s as strings.ToLower does and drops '_' and
// '-', in one pass.
func foldParamName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// all is every name, in the order the protocol documents them.
func (n identityParams) all() []string {
	return append(append(append([]string(nil), n.client...), n.object...), n.resource...)
}

// answer checks the resource and writes a token in the protocol's shape.
func (s *Server) answer(w *record, r *http.Request, p *protocol, resource string, id Identity) {
	w.id = id
	fail := func(status int, code, msg string) { p.fail(w, status, code, msg) }
	if resource == "" {
		fail(http.StatusBadRequest, "invalid_request", "Required query parameter resource not specified")
		return
	}
	if err := resources.CheckShape(resource); err != nil {
		w.note = "invalid resource"
		fail(http.StatusBadRequest, "invalid_resource", resourceProblem(resource, err))
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

// resourceProblem is the sentence for a resource that failed the shape
// rule (err says how). A bare word is named as one, with the URI of the
// alias it is or most likely means: SDK clients send the URI itself, and
// serve expands no alias, as Azure's endpoints expand none.
func resourceProblem(resource string, err error) string {
	q := human.Quote(bounded(resource, 100))
	if strings.Contains(resource, "/") || resources.Validate(resource) != nil {
		return fmt.Sprintf("The resource %s %s.", q, err)
	}
	msg := fmt.Sprintf("The resource %s is a word, not a resource URI or app id; clients send the URI itself, since serve, like Azure's endpoints, expands no alias", q)
	if uri := resources.Expand(resource); uri != resource {
		msg += fmt.Sprintf(" (%s is aztoken get's alias for %s)", q, uri)
	} else if a := resources.Suggest(resource); a != "" {
		return msg + fmt.Sprintf("; did you mean %s?", resources.Expand(a))
	}
	return msg + "."
}

// failure is the answer to an upstream error: the protocol's "identity
// not found" when the upstream cannot honour the identity asked for, 504
// when it timed out and 503 when it is down (SDKs retry both), and 400
// with the source's sentence and hint for the rest (not logged in, say),
// which SDKs do not retry.
func failure(err error, p *protocol, id Identity) (status int, code, msg string) {
	if errors.Is(err, ErrIdentityNotFound) {
		why := "aztoken serve: the upstream cannot give a token for " + id.String() + "; restart it with --map-identity " + strings.Replace(id.String(), "resource_id=", "mi_res_id=", 1) + " to answer with the upstream's own identity."
		return http.StatusBadRequest, "invalid_request", p.notFound + " (" + why + ")"
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
	var ce *chain.NoTokenError
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

func writeToken(w *record, p *protocol, tok chain.Token, fetched time.Time, resource string, id Identity, now time.Time) {
	w.token = true
	writeJSON(w, http.StatusOK, p.token(tokenAnswer{tok: tok, fetched: fetched, resource: resource, clientID: clientIDOf(tok, id), now: now}))
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
