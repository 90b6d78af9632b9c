package credprovider

import (
	"fmt"
	"net/http"
	"regexp"
	"sync"
)

// tfCode finds Azure DevOps' error code in an answer's body. It is
// compiled on first use, not at every start (issue 23).
var tfCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bTF[0-9]{6}\b`) })

// Refusal says, in words that name the fix, why a feed refused a token:
// status is the feed's answer to it, body the start of the answer's body,
// who the identity the token is for. It is "" when the feed accepted it.
func Refusal(status int, body []byte, who string) string {
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		return ""
	}
	code := tfCode().FindString(string(body))
	switch code {
	case "TF401444":
		return fmt.Sprintf("the feed's organization asks %s to sign in to it once in a browser first (TF401444): open the organization's page as that user, then try again", who)
	case "":
		return fmt.Sprintf("the feed refused the token for %s (HTTP %d): give that identity the feed's Reader role (Contributor to publish) in the feed's settings, under Permissions", who, status)
	}
	return fmt.Sprintf("the feed refused the token for %s (HTTP %d, %s): give that identity the feed's Reader role (Contributor to publish) in the feed's settings, under Permissions", who, status, code)
}
