package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/aztoken/aztoken/internal/chain"
)

// callErr builds the error MSAL returns for a non-200 answer, request body
// included, as MSAL keeps it.
func callErr(status int, body string) error {
	req := httptest.NewRequest("POST", "https://login.example/tenant/oauth2/v2.0/token", strings.NewReader("client_secret="+testSecret))
	resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body))}
	return fmt.Errorf("wrapped by MSAL: %w", msalerrors.CallErr{Req: req, Resp: resp, Err: fmt.Errorf("http call error: %d %s", status, body)})
}

func aadBody(code string, n int, text string) string {
	return fmt.Sprintf(`{"error":%q,"error_description":"AADSTS%d: %s\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 3","error_codes":[%d]}`, code, n, text, n)
}

func TestTranslateMSALEntraCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n          int
		text, hint string
	}{
		{7000215, "Invalid client secret provided. Ensure the secret being sent is the value.", "Secret ID"},
		{7000222, "The provided client secret keys for app 'x' are expired. Visit the portal.", "expired"},
		{700016, "Application with identifier 'x' was not found in the directory 'y'. This can happen.", "AZURE_CLIENT_ID"},
		{90002, "Tenant 'x' not found. Check to make sure.", "AZURE_TENANT_ID"},
		{50126, "Error validating credentials due to invalid username or password.", "AZURE_PASSWORD"},
		{50076, "Due to a configuration change made by your administrator, you must use multi-factor authentication. More.", "multi-factor"},
		{50079, "Due to a configuration change made by your administrator, you must enroll in multi-factor authentication. More.", "multi-factor"},
		{700024, "Client assertion is not within its valid time range. Current time: now.", "expired"},
		{70021, "No matching federated identity record found for presented assertion. Assertion issuer: 'x'.", "federated identity credential"},
	}
	for _, c := range cases {
		err := TranslateMSAL(callErr(400, aadBody("invalid_request", c.n, c.text)), testSecret)
		msg := err.Error()
		first, _, _ := strings.Cut(c.text, ". ")
		want := fmt.Sprintf("(HTTP 400 invalid_request): AADSTS%d %s.", c.n, strings.TrimSuffix(first, "."))
		if !strings.HasSuffix(msg, want) || !strings.HasPrefix(msg, "Entra ID at login.example refused the request") {
			t.Errorf("AADSTS%d: %q, want suffix %q", c.n, msg, want)
		}
		if h := chain.HintOf(err); !strings.Contains(h, c.hint) {
			t.Errorf("AADSTS%d: hint %q does not mention %q", c.n, h, c.hint)
		}
		if chain.StatusOf(err) != chain.StatusFailed {
			t.Errorf("AADSTS%d: status %v", c.n, chain.StatusOf(err))
		}
		assertNoSecrets(t, "message", msg+chain.HintOf(err), testSecret)
	}
}

func TestTranslateMSALOtherAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want string
		st   chain.Status
	}{
		{"html page", callErr(502, "<html><body>Bad   gateway\n from proxy</body></html>"),
			"HTTP 502 from POST https://login.example/tenant/oauth2/v2.0/token: <html><body>Bad gateway from proxy</body></html>", chain.StatusFailed},
		{"echoed secret", callErr(400, `{"error":"invalid_request","error_description":"bad value `+testSecret+`. more"}`),
			"(HTTP 400 invalid_request): bad value [REDACTED].", chain.StatusFailed},
		{"no description", callErr(401, `{"error":"invalid_client"}`), "refused the request (HTTP 401 invalid_client)", chain.StatusFailed},
		{"deadline", fmt.Errorf("server response error:\n %w", &url.Error{Op: "Post", URL: "https://login.example/t/token", Err: context.DeadlineExceeded}),
			"timed out waiting for an answer from login.example", chain.StatusTimedOut},
		{"missing token", errors.New("response is missing access_token"), "answered 200 without an access token", chain.StatusFailed},
		{"ours", fmt.Errorf("msal: %w", chain.Failed(nil, "h", "the federated token file f is empty")), "the federated token file f is empty", chain.StatusFailed},
		{"other", errors.New("some MSAL complaint\nwith detail"), "MSAL refused the request: some MSAL complaint", chain.StatusFailed},
	}
	for _, c := range cases {
		err := TranslateMSAL(c.err, testSecret)
		if !strings.Contains(err.Error(), c.want) || chain.StatusOf(err) != c.st {
			t.Errorf("%s: %q (%v), want %q (%v)", c.name, err, chain.StatusOf(err), c.want, c.st)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: not one line: %q", c.name, err)
		}
		assertNoSecrets(t, c.name, err.Error(), testSecret)
	}
	if TranslateMSAL(nil) != nil {
		t.Error("nil error translated to non-nil")
	}
}

func TestFirstSentence(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"One. Two.":                  "One.",
		" One\r\nTrace ID: x":        "One",
		"Ends with a period.":        "Ends with a period.",
		"Version 1.2 is fine. Next.": "Version 1.2 is fine.",
		"":                           "",
	}
	for in, want := range cases {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// A secret that is a common word is redacted where Entra ID's answer
// echoes it as a value, its other words are left alone, and our own hint, which happens to hold the word, is left
// whole: redacting it gave "Certificates & [REDACTED]s page".
func TestTranslateMSALCommonWordSecret(t *testing.T) {
	t.Parallel()
	body := aadBody("invalid_client", 7000215, "Invalid client secret provided: 'secret'. Ensure the secret being sent is the value.")
	err := TranslateMSAL(callErr(401, body), "secret")
	hint := chain.HintOf(err)
	if !strings.Contains(hint, "Certificates & secrets page") {
		t.Errorf("hint mangled: %q", hint)
	}
	// The echoed value goes; Entra ID's own words stay (issue 21.6).
	if strings.Contains(err.Error(), "'secret'") {
		t.Errorf("message shows the secret as Entra ID echoed it: %q", err)
	}
	if !strings.Contains(err.Error(), "Invalid client secret provided: '[REDACTED]'") {
		t.Errorf("message should keep Entra ID's words and redact the echoed value: %q", err)
	}
}
