package source

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/redact/redacttest"
)

// Text from outside that echoes a secret is scrubbed whole before it is cut
// to an excerpt: moving the secret across the cut one character at a time
// shows no piece of it. Cutting first printed 20 of 21 characters of a
// client secret and 20 of 26 of a CI request token.
func TestOutsideTextNeverShowsPartOfASecret(t *testing.T) {
	const secret = "Zq8~kVw2-xYuT5.nbR3mL7pQ"
	for _, c := range []struct {
		name string
		max  int // the longest excerpt the path quotes
		say  func(outside string) string
	}{
		{"Entra ID or a proxy's page", excerptLen, func(outside string) string {
			return TranslateMSAL(callErr(502, outside), secret).Error()
		}},
		{"Entra ID's description", excerptLen, func(outside string) string {
			body, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: " + outside})
			return TranslateMSAL(callErr(401, string(body)), secret).Error()
		}},
		{"a CI's OIDC refusal", excerptLen, func(outside string) string {
			s := pipelineSettings{kind: ciGitHub, requestToken: secret}
			return oidcStatusError(s, 500, []byte(outside)).Error()
		}},
		{"a CI's OIDC refusal in JSON", excerptLen, func(outside string) string {
			body, _ := json.Marshal(map[string]string{"message": outside})
			s := pipelineSettings{kind: ciAzurePipelines, requestToken: secret}
			return oidcStatusError(s, 500, body).Error()
		}},
		{"a managed identity endpoint's refusal", 300, func(outside string) string {
			body, _ := json.Marshal(map[string]string{"error": "invalid_request", "error_description": outside})
			return miDescribeErrorBody("application/json", body, env.Map(map[string]string{envIdentityHeader: secret}))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for pad := 0; pad <= c.max+len(secret); pad++ {
				outside := strings.Repeat("p", pad) + secret + " was not accepted"
				if leak := redacttest.Leaked(c.say(outside), secret); leak != "" {
					t.Fatalf("padding %d: %q shows %q of the secret", pad, c.say(outside), leak)
				}
			}
		})
	}
}
