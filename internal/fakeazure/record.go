package fakeazure

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Request is what a fake recorded about one request. It never holds the
// value of a secret: headers are kept by name only, form fields by key,
// and secret query parameters are redacted.
type Request struct {
	Time     time.Time
	Endpoint string // one of the Endpoint constants
	Method   string
	Path     string
	// RawQuery is the query string with the values of secret parameters
	// (client_secret, password, client_assertion, secret) redacted.
	RawQuery string
	// HeaderNames are the canonical names of the request headers, sorted.
	HeaderNames []string
	// Metadata reports a "Metadata: true" header.
	Metadata bool
	// Secret reports a non-empty secret header: X-IDENTITY-HEADER (App
	// Service), secret/Secret (Azure ML, Service Fabric) or Authorization
	// (Azure Arc's second request).
	Secret bool
	// FormKeys are the keys of a form body, sorted.
	FormKeys []string
	// GrantType, ClientID and Scope are copied from a token request's form
	// (none of them is secret).
	GrantType string
	ClientID  string
	Scope     string
	// Resource is the resource a managed identity request asked for.
	Resource string
	// Credential says how a token request authenticated: "secret",
	// "certificate", "assertion" (federated), "password", "refresh_token"
	// or "" when it did not.
	Credential string
	// X5C reports an x5c header in a certificate client assertion.
	X5C bool
	// Status is the status the fake answered with (0 when it never did).
	Status int
	// Fault reports that a fault was applied to this request.
	Fault bool
}

// secretParams are query and form keys whose values must not be recorded.
var secretParams = []string{"client_secret", "password", "client_assertion", "secret", "refresh_token", "assertion"}

// recorder keeps the requests of one fake, safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	reqs   []Request
	counts map[string]int
}

func (r *recorder) add(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.reqs = append(r.reqs, req)
	r.counts[req.Endpoint]++
}

func (r *recorder) requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) count(endpoint string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[endpoint]
}

func (r *recorder) allCounts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
	r.counts = nil
}

// newRequestRecord captures the parts of r that are safe to keep. Call it
// after r.ParseForm so the form keys are known.
func newRequestRecord(endpoint string, r *http.Request) Request {
	rec := Request{
		Time:     time.Now(),
		Endpoint: endpoint,
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: redactQuery(r.URL.RawQuery),
		Metadata: strings.EqualFold(r.Header.Get("Metadata"), "true"),
		Secret: r.Header.Get("X-Identity-Header") != "" ||
			r.Header.Get("Secret") != "" ||
			r.Header.Get("Authorization") != "",
	}
	for name := range r.Header {
		rec.HeaderNames = append(rec.HeaderNames, name)
	}
	slices.Sort(rec.HeaderNames)
	if r.PostForm != nil {
		for k := range r.PostForm {
			rec.FormKeys = append(rec.FormKeys, k)
		}
		slices.Sort(rec.FormKeys)
		rec.GrantType = r.PostForm.Get("grant_type")
		rec.ClientID = r.PostForm.Get("client_id")
		rec.Scope = r.PostForm.Get("scope")
	}
	return rec
}

// redactQuery replaces the values of secret parameters in a raw query.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		// An unparsable query could hide anything; keep none of it.
		return "(unparsable query)"
	}
	changed := false
	for _, k := range secretParams {
		if _, ok := q[k]; ok {
			q[k] = []string{"REDACTED"}
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return q.Encode()
}
