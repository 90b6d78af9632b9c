package serve

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
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

// protocol is one managed-identity protocol serve speaks: everything the
// router (ServeHTTP), the guard (the shape of its refusal), the access
// log (a secret in the path) and the banner (how a process on this
// machine points at it) need to know of it. Adding a protocol is adding
// one value to protocols (docs/architecture.md has the checklist).
type protocol struct {
	name string // for messages: "App Service"
	path string // where it is served
	// secretInPath: the path below path is the run's secret (Cloud Shell,
	// whose clients send no secret header); the access log masks it.
	secretInPath bool
	method       string
	// ids are the parameters that name a user-assigned identity, in the
	// protocol's own spellings; empty: the system-assigned identity only.
	ids identityParams
	// off, when set, says why this server does not serve the protocol
	// (IMDS with --imds off); "" means it is served.
	off func(s *Server) string
	// authenticate refuses a client that may not ask (the secret, and for
	// IMDS the link and the Metadata header), answering in the protocol's
	// shape; it reports whether the request may go on.
	authenticate func(s *Server, w *record, r *http.Request) bool
	// request reads the parameters (the query, or Cloud Shell's form) and
	// checks the protocol's own (api-version); false means it answered.
	request func(p *protocol, w *record, r *http.Request) (url.Values, bool)
	// token is the answer's JSON for a token.
	token func(t tokenAnswer) any
	// fail writes an error in the protocol's shape; code is OAuth's error
	// code, for shapes that have one.
	fail func(w *record, status int, code, msg string)
	// notFound is the protocol's own words for an identity it cannot
	// give a token for.
	notFound string
	// local is the banner's line for a process on this machine, with the
	// server's base URL; "" for none.
	local func(s *Server, base string) string
}

// identityParams are a protocol's names for a user-assigned identity's
// client id, object id and Azure resource id.
type identityParams struct {
	client, object, resource []string
}

// tokenAnswer is what every protocol's token shape is made from.
type tokenAnswer struct {
	tok      chain.Token
	fetched  time.Time
	resource string
	clientID string
	now      time.Time
}

// protocols are the protocols serve speaks, in the order the banner and
// the 404 answer name them.
var protocols = []*protocol{appService, cloudShell, imdsProtocol}

// protocolFor is the protocol served at path, or nil.
func protocolFor(path string) *protocol {
	for _, p := range protocols {
		if path == p.path || p.secretInPath && strings.HasPrefix(path, p.path+"/") {
			return p
		}
	}
	return nil
}

// shown is the protocol's path as messages name it.
func (p *protocol) shown() string {
	if p.secretInPath {
		return p.path + "/<secret>"
	}
	return p.path
}

var appService = &protocol{
	name:   "App Service",
	path:   PathAppService,
	method: http.MethodGet,
	ids:    identityParams{client: []string{"client_id"}, object: []string{"object_id", "principal_id"}, resource: []string{"mi_res_id"}},
	authenticate: func(s *Server, w *record, r *http.Request) bool {
		return s.secretPresented(w, r.Header.Get(secretHeader), secretRefusal(w, writeAppServiceError),
			"The X-IDENTITY-HEADER header is missing; set IDENTITY_HEADER to the secret aztoken serve printed.",
			"The X-IDENTITY-HEADER header does not match; set IDENTITY_HEADER to the secret this run of aztoken serve printed (it changes on every start).")
	},
	request: func(p *protocol, w *record, r *http.Request) (url.Values, bool) {
		q := r.URL.Query()
		if v := q.Get("api-version"); v != appServiceAPIVersion {
			p.fail(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("api-version %q is not supported; aztoken serve speaks App Service api-version %s.", v, appServiceAPIVersion))
			return nil, false
		}
		return q, true
	},
	// App Service's 2019-08-01 answer: expires_on is epoch seconds in a
	// string (Python parses it with int(), MSAL and JavaScript accept
	// it), and there is no expires_in.
	token: func(t tokenAnswer) any {
		return struct {
			AccessToken string `json:"access_token"`
			ExpiresOn   string `json:"expires_on"`
			NotBefore   string `json:"not_before"`
			Resource    string `json:"resource"`
			TokenType   string `json:"token_type"`
			ClientID    string `json:"client_id"`
		}{t.tok.AccessToken, t.expiresOn(), t.notBefore(), t.resource, t.tokenType(), t.clientID}
	},
	fail:     writeAppServiceError,
	notFound: "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.",
	local: func(s *Server, base string) string {
		return fmt.Sprintf("IDENTITY_ENDPOINT=%s%s IDENTITY_HEADER=%s   (App Service: Go, Python, JavaScript, .NET, Java)", base, PathAppService, s.secret)
	},
}

var imdsProtocol = &protocol{
	name:   "IMDS",
	path:   PathIMDS,
	method: http.MethodGet,
	ids:    identityParams{client: []string{"client_id"}, object: []string{"object_id"}, resource: []string{"msi_res_id", "mi_res_id"}},
	off: func(s *Server) string {
		if s.imdsOn {
			return ""
		}
		return "aztoken serve has IMDS turned off (--imds off); use the App Service protocol (IDENTITY_ENDPOINT=" + PathAppService + ", IDENTITY_HEADER) instead."
	},
	authenticate: func(s *Server, w *record, r *http.Request) bool {
		fail := func(status int, code, msg string) { writeIMDSError(w, status, code, msg) }
		if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
			w.note = "forwarded request refused"
			fail(http.StatusForbidden, "forbidden", "Requests with an X-Forwarded-For or Forwarded header are refused, as Azure's IMDS refuses them.")
			return false
		}
		if !s.imdsSecret && !s.link.admits(r.RemoteAddr) {
			w.note = "refused: remote address neither loopback nor on the listen address's link"
			fail(http.StatusForbidden, "forbidden", "This IMDS endpoint has no secret and answers only this machine and the containers on the network of its listen address; your address is neither.")
			return false
		}
		if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
			w.note = "no Metadata header"
			fail(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
			return false
		}
		needSecret, missing := s.imdsSecret, "This server requires the X-IDENTITY-HEADER secret on IMDS requests; use the App Service protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER) instead."
		if !needSecret && !s.hosts.own(r.Host) {
			// Docker Desktop's proxy makes a container look like a local
			// process; only the name it dialled tells them apart.
			needSecret, missing = true, "This IMDS endpoint answers without a secret only requests addressed to 127.0.0.1, localhost or its listen address; a request for another name (such as host.docker.internal, which containers behind Docker Desktop use) needs the X-IDENTITY-HEADER secret: use the App Service protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER), or aztoken's relay (docs/containers.md)."
		}
		return !needSecret || s.secretPresented(w, r.Header.Get(secretHeader), secretRefusal(w, writeIMDSError), missing,
			"The X-IDENTITY-HEADER header does not match the secret this run of aztoken serve printed.")
	},
	request: func(p *protocol, w *record, r *http.Request) (url.Values, bool) {
		q := r.URL.Query()
		if q.Get("api-version") == "" {
			p.fail(w, http.StatusBadRequest, "invalid_request", "Required query parameter api-version not specified")
			return nil, false
		}
		return q, true
	},
	token:    imdsToken,
	fail:     writeIMDSError,
	notFound: "Identity not found",
	local: func(s *Server, base string) string {
		switch {
		case !s.imdsOn:
			return ""
		case s.imdsSecret:
			return fmt.Sprintf("IMDS at %s%s requires the X-IDENTITY-HEADER secret here", base, PathIMDS)
		case s.opts.IMDS == IMDSOpen:
			return fmt.Sprintf("AZURE_POD_IDENTITY_AUTHORITY_HOST=%s   (IMDS: Python and .NET)", base)
		}
		return fmt.Sprintf("AZURE_POD_IDENTITY_AUTHORITY_HOST=%s   (IMDS: Python and .NET; no secret, any local process may ask)", base)
	},
}

var cloudShell = &protocol{
	name:         "Cloud Shell",
	path:         PathCloudShell,
	secretInPath: true,
	method:       http.MethodPost,
	authenticate: func(s *Server, w *record, r *http.Request) bool {
		// The secret is the path segment after /cloudshell/, since Cloud
		// Shell clients send no secret header; a client that can send one
		// may use the header on /cloudshell instead.
		got := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, PathCloudShell), "/")
		if got == "" {
			got = r.Header.Get(secretHeader)
		}
		if !s.secretPresented(w, got, secretRefusal(w, writeIMDSError),
			"The Cloud Shell endpoint needs the secret in its path: set MSI_ENDPOINT to the URL aztoken serve printed.",
			"The secret in the Cloud Shell URL does not match; set MSI_ENDPOINT to the URL this run of aztoken serve printed (it changes on every start).") {
			return false
		}
		if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
			w.note = "no Metadata header"
			writeIMDSError(w, http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
			return false
		}
		return true
	},
	request: func(p *protocol, w *record, r *http.Request) (url.Values, bool) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				p.fail(w, http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("The request body is over %d bytes; a Cloud Shell token request is one short form field.", maxBodyBytes))
				return nil, false
			}
			p.fail(w, http.StatusBadRequest, "invalid_request", "The request body is not a form (application/x-www-form-urlencoded with resource=...).")
			return nil, false
		}
		return r.PostForm, true
	},
	// Cloud Shell answers as IMDS does.
	token:    imdsToken,
	fail:     writeIMDSError,
	notFound: "Identity not found",
	local: func(s *Server, base string) string {
		return fmt.Sprintf("MSI_ENDPOINT=%s%s/%s   (Cloud Shell: az login --identity, older SDKs)", base, PathCloudShell, s.secret)
	},
}

// imdsToken is IMDS's 2018-02-01 answer, every number a string; Cloud
// Shell answers the same way.
func imdsToken(t tokenAnswer) any {
	in := strconv.FormatInt(max(int64(t.tok.ExpiresOn.Sub(t.now)/time.Second), 0), 10)
	return struct {
		AccessToken  string `json:"access_token"`
		ClientID     string `json:"client_id"`
		ExpiresIn    string `json:"expires_in"`
		ExpiresOn    string `json:"expires_on"`
		ExtExpiresIn string `json:"ext_expires_in"`
		NotBefore    string `json:"not_before"`
		Resource     string `json:"resource"`
		TokenType    string `json:"token_type"`
	}{t.tok.AccessToken, t.clientID, in, t.expiresOn(), in, t.notBefore(), t.resource, t.tokenType()}
}

func (t tokenAnswer) expiresOn() string { return strconv.FormatInt(t.tok.ExpiresOn.Unix(), 10) }
func (t tokenAnswer) notBefore() string { return strconv.FormatInt(t.fetched.Unix(), 10) }

// tokenType is the token's type as the SDKs expect it spelled.
func (t tokenAnswer) tokenType() string {
	if tt := t.tok.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return tt
	}
	return "Bearer"
}

// writeAppServiceError uses App Service's error shape, which has no code.
func writeAppServiceError(w *record, status int, _, msg string) {
	writeJSON(w, status, struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}{status, msg})
}

// writeIMDSError uses IMDS's (OAuth's) error shape.
func writeIMDSError(w *record, status int, code, msg string) {
	writeJSON(w, status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, msg})
}

// writeErrorFor answers in the error shape of the protocol that path
// belongs to, or in plain text.
func writeErrorFor(w *record, path string, status int, code, msg string) {
	if p := protocolFor(path); p != nil {
		p.fail(w, status, code, msg)
		return
	}
	http.Error(w, msg, status)
}

// secretRefusal adapts an error writer to secretPresented: 401 is
// "unauthorized", 403 "forbidden".
func secretRefusal(w *record, fail func(w *record, status int, code, msg string)) func(int, string) {
	return func(status int, msg string) {
		code := "forbidden"
		if status == http.StatusUnauthorized {
			code = "unauthorized"
		}
		fail(w, status, code, msg)
	}
}
