package fakeazure

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ACR endpoint names, for Count.
const (
	ACRExchange = "exchange"
	ACRToken    = "token"
	ACRV2       = "v2"
)

// ACRResource is the audience an Entra ID token must have for the
// exchange: the one every registry accepts.
const ACRResource = "https://containerregistry.azure.net"

// ACROptions shape a fake Azure Container Registry token service.
type ACROptions struct {
	// Entra is the fake whose keys the exchange checks tokens against.
	Entra *Entra
	// Hosts are extra names the TLS certificate is valid for, such as
	// "azdreg.azurecr.io" (reached through AZTOKEN_TEST_RESOLVE).
	Hosts []string
	// Upstream, when set, is a real registry (http://127.0.0.1:port) that
	// /v2/ is passed to; it must trust SigningCertPEM for its tokens.
	// Without it /v2/ answers only the 401 challenge.
	Upstream string
	// Service is the service name in the challenge and in registry
	// tokens; the listening host:port when empty.
	Service string
}

// ACR is a loopback fake of a registry's token service, as Azure
// Container Registry has it: the /v2/ challenge, /oauth2/exchange (an
// Entra ID token for a refresh token) and /oauth2/token (a refresh token
// for a registry access token, signed with a certificate a real registry
// can be told to trust).
type ACR struct {
	srv     *httptest.Server
	cert    *serverCert
	key     *rsa.PrivateKey
	signDER []byte
	entra   *Entra
	service string
	proxy   *httputil.ReverseProxy
	refuse  atomic.Bool
	echo    atomic.Bool

	mu     sync.Mutex
	counts map[string]int
}

// NewACR starts the fake on a loopback port, over TLS.
func NewACR(o ACROptions) (*ACR, error) {
	if o.Entra == nil {
		return nil, fmt.Errorf("the ACR fake needs an Entra fake to check tokens against")
	}
	cert, err := newServerCert("acr", o.Hosts...)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "fakeazure acr token signer"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	a := &ACR{cert: cert, key: key, signDER: der, entra: o.Entra, counts: map[string]int{}}
	if o.Upstream != "" {
		u, err := url.Parse(o.Upstream)
		if err != nil {
			return nil, err
		}
		a.proxy = httputil.NewSingleHostReverseProxy(u)
		a.proxy.ErrorLog = log.New(io.Discard, "", 0)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/", a.v2)
	mux.HandleFunc("POST /oauth2/exchange", a.exchange)
	mux.HandleFunc("/oauth2/token", a.token)
	a.srv = httptest.NewUnstartedServer(mux)
	startTLS(a.srv, cert)
	a.service = o.Service
	if a.service == "" {
		a.service = a.Host()
	}
	return a, nil
}

// URL is https://127.0.0.1:port.
func (a *ACR) URL() string { return a.srv.URL }

// Host is 127.0.0.1:port.
func (a *ACR) Host() string { return strings.TrimPrefix(a.srv.URL, "https://") }

// Port is the port the fake listens on.
func (a *ACR) Port() string { _, p, _ := net.SplitHostPort(a.Host()); return p }

// CACertPEM is the TLS certificate clients must trust.
func (a *ACR) CACertPEM() []byte { return a.cert.PEM() }

// SigningCertPEM is the certificate registry tokens are signed with: a
// real registry's auth.token.rootcertbundle.
func (a *ACR) SigningCertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.signDER})
}

// Issuer is the iss of registry tokens: a real registry's
// auth.token.issuer.
func (a *ACR) Issuer() string { return "fakeazure-acr" }

// Refuse makes the exchange refuse every Entra ID token with 401, as a
// registry does when the identity has no role on it.
func (a *ACR) Refuse(on bool) { a.refuse.Store(on) }

// EchoRefusal makes a refusal quote the token it was sent, as a careless
// proxy or registry might: the helper must not pass it on.
func (a *ACR) EchoRefusal(on bool) { a.echo.Store(on) }

// Count is how many requests an endpoint got.
func (a *ACR) Count(endpoint string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[endpoint]
}

// Close stops the fake.
func (a *ACR) Close() { a.srv.Close() }

func (a *ACR) hit(endpoint string) {
	a.mu.Lock()
	a.counts[endpoint]++
	a.mu.Unlock()
}

func (a *ACR) v2(w http.ResponseWriter, r *http.Request) {
	a.hit(ACRV2)
	if a.proxy != nil {
		r.Header.Set("X-Forwarded-Proto", "https")
		a.proxy.ServeHTTP(w, r)
		return
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/oauth2/token",service="%s"`, a.URL(), a.service))
	acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
}

func acrError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (a *ACR) exchange(w http.ResponseWriter, r *http.Request) {
	a.hit(ACRExchange)
	if err := r.ParseForm(); err != nil {
		acrError(w, http.StatusBadRequest, "BAD_REQUEST", "the form does not parse")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "access_token" || f.Get("access_token") == "" || f.Get("service") == "" {
		acrError(w, http.StatusBadRequest, "BAD_REQUEST", "grant_type=access_token, service and access_token are required")
		return
	}
	if a.refuse.Load() {
		msg := "the identity has no role on this registry"
		if a.echo.Load() {
			msg += ": " + f.Get("access_token")
		}
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", msg)
		return
	}
	claims, err := Verify(a.entra.Minter(), f.Get("access_token"))
	if err != nil {
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the Entra ID token does not verify")
		return
	}
	if aud, _ := claims["aud"].(string); strings.TrimSuffix(aud, "/") != ACRResource {
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the Entra ID token is not for "+ACRResource)
		return
	}
	tid, _ := claims["tid"].(string)
	if t := f.Get("tenant"); t != "" && t != tid {
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the tenant does not match the token's")
		return
	}
	sub, _ := claims["oid"].(string)
	if sub == "" {
		sub, _ = claims["sub"].(string)
	}
	now := time.Now()
	rt, err := a.sign(jwt.MapClaims{
		"iss": a.Issuer(), "sub": sub, "aud": f.Get("service"), "tid": tid, "grant_type": "refresh_token",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(3 * time.Hour).Unix(), "jti": randomID(),
	})
	if err != nil {
		acrError(w, http.StatusInternalServerError, "INTERNAL", "signing failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"refresh_token": rt})
}

// token answers the registry token requests a docker daemon makes with
// what the helper gave it: GET with Basic authentication (user name
// 00000000-0000-0000-0000-000000000000, the refresh token as password),
// as after az acr login, or POST with grant_type=refresh_token.
func (a *ACR) token(w http.ResponseWriter, r *http.Request) {
	a.hit(ACRToken)
	var refresh string
	switch {
	case r.Method == http.MethodGet:
		user, pass, ok := r.BasicAuth()
		if !ok || user != "00000000-0000-0000-0000-000000000000" {
			acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "basic authentication with the refresh token's user name is required")
			return
		}
		refresh = pass
	case r.Method == http.MethodPost && r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token":
		refresh = r.PostForm.Get("refresh_token")
	default:
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "GET with a refresh token as password, or POST with grant_type=refresh_token")
		return
	}
	_ = r.ParseForm()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(refresh, claims, func(*jwt.Token) (any, error) { return &a.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(a.Issuer()))
	if err != nil || claims["grant_type"] != "refresh_token" {
		acrError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the refresh token does not verify")
		return
	}
	var access []map[string]any
	for _, scope := range r.Form["scope"] {
		for _, s := range strings.Fields(scope) {
			parts := strings.Split(s, ":")
			if len(parts) != 3 {
				continue
			}
			access = append(access, map[string]any{"type": parts[0], "name": parts[1], "actions": strings.Split(parts[2], ",")})
		}
	}
	now := time.Now()
	tok, err := a.sign(jwt.MapClaims{
		"iss": a.Issuer(), "sub": claims["sub"], "aud": r.Form.Get("service"), "access": access,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "jti": randomID(),
	})
	if err != nil {
		acrError(w, http.StatusInternalServerError, "INTERNAL", "signing failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token": tok, "expires_in": 3600})
}

// sign makes an RS256 JWT whose x5c names the signing certificate, the
// form a registry's token authentication verifies against its bundle.
func (a *ACR) sign(c jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(a.signDER)}
	return t.SignedString(a.key)
}
