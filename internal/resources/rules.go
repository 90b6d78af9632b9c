package resources

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aztoken/aztoken/internal/human"
)

// The rules below catch, before anything is sent, requests Entra ID would
// refuse: a --resource word that is neither an alias nor a resource, a
// scope that names a resource without saying which permission, and
// scopes for two resources in one request. Each error is a sentence that
// says why and what to give instead; get refuses the request, explain
// shows the same sentences as warnings.

// CheckWord checks a --resource value: an alias, a URI
// ("https://vault.azure.net", "api://my-app") or an application id (a
// GUID, as devops's is), the last two of the shape serve takes from its
// clients too (CheckShape). Anything else is most likely a typo, and as a
// scope it would only come back from Entra ID as an unknown resource.
func CheckWord(word string) error {
	if _, ok := aliases[strings.ToLower(word)]; ok {
		return nil
	}
	if strings.Contains(word, "://") || IsGUID(word) {
		if err := CheckShape(word); err != nil {
			return fmt.Errorf("--resource %s %s", human.Quote(word), err)
		}
		return nil
	}
	msg := fmt.Sprintf("--resource %s is neither an alias (%s) nor a resource URI such as https://vault.azure.net", human.Quote(word), strings.Join(Aliases(), ", "))
	if s := Suggest(word); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return fmt.Errorf("%s", msg)
}

// Suggest returns the alias word most likely meant, or "": one that the
// word contains or is contained in ("keyvault" → vault), else the nearest
// within two edits ("grpah" → graph).
func Suggest(word string) string {
	w := strings.ToLower(word)
	if len(w) < 2 {
		return ""
	}
	best, bestDist := "", 3
	for _, a := range Aliases() {
		if len(w) >= 3 && (strings.Contains(w, a) || strings.Contains(a, w)) {
			return a
		}
		if d := editDistance(w, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// openIDScopes belong to no resource: Entra ID adds them to any request.
var openIDScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// graphResource is what Entra ID reads a bare permission ("User.Read") as.
const graphResource = "https://graph.microsoft.com"

// ScopeResource splits a scope into the resource it is for and the
// permission it asks for: "https://graph.microsoft.com/User.Read" is
// graph's User.Read, ".../.default" every granted permission. A scope
// with no permission part (a resource alone, such as
// "https://vault.azure.net" or an application id) has permission "".
// OpenID scopes have neither.
func ScopeResource(scope string) (resource, permission string) {
	if openIDScopes[strings.ToLower(scope)] {
		return "", ""
	}
	if u, err := url.Parse(scope); err == nil && u.Scheme != "" && strings.Contains(scope, "://") {
		path := strings.TrimPrefix(u.Path, "/")
		if strings.Trim(path, "/") == "" {
			return scope, ""
		}
		i := strings.LastIndex(path, "/")
		if i < 0 {
			return u.Scheme + "://" + u.Host, path
		}
		if i == len(path)-1 {
			return scope, ""
		}
		return u.Scheme + "://" + u.Host + "/" + path[:i], path[i+1:]
	}
	if IsGUID(scope) {
		return scope, ""
	}
	if head, perm, ok := strings.Cut(scope, "/"); ok && IsGUID(head) {
		return head, perm
	}
	return graphResource, scope
}

// CheckScopes applies Entra ID's rules for the scopes of one request.
func CheckScopes(scopes []string) error {
	first, firstScope := "", ""
	for _, s := range scopes {
		res, perm := ScopeResource(s)
		if res == "" {
			continue
		}
		if perm == "" {
			return fmt.Errorf("scope %s names a resource but no permission; ask for %s (every permission you were granted on it) or use --resource, since Entra ID would refuse it (AADSTS1002012 for service principals and managed identities)", human.Quote(s), human.Quote(ToScope(s)))
		}
		if first == "" {
			first, firstScope = res, s
			continue
		}
		if API(res) != API(first) {
			return fmt.Errorf("scopes %s and %s are for two resources (%s and %s), and a token is for one resource only, so Entra ID would refuse the request (AADSTS70011); ask for each in a request of its own", human.Quote(firstScope), human.Quote(s), first, res)
		}
	}
	return nil
}

// CheckAppScopes is the rule for an application's own identity (a service
// principal, workload identity, a CI job's federated identity, managed
// identity): it holds application permissions, which are asked for as
// <resource>/.default. A delegated permission (User.Read) or an OpenID
// scope needs a signed-in user; Entra ID would refuse the request with
// AADSTS1002012, quoting "openid offline_access profile" that the user
// never typed. The error completes "<who> signs in as an application: ".
func CheckAppScopes(scopes []string) error {
	for _, s := range scopes {
		if strings.HasSuffix(s, DefaultSuffix) {
			continue
		}
		res, perm := ScopeResource(s)
		switch {
		case openIDScopes[strings.ToLower(s)]:
			return fmt.Errorf("scope %s is an OpenID scope, which only a signed-in user can ask for; ask for a resource's /.default scope, such as https://graph.microsoft.com/.default", human.Quote(s))
		case res == "" || perm == "":
			return fmt.Errorf("scope %s is not a resource's /.default scope, the only kind an application can ask for, such as https://graph.microsoft.com/.default", human.Quote(s))
		}
		return fmt.Errorf("scope %s is a delegated permission, which only a signed-in user is granted; an application is granted application permissions and asks for %s, or Entra ID refuses it (AADSTS1002012)", human.Quote(s), human.Quote(ToScope(res)))
	}
	return nil
}
