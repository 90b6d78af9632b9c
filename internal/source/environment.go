package source

import (
	"context"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/safefile"
)

// The three ways the environment source can authenticate, as CacheKey
// names them.
const (
	kindSecret      = "secret"
	kindCertificate = "certificate"
	kindPassword    = "password"
)

var kindDetail = map[string]string{
	kindSecret:      "client secret",
	kindCertificate: "client certificate",
	kindPassword:    "username and password",
}

// envSettings is what the environment source read from its variables.
type envSettings struct {
	tenant, clientID string
	kind             string
	secret           string
	certPath         string
	certPassword     string
	sendChain        bool
	username         string
	password         string
	host             string
	region           string
}

// secrets lists the values no message may show.
func (s envSettings) secrets() []string {
	return []string{s.secret, s.certPassword, s.password}
}

const envHint = "to use a service principal, set AZURE_TENANT_ID, AZURE_CLIENT_ID and one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_USERNAME with AZURE_PASSWORD"

// readEnvSettings applies the SDKs' rules to the variables: empty counts as
// unset, and a secret wins over a certificate, which wins over a password.
func readEnvSettings(e env.Env) (envSettings, error) {
	s := envSettings{tenant: e.Get("AZURE_TENANT_ID"), clientID: e.Get("AZURE_CLIENT_ID")}
	for _, v := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID"} {
		if e.Get(v) != "" {
			continue
		}
		if creds := envCredentialVars(e); len(creds) > 0 {
			// A credential without its tenant or client: the user meant
			// to use a service principal, and whatever fails later (managed
			// identity reading AZURE_CLIENT_ID, say) follows from this.
			set := presentVars(e, append([]string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID"}, creds...))
			return s, chain.HalfConfigured("set "+v+", or unset "+joinNames(creds)+" if you do not mean to use a service principal",
				"%s is missing while %s %s set", v, joinNames(set), isAre(len(set)))
		}
		return s, chain.Unavailable(envHint, "missing environment variable %s", v)
	}
	switch {
	case e.Get("AZURE_CLIENT_SECRET") != "":
		s.kind, s.secret = kindSecret, e.Get("AZURE_CLIENT_SECRET")
	case e.Get(certVar) != "":
		s.kind, s.certPath = kindCertificate, e.Get(certVar)
		s.certPassword = e.Get("AZURE_CLIENT_CERTIFICATE_PASSWORD")
		v := strings.ToLower(strings.TrimSpace(e.Get("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")))
		s.sendChain = v == "1" || v == "true"
	case e.Get("AZURE_USERNAME") != "" && e.Get("AZURE_PASSWORD") != "":
		s.kind, s.username, s.password = kindPassword, e.Get("AZURE_USERNAME"), e.Get("AZURE_PASSWORD")
	case e.Get("AZURE_USERNAME") != "":
		return s, chain.HalfConfigured("set AZURE_PASSWORD too, or use AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH instead",
			"incomplete environment variable configuration. AZURE_USERNAME is set but AZURE_PASSWORD is not")
	default:
		return s, chain.Unavailable("set AZURE_CLIENT_SECRET, or AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_USERNAME and AZURE_PASSWORD",
			"incomplete environment variable configuration. Only AZURE_TENANT_ID and AZURE_CLIENT_ID are set")
	}
	host, err := entraHost(e, s.tenant)
	if err != nil {
		return s, err
	}
	s.host = host
	s.region = e.Get("AZURE_REGIONAL_AUTHORITY_NAME")
	return s, nil
}

// envCredentialVars are the set variables that carry a credential, in the
// SDKs' order of priority.
func envCredentialVars(e env.Env) []string {
	return presentVars(e, []string{"AZURE_CLIENT_SECRET", certVar, "AZURE_USERNAME", "AZURE_PASSWORD"})
}

func presentVars(e env.Env, names []string) []string {
	var out []string
	for _, n := range names {
		if e.Get(n) != "" {
			out = append(out, n)
		}
	}
	return out
}

// joinNames writes "A", "A and B", "A, B and C".
func joinNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Environment is the service principal (or user) described by AZURE_*
// variables: EnvironmentCredential in the SDKs.
type Environment struct {
	cfg Config

	mu   sync.Mutex
	conf *confidential.Client
	pub  *public.Client
	// user is the account the password flow signed in, so later calls can
	// be answered from MSAL's in-memory cache.
	user    *public.Account
	builtAs envSettings
}

// NewEnvironment returns the environment source.
func NewEnvironment(cfg Config) *Environment { return &Environment{cfg: cfg} }

// Name implements chain.Source.
func (*Environment) Name() string { return chain.Environment }

// regionOption keeps MSAL from reading MSAL_FORCE_REGION from the process:
// sources read only cfg.Env, and the SDKs use AZURE_REGIONAL_AUTHORITY_NAME.
func regionOption(region string) confidential.Option {
	if region == "" {
		return confidential.WithAzureRegion("DisableMsalForceRegion")
	}
	return confidential.WithAzureRegion(region)
}

// clients builds the MSAL client once, so that its in-memory token cache
// serves repeated calls in one process (serve, say).
func (s *Environment) clients(set envSettings) (*confidential.Client, *public.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.conf != nil || s.pub != nil) && s.builtAs == set {
		return s.conf, s.pub, nil
	}
	httpClient := s.cfg.HTTPClient(httpx.Options{Retry: true, KnownAuthorities: true})
	authority := authorityFor(set.host, set.tenant)
	if set.kind == kindPassword {
		// The username/password flow is deprecated upstream; the SDKs still
		// offer it, and so do we.
		c, err := public.New(set.clientID, public.WithAuthority(authority), public.WithHTTPClient(httpClient), public.WithInstanceDiscovery(false))
		if err != nil {
			return nil, nil, msalConfigError(err)
		}
		s.conf, s.pub, s.user, s.builtAs = nil, &c, nil, set
		return nil, s.pub, nil
	}
	var cred confidential.Credential
	opts := []confidential.Option{confidential.WithHTTPClient(httpClient), confidential.WithInstanceDiscovery(false), regionOption(set.region)}
	switch set.kind {
	case kindSecret:
		c, err := confidential.NewCredFromSecret(set.secret)
		if err != nil {
			return nil, nil, msalConfigError(err)
		}
		cred = c
	case kindCertificate:
		cert, err := LoadCertificate(set.certPath, set.certPassword)
		if err != nil {
			return nil, nil, err
		}
		c, err := confidential.NewCredFromCert(cert.Chain, cert.Key)
		if err != nil {
			return nil, nil, msalConfigError(err)
		}
		cred = c
		if set.sendChain {
			opts = append(opts, confidential.WithX5C())
		}
	}
	c, err := confidential.New(authority, set.clientID, cred, opts...)
	if err != nil {
		return nil, nil, msalConfigError(err)
	}
	s.conf, s.pub, s.builtAs = &c, nil, set
	return s.conf, nil, nil
}

// msalConfigError reports MSAL refusing its configuration. Nothing was
// sent, so the chain may move on, as the SDKs' constructors let it.
func msalConfigError(err error) error {
	return chain.Unavailable("check AZURE_AUTHORITY_HOST, AZURE_TENANT_ID and AZURE_CLIENT_ID", "MSAL refused the configuration: %s", firstLine(err.Error()))
}

// GetToken implements chain.Source.
func (s *Environment) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	set, err := readEnvSettings(s.cfg.Env)
	if err != nil {
		return chain.Token{}, err
	}
	tenant, err := entraRequest(s.cfg.Env, set.tenant, req)
	if err != nil {
		return chain.Token{}, err
	}
	if set.kind != kindPassword {
		if err := appScopes(req, "the service principal in AZURE_CLIENT_ID"); err != nil {
			return chain.Token{}, err
		}
	}
	conf, pub, err := s.clients(set)
	if err != nil {
		if set.kind == kindCertificate {
			// Tenant, client and a certificate path are set, but the
			// certificate cannot be used: meant, and half there.
			err = chain.MarkHalfConfigured(err)
		}
		return chain.Token{}, err
	}
	var res confidential.AuthResult
	identity := "app " + set.clientID
	if pub != nil {
		identity = "user " + set.username
		res, err = s.password(ctx, pub, set, tenant, req.Scopes)
	} else {
		res, err = acquireByCredential(ctx, conf, req.Scopes, tenant, set.tenant)
	}
	if err != nil {
		return chain.Token{}, TranslateMSAL(err, set.secrets()...)
	}
	return tokenFromResult(res, tenant, identity)
}

func (s *Environment) password(ctx context.Context, pub *public.Client, set envSettings, tenant string, scopes []string) (public.AuthResult, error) {
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	if user != nil {
		opts := []public.AcquireSilentOption{public.WithSilentAccount(*user)}
		if tenant != set.tenant {
			opts = append(opts, public.WithTenantID(tenant))
		}
		if res, err := pub.AcquireTokenSilent(ctx, scopes, opts...); err == nil {
			return res, nil
		}
	}
	var opts []public.AcquireByUsernamePasswordOption
	if tenant != set.tenant {
		opts = append(opts, public.WithTenantID(tenant))
	}
	// The password flow is deprecated upstream but still part of the
	// environment credential users rely on (AZURE_USERNAME/AZURE_PASSWORD).
	//lint:ignore SA1019 kept for compatibility with the SDKs' EnvironmentCredential
	res, err := pub.AcquireTokenByUsernamePassword(ctx, scopes, set.username, set.password, opts...)
	if err == nil {
		s.mu.Lock()
		s.user = &res.Account
		s.mu.Unlock()
	}
	return res, err
}

// tokenFromResult checks and converts MSAL's answer.
func tokenFromResult(res confidential.AuthResult, tenant, identity string) (chain.Token, error) {
	if res.AccessToken == "" {
		return chain.Token{}, chain.Failed(nil, "check AZURE_AUTHORITY_HOST: whatever answers there is not Entra ID, or is misbehaving",
			"the token endpoint answered without an access token")
	}
	return chain.Token{
		AccessToken: res.AccessToken,
		TokenType:   "Bearer",
		ExpiresOn:   res.ExpiresOn,
		RefreshOn:   res.Metadata.RefreshOn,
		Tenant:      tenant,
		Identity:    identity,
	}, nil
}

// CacheKey implements chain.Keyer. It names who the token is for and a
// digest of the credential that proves it (never the credential itself),
// so that a changed or wrong credential is never answered from the cache.
func (s *Environment) CacheKey(req chain.Request) (string, bool) {
	set, err := readEnvSettings(s.cfg.Env)
	if err != nil {
		return "", false
	}
	tenant, err := requestTenant(s.cfg.Env, set.tenant, req)
	if err != nil {
		return "", false
	}
	var cred string
	switch set.kind {
	case kindSecret:
		cred = credentialDigest(kindSecret, set.secret)
	case kindCertificate:
		// The same checks as LoadCertificate's read; the file is not
		// decoded here (see certificateFileDigest).
		data, err := safefile.Read(set.certPath, safefile.MaxSize)
		if err != nil {
			return "", false
		}
		cred = certificateFileDigest(data, set.certPassword, set.sendChain)
	case kindPassword:
		cred = credentialDigest(kindPassword, set.username, set.password)
	}
	key := []string{chain.Environment, set.host, tenant, set.clientID, set.kind, cred}
	if set.kind == kindPassword {
		// A different user is a different identity with the same app.
		key = append(key, set.username)
	}
	return strings.Join(key, "|"), true
}
