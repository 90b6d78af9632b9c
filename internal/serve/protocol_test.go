package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

func TestIMDSAnswersInIMDSShape(t *testing.T) {
	up := &upstream{}
	s := start(t, Options{Provider: up})
	c := loopbackClient()
	u := s.URL() + PathIMDS + "?api-version=2018-02-01&resource=" + url.QueryEscape("https://management.azure.com/") + "&client_id=0d9b4c4e-0000-4000-8000-0000000000c1"
	status, body := get(t, c, u, map[string]string{"Metadata": "true"})
	if status != 200 {
		t.Fatalf("status %d, body %s", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	// IMDS gives every number as a string; Python and .NET parse them so.
	for _, k := range []string{"access_token", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type", "client_id"} {
		if _, ok := got[k].(string); !ok {
			t.Errorf("%s = %#v, want a string", k, got[k])
		}
	}
	exp, err := strconv.ParseInt(got["expires_on"].(string), 10, 64)
	if err != nil || time.Until(time.Unix(exp, 0)) < 55*time.Minute {
		t.Errorf("expires_on %q is not an epoch an hour ahead", got["expires_on"])
	}
	if in, err := strconv.Atoi(got["expires_in"].(string)); err != nil || in < 3500 || in > 3600 {
		t.Errorf("expires_in = %q, want about 3600", got["expires_in"])
	}
	if got["resource"] != "https://management.azure.com/" || got["token_type"] != "Bearer" || got["client_id"] != "0d9b4c4e-0000-4000-8000-0000000000c1" {
		t.Errorf("resource, token_type, client_id = %v, %v, %v", got["resource"], got["token_type"], got["client_id"])
	}
	if !strings.Contains(got["access_token"].(string), "-https://management.azure.com/-") {
		t.Errorf("the upstream was not asked for the resource the client named: %v", got["access_token"])
	}
}

func TestAppServiceAnswersInAppServiceShape(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}})
	status, body := get(t, loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net", map[string]string{secretHeader: testSecret})
	if status != 200 {
		t.Fatalf("status %d, body %s", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	// Python's azure-identity runs int() on expires_on.
	if _, err := strconv.ParseInt(got["expires_on"].(string), 10, 64); err != nil {
		t.Errorf("expires_on %v is not an integer in a string", got["expires_on"])
	}
	if _, ok := got["expires_in"]; ok {
		t.Errorf("App Service 2019-08-01 has no expires_in, got %v", got["expires_in"])
	}
	if got["client_id"] != "11111111-2222-3333-4444-555555555555" || got["token_type"] != "Bearer" || got["resource"] != "https://vault.azure.net" {
		t.Errorf("got %v", got)
	}
}

// clearMIEnv unsets every variable MSAL reads to pick a managed identity source.
func clearMIEnv(t *testing.T) {
	for _, k := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "AZURE_CLIENT_ID"} {
		t.Setenv(k, "")
	}
}

func miCredential(t *testing.T, id azidentity.ManagedIDKind) *azidentity.ManagedIdentityCredential {
	t.Helper()
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ID:            id,
		ClientOptions: azcore.ClientOptions{Transport: loopbackClient(), Retry: policy.RetryOptions{MaxRetries: -1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

var resourceSeq atomic.Int64

// fresh names a resource no earlier test (or -count run) asked MSAL for:
// MSAL caches managed identity tokens for the whole process, and a token
// cached from an earlier server would not verify against this one's key.
func fresh(name string) string {
	return fmt.Sprintf("api://%s-%d", name, resourceSeq.Add(1))
}

// The Azure SDK for Go gets emulated tokens over App Service, for the
// system-assigned identity and a user-assigned one, and they verify.
// MSAL caches managed identity tokens for the whole process, so each case
// asks for its own resource.
func TestAzureSDKGetsTokensOverAppService(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{Roles: []string{"Reader"}}})
	clearMIEnv(t)
	t.Setenv("IDENTITY_ENDPOINT", s.URL()+PathAppService)
	t.Setenv("IDENTITY_HEADER", s.Secret())

	cases := []struct {
		name      string
		id        azidentity.ManagedIDKind
		resource  string
		wantAppID string
	}{
		{"system-assigned", nil, fresh("app-service-system"), DefaultEmulatorAppID},
		{"client id", azidentity.ClientID("0e1f0000-aaaa-bbbb-cccc-000000000001"), fresh("app-service-client"), "0e1f0000-aaaa-bbbb-cccc-000000000001"},
		{"resource id", azidentity.ResourceID("/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z"), fresh("app-service-resid"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tok, err := miCredential(t, tc.id).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{tc.resource + "/.default"}})
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if d := time.Until(tok.ExpiresOn); d < 55*time.Minute || d > 61*time.Minute {
				t.Errorf("ExpiresOn is %s away, want about an hour", d)
			}
			claims := verifyWithJWKS(t, s, tok.Token)
			if claims["aud"] != tc.resource || claims[EmulatedClaim] != true {
				t.Errorf("aud = %v, %s = %v", claims["aud"], EmulatedClaim, claims[EmulatedClaim])
			}
			if tc.wantAppID != "" && claims["appid"] != tc.wantAppID {
				t.Errorf("appid = %v, want %s", claims["appid"], tc.wantAppID)
			}
			if tc.wantAppID == "" && claims["xms_mirid"] == nil {
				t.Errorf("a token for a resource id has no xms_mirid: %v", claims)
			}
		})
	}
}

func TestAzureSDKGetsTokensOverCloudShell(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	clearMIEnv(t)
	t.Setenv("MSI_ENDPOINT", s.URL()+PathCloudShell+"/"+s.Secret())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resource := fresh("cloud-shell")
	tok, err := miCredential(t, nil).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{resource + "/.default"}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	claims := verifyWithJWKS(t, s, tok.Token)
	if claims["aud"] != resource || claims["oid"] != DefaultEmulatorObjectID {
		t.Errorf("claims %v", claims)
	}
}

// A Cloud Shell URL with a wrong secret fails through the SDK too, and
// the SDK's error carries our sentence.
func TestAzureSDKCloudShellWrongSecret(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	clearMIEnv(t)
	t.Setenv("MSI_ENDPOINT", s.URL()+PathCloudShell+"/wrong-secret-0123456789")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := miCredential(t, nil).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{fresh("cloud-shell-wrong") + "/.default"}})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("err = %v, want the wrong-secret refusal", err)
	}
}
