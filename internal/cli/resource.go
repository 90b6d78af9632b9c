package cli

import (
	"sort"
	"strings"

	"github.com/aztoken/aztoken/internal/source"
	"github.com/aztoken/aztoken/internal/usage"
)

// resourceAliases are the resources people ask for most, by short name.
var resourceAliases = map[string]string{
	"arm":        "https://management.azure.com/",
	"graph":      "https://graph.microsoft.com/",
	"vault":      "https://vault.azure.net",
	"storage":    "https://storage.azure.com/",
	"sql":        "https://database.windows.net/",
	"ossrdbms":   "https://ossrdbms-aad.database.windows.net",
	"servicebus": "https://servicebus.azure.net",
	"eventhubs":  "https://eventhubs.azure.net",
	"cosmos":     "https://cosmos.azure.com",
	"devops":     "499b84ac-1321-427f-aa17-267ca6975798",
}

// resourceAliasNames lists the aliases, sorted, for help and completion.
func resourceAliasNames() []string {
	var out []string
	for k := range resourceAliases {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ResourceToScope turns a v1 resource or an alias into a v2 scope.
func ResourceToScope(resource string) string {
	if r, ok := resourceAliases[strings.ToLower(resource)]; ok {
		resource = r
	}
	return strings.TrimSuffix(resource, "/") + "/.default"
}

// scopesFor works out the scopes of a request from --scope and --resource;
// with neither, ARM.
func scopesFor(scopes []string, resource string) ([]string, error) {
	if len(scopes) > 0 && resource != "" {
		return nil, usage.New("--scope and --resource both name what the token is for; give one of them.")
	}
	if resource != "" {
		scopes = []string{ResourceToScope(resource)}
	}
	if len(scopes) == 0 {
		scopes = []string{ResourceToScope("arm")}
	}
	for _, s := range scopes {
		if !source.ValidScope(s) {
			return nil, usage.Errorf("scope %q has characters outside A-Z, a-z, 0-9 and . _ / : -; check --scope or --resource.", s)
		}
	}
	return scopes, nil
}
