package cli

import (
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/usage"
)

// scopesFor works out the scopes of a request from --scope and --resource
// (a resource or an alias); with neither, ARM.
func scopesFor(scopes []string, resource string) ([]string, error) {
	if len(scopes) > 0 && resource != "" {
		return nil, usage.New("--scope and --resource both name what the token is for; give one of them.")
	}
	if resource != "" {
		scopes = []string{resources.ToScope(resources.Expand(resource))}
	}
	if len(scopes) == 0 {
		scopes = []string{resources.ToScope(resources.Expand(resources.Default))}
	}
	for _, s := range scopes {
		if err := resources.Validate(s); err != nil {
			return nil, usage.Errorf("scope %q %s; check --scope or --resource.", s, err)
		}
	}
	return scopes, nil
}
