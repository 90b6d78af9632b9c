package fakeazure

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	mi "github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
)

// These tests drive MSAL's real managedidentity client against the fake.
// MSAL picks its source from the environment, so each test sets all of
// Env(source). Every client gets Managed.Client(), which also moves
// MSAL's fixed IMDS address onto the fake and refuses any other
// non-loopback address, so a test that selected the wrong source fails
// instead of reaching the network. MSAL caches managed identity tokens
// process-wide by resource, hence uniqueResource.

func newMI(t *testing.T, m *Managed, source string, id mi.ID, opts ...mi.ClientOption) mi.Client {
	t.Helper()
	setEnv(t, m.Env(source))
	if source == SourceIMDS {
		// MSAL does not read AZURE_POD_IDENTITY_AUTHORITY_HOST; only the
		// client's dialer moves it.
		t.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "")
	}
	opts = append([]mi.ClientOption{mi.WithHTTPClient(m.Client())}, opts...)
	c, err := mi.New(id, opts...)
	if err != nil {
		t.Fatalf("managedidentity.New: %v", err)
	}
	return c
}

func TestMSALManagedIdentitySources(t *testing.T) {
	uami := Identity{ClientID: "88888888-8888-4888-8888-888888888888"}
	tests := []struct {
		source   string
		msal     mi.Source
		id       func(m *Managed) mi.ID
		endpoint string
		clientID func(m *Managed) string
	}{
		{SourceIMDS, mi.DefaultToIMDS, func(*Managed) mi.ID { return mi.SystemAssigned() }, EndpointIMDS, sysClientID},
		{SourceIMDS, mi.DefaultToIMDS, func(*Managed) mi.ID { return mi.UserAssignedClientID(uami.ClientID) }, EndpointIMDS, uamiClientID},
		{SourceIMDS, mi.DefaultToIMDS, func(m *Managed) mi.ID { return mi.UserAssignedResourceID(m.UserAssigned()[0].ResourceID) }, EndpointIMDS, uamiClientID},
		{SourceAppService, mi.AppService, func(*Managed) mi.ID { return mi.SystemAssigned() }, EndpointAppService, sysClientID},
		{SourceAppService, mi.AppService, func(m *Managed) mi.ID { return mi.UserAssignedObjectID(m.UserAssigned()[0].ObjectID) }, EndpointAppService, uamiClientID},
		{SourceAppService, mi.AppService, func(m *Managed) mi.ID { return mi.UserAssignedResourceID(m.UserAssigned()[0].ResourceID) }, EndpointAppService, uamiClientID},
		{SourceCloudShell, mi.CloudShell, func(*Managed) mi.ID { return mi.SystemAssigned() }, EndpointCloudShell, sysClientID},
		{SourceAzureML, mi.AzureML, func(*Managed) mi.ID { return mi.SystemAssigned() }, EndpointAzureML, sysClientID},
		{SourceAzureML, mi.AzureML, func(*Managed) mi.ID { return mi.UserAssignedClientID(uami.ClientID) }, EndpointAzureML, uamiClientID},
		{SourceServiceFabric, mi.ServiceFabric, func(*Managed) mi.ID { return mi.SystemAssigned() }, EndpointServiceFabric, sysClientID},
	}
	for _, tt := range tests {
		t.Run(tt.source+"/"+idName(tt.id(nilManaged)), func(t *testing.T) {
			m := startManaged(t, ManagedOptions{UserAssigned: []Identity{uami}})
			c := newMI(t, m, tt.source, tt.id(m))
			if got, _ := mi.GetSource(); got != tt.msal {
				t.Fatalf("MSAL chose source %s, want %s", got, tt.msal)
			}
			// MSAL strips "/.default", slash included, to get the resource.
			scope := uniqueResource(t) + ".default"
			resource := strings.TrimSuffix(scope, "/.default")
			ar, err := c.AcquireToken(msalContext(t), scope)
			if err != nil {
				t.Fatalf("AcquireToken: %v", err)
			}
			claims := claimsOf(t, m.Minter(), ar.AccessToken)
			wantClaim(t, claims, "aud", resource)
			wantClaim(t, claims, "appid", tt.clientID(m))
			if until := time.Until(ar.ExpiresOn); until < 55*time.Minute || until > time.Hour+time.Minute {
				t.Errorf("ExpiresOn is %v away, want about an hour", until)
			}
			if got := m.Counts(); got[tt.endpoint] != 1 || len(got) != 1 {
				t.Errorf("counts = %v, want one %s request", got, tt.endpoint)
			}
			r := m.Requests()[0]
			if r.Resource != resource {
				t.Errorf("MSAL asked for %q, want %q", r.Resource, resource)
			}
		})
	}
}

// nilManaged stands in when only an ID's type is needed for a name.
var nilManaged = &Managed{users: []Identity{{}}}

func sysClientID(m *Managed) string  { return m.SystemAssigned().ClientID }
func uamiClientID(m *Managed) string { return m.UserAssigned()[0].ClientID }

func idName(id mi.ID) string {
	switch id.(type) {
	case mi.UserAssignedClientID:
		return "client-id"
	case mi.UserAssignedObjectID:
		return "object-id"
	case mi.UserAssignedResourceID:
		return "resource-id"
	}
	return "system"
}

func TestMSALServiceFabricPinsTheThumbprint(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	env := m.Env(SourceServiceFabric)
	env["IDENTITY_SERVER_THUMBPRINT"] = strings.Repeat("AB", 20)
	setEnv(t, env)
	c, err := mi.New(mi.SystemAssigned(), mi.WithHTTPClient(m.Client()), mi.WithRetryPolicyDisabled())
	if err != nil {
		t.Fatalf("managedidentity.New: %v", err)
	}
	_, err = c.AcquireToken(msalContext(t), uniqueResource(t))
	if err == nil || !strings.Contains(err.Error(), "thumbprint") {
		t.Fatalf("err = %v, want a thumbprint mismatch", err)
	}
	if n := m.Count(EndpointServiceFabric); n != 0 {
		t.Errorf("%d requests got through an unpinned TLS connection", n)
	}
}

// TestMSALAzureArc needs MSAL's fixed key directory (ArcTokenDir).
func TestMSALAzureArc(t *testing.T) {
	dir := ArcTokenDir(t)
	uami := Identity{ClientID: "12121212-1212-4121-8121-121212121212"}
	m := startManaged(t, ManagedOptions{ArcKeyDir: dir, UserAssigned: []Identity{uami}})

	for _, id := range []mi.ID{mi.SystemAssigned(), mi.UserAssignedClientID(uami.ClientID)} {
		m.Reset()
		c := newMI(t, m, SourceArc, id)
		if got, _ := mi.GetSource(); got != mi.AzureArc {
			t.Fatalf("MSAL chose source %s, want AzureArc", got)
		}
		resource := uniqueResource(t) + idName(id)
		ar, err := c.AcquireToken(msalContext(t), resource)
		if err != nil {
			t.Fatalf("%s: AcquireToken: %v", idName(id), err)
		}
		wantClaim(t, claimsOf(t, m.Minter(), ar.AccessToken), "aud", resource)
		if got := m.Counts(); got[EndpointArcChallenge] != 1 || got[EndpointArc] != 1 {
			t.Errorf("counts = %v, want one challenge and one authorized request", got)
		}
	}
}

func TestMSALManagedIdentityErrors(t *testing.T) {
	m := startManaged(t, ManagedOptions{})

	// A user-assigned identity IMDS does not know: 400 "Identity not found".
	c := newMI(t, m, SourceIMDS, mi.UserAssignedClientID(unknownClient), mi.WithRetryPolicyDisabled())
	_, err := c.AcquireToken(msalContext(t), uniqueResource(t))
	var callErr msalerrors.CallErr
	if !errors.As(err, &callErr) || callErr.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(err.Error(), "Identity not found") {
		t.Fatalf("err = %v, want a 400 CallErr saying Identity not found", err)
	}

	// A wrong App Service secret: 401.
	env := m.Env(SourceAppService)
	env["IDENTITY_HEADER"] = "wrong"
	setEnv(t, env)
	c, err = mi.New(mi.SystemAssigned(), mi.WithHTTPClient(m.Client()), mi.WithRetryPolicyDisabled())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AcquireToken(msalContext(t), uniqueResource(t))
	if !errors.As(err, &callErr) || callErr.Resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 CallErr", err)
	}
}
