package fakeazure

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// These tests drive MSAL's real confidential and public clients against
// the Entra fake: instance discovery off (it would go to
// login.microsoftonline.com), an https authority on 127.0.0.1, and an
// HTTP client that trusts only the fake and dials only loopback.

func msalContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newConfidential(t *testing.T, e *Entra, clientID string, cred confidential.Credential, opts ...confidential.Option) confidential.Client {
	t.Helper()
	setEnv(t, nil) // clears MSAL_FORCE_REGION, which would send MSAL to a regional host
	opts = append([]confidential.Option{confidential.WithHTTPClient(e.Client()), confidential.WithInstanceDiscovery(false)}, opts...)
	c, err := confidential.New(e.Authority(testTenant), clientID, cred, opts...)
	if err != nil {
		t.Fatalf("confidential.New: %v", err)
	}
	return c
}

func TestMSALConfidentialSecret(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}, Secrets: map[string]string{secretClient: "s3cret"}})
	cred, err := confidential.NewCredFromSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	c := newConfidential(t, e, secretClient, cred)
	ctx := msalContext(t)

	ar, err := c.AcquireTokenByCredential(ctx, []string{"https://management.azure.com/.default"})
	if err != nil {
		t.Fatalf("AcquireTokenByCredential: %v", err)
	}
	claims := claimsOf(t, e.Minter(), ar.AccessToken)
	wantClaim(t, claims, "aud", "https://management.azure.com")
	wantClaim(t, claims, "appid", secretClient)
	wantClaim(t, claims, "tid", testTenant)
	if until := time.Until(ar.ExpiresOn); until < 55*time.Minute || until > time.Hour {
		t.Errorf("ExpiresOn is %v away, want about an hour", until)
	}

	// MSAL resolves the authority once, then serves the second call from
	// its cache: one cold token costs it two requests.
	if _, err := c.AcquireTokenByCredential(ctx, []string{"https://management.azure.com/.default"}); err != nil {
		t.Fatal(err)
	}
	if got := e.Counts(); got[EndpointOpenID] != 1 || got[EndpointToken] != 1 || got[EndpointDiscovery] != 0 {
		t.Errorf("counts = %v, want one openid and one token request", got)
	}
	r := e.Requests()[1]
	if r.Scope != "https://management.azure.com/.default openid offline_access profile" || r.Credential != "secret" {
		t.Errorf("token request scope %q, credential %q", r.Scope, r.Credential)
	}
}

func TestMSALConfidentialWrongSecret(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}, Secrets: map[string]string{secretClient: "s3cret"}})
	cred, _ := confidential.NewCredFromSecret("wrong")
	c := newConfidential(t, e, secretClient, cred)
	_, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://x/.default"})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401 carrying AADSTS7000215", err)
	}
}

func TestMSALConfidentialCertificate(t *testing.T) {
	cc := testClientCert(t)
	certs, key, err := confidential.CertFromPEM(cc.pem, "")
	if err != nil {
		t.Fatalf("CertFromPEM: %v", err)
	}
	cred, err := confidential.NewCredFromCert(certs, key)
	if err != nil {
		t.Fatalf("NewCredFromCert: %v", err)
	}
	for _, sendX5C := range []bool{false, true} {
		e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
		e.AddClientCert(certClient, cc.cert)
		var opts []confidential.Option
		if sendX5C {
			opts = append(opts, confidential.WithX5C())
		}
		c := newConfidential(t, e, certClient, cred, opts...)
		ar, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://x/.default"})
		if err != nil {
			t.Fatalf("x5c %v: AcquireTokenByCredential: %v", sendX5C, err)
		}
		wantClaim(t, claimsOf(t, e.Minter(), ar.AccessToken), "appid", certClient)
		r := e.Requests()[len(e.Requests())-1]
		if r.Credential != "certificate" || r.X5C != sendX5C {
			t.Errorf("record credential %q x5c %v, want certificate %v", r.Credential, r.X5C, sendX5C)
		}
	}

	// A certificate the app does not know is refused as Entra refuses it.
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
	e.AddClientCert(certClient, newClientCert("another").cert)
	c := newConfidential(t, e, certClient, cred)
	_, err = c.AcquireTokenByCredential(msalContext(t), []string{"api://x/.default"})
	if err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("err = %v, want AADSTS700027", err)
	}
}

func TestMSALConfidentialAssertion(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
	e.AddFederated(fedClient, "kubernetes-sa-token")
	var gotEndpoint string
	cred := confidential.NewCredFromAssertionCallback(func(_ context.Context, o confidential.AssertionRequestOptions) (string, error) {
		gotEndpoint = o.TokenEndpoint
		return "kubernetes-sa-token", nil
	})
	c := newConfidential(t, e, fedClient, cred)
	ar, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://x/.default"})
	if err != nil {
		t.Fatalf("AcquireTokenByCredential: %v", err)
	}
	wantClaim(t, claimsOf(t, e.Minter(), ar.AccessToken), "appid", fedClient)
	if gotEndpoint != e.TokenURL(testTenant) {
		t.Errorf("MSAL gave the callback token endpoint %q, want %q", gotEndpoint, e.TokenURL(testTenant))
	}
	r := e.Requests()[len(e.Requests())-1]
	if r.Credential != "assertion" || !containsAll(r.FormKeys, "client_assertion", "client_assertion_type", "client_id", "grant_type", "scope") {
		t.Errorf("record %+v", r)
	}
}

func TestMSALPublicUsernamePassword(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
	e.AddUser(publicClient, "alice@contoso.com", "pa55")
	setEnv(t, nil)
	c, err := public.New(publicClient,
		public.WithAuthority(e.Authority(testTenant)),
		public.WithHTTPClient(e.Client()),
		public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatalf("public.New: %v", err)
	}
	ctx := msalContext(t)
	//lint:ignore SA1019 the password grant is what EnvironmentCredential uses; the fake must serve it.
	ar, err := c.AcquireTokenByUsernamePassword(ctx, []string{"https://graph.microsoft.com/User.Read"}, "alice@contoso.com", "pa55")
	if err != nil {
		t.Fatalf("AcquireTokenByUsernamePassword: %v", err)
	}
	claims := claimsOf(t, e.Minter(), ar.AccessToken)
	wantClaim(t, claims, "upn", "alice@contoso.com")
	wantClaim(t, claims, "scp", "User.Read")
	if ar.Account.PreferredUsername != "alice@contoso.com" {
		t.Errorf("account username %q", ar.Account.PreferredUsername)
	}
	if got := e.Counts(); got[EndpointUserRealm] != 1 || got[EndpointOpenID] != 1 || got[EndpointToken] != 1 {
		t.Errorf("counts = %v, want openid, userrealm and token once each", got)
	}
	var realm Request
	for _, r := range e.Requests() {
		if r.Endpoint == EndpointUserRealm {
			realm = r
		}
	}
	if realm.Path != "/common/UserRealm/alice@contoso.com" || realm.RawQuery != "api-version=1.0" {
		t.Errorf("user realm request %s?%s", realm.Path, realm.RawQuery)
	}

	// The account and refresh token are usable: a silent call for another
	// scope redeems the refresh token.
	if _, err := c.AcquireTokenSilent(ctx, []string{"api://other/.default"}, public.WithSilentAccount(ar.Account)); err != nil {
		t.Fatalf("AcquireTokenSilent: %v", err)
	}
	if last := e.Requests()[len(e.Requests())-1]; last.GrantType != "refresh_token" || last.Credential != "refresh_token" {
		t.Errorf("silent call sent %+v, want a refresh_token grant", last)
	}

	//lint:ignore SA1019 the password grant is what EnvironmentCredential uses; the fake must serve it.
	_, err = c.AcquireTokenByUsernamePassword(ctx, []string{"https://graph.microsoft.com/User.Read"}, "alice@contoso.com", "wrong")
	if err == nil || !strings.Contains(err.Error(), "AADSTS50126") {
		t.Fatalf("err = %v, want AADSTS50126", err)
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
