package acr

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/redact"
)

// Scope is what the Entra ID token must be for: every registry in a cloud
// accepts tokens for this one audience.
const Scope = "https://containerregistry.azure.net/.default"

// Username is the user name docker is given with a refresh token: the
// registry recognises it as "the password is a refresh token".
const Username = "00000000-0000-0000-0000-000000000000"

// DefaultLifetime is how long a refresh token is taken to live when it
// does not say (the registry issues them for three hours).
const DefaultLifetime = 3 * time.Hour

// RefreshToken is what the exchange returns.
type RefreshToken struct {
	Token     string
	ExpiresOn time.Time
}

// Exchange asks registry (a host or host:port that the caller has matched)
// for a refresh token in return for the Entra ID access token entra,
// issued in tenant. client must not follow redirects (httpx's do not).
func Exchange(ctx context.Context, client *http.Client, registry, tenant, entra string) (RefreshToken, error) {
	form := url.Values{
		"grant_type":   {"access_token"},
		"service":      {registry},
		"access_token": {entra},
	}
	if tenant != "" {
		form.Set("tenant", tenant)
	}
	u := "https://" + registry + "/oauth2/exchange"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return RefreshToken{}, fmt.Errorf("the exchange request for %s could not be built: %w", registry, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// Wrapped, so that a deadline reads as one (exit 5); the error of
		// a request never holds its body, where the token is.
		return RefreshToken{}, fmt.Errorf("the registry %s did not answer the token exchange: %w; check the registry's name and your network", registry, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return RefreshToken{}, fmt.Errorf("reading the answer of %s to the token exchange failed: %s", registry, redact.Scrub(err.Error(), entra))
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return RefreshToken{}, fmt.Errorf("the registry %s answered the token exchange with a redirect (HTTP %d), which aztoken does not follow with a token; check that %s is the registry's login server", registry, resp.StatusCode, registry)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return RefreshToken{}, fmt.Errorf("the registry %s refused the Entra ID token (HTTP %d%s); check that the identity aztoken used has a role such as AcrPull on the registry, and that the registry is in the token's tenant (aztoken whoami --scope %s)", registry, resp.StatusCode, reason(body, entra), Scope)
	case resp.StatusCode != http.StatusOK:
		return RefreshToken{}, fmt.Errorf("the registry %s failed the token exchange (HTTP %d%s); try again later", registry, resp.StatusCode, reason(body, entra))
	}
	var ans struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.RefreshToken == "" {
		return RefreshToken{}, fmt.Errorf("the registry %s answered the token exchange without a refresh token; check that %s is an Azure Container Registry login server", registry, registry)
	}
	rt := RefreshToken{Token: ans.RefreshToken, ExpiresOn: time.Now().Add(DefaultLifetime)}
	if c, err := claims.Decode(ans.RefreshToken); err == nil && !c.ExpiresAt.IsZero() {
		rt.ExpiresOn = c.ExpiresAt
	}
	return rt, nil
}

// reason is the registry's own words for a refusal, when it gave any, as
// ", <words>": one line, cut short, and never holding the token sent.
func reason(body []byte, entra string) string {
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var words []string
	for _, x := range e.Errors {
		words = append(words, strings.TrimSpace(x.Code+" "+x.Message))
	}
	if e.Error != "" {
		words = append(words, strings.TrimSpace(e.Error+" "+e.Description))
	}
	s := redact.Excerpt(strings.Join(words, "; "), 200, entra)
	if s == "" {
		return ""
	}
	if strings.Contains(s, "eyJ") {
		// A JWT aztoken did not send (the registry's own) is a secret too.
		return ": (its message is not shown: it holds a token)"
	}
	return ": " + human.Line(s)
}
