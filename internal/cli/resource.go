package cli

import (
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/usage"
)

// scopesFor works out the scopes of a request from --scope and --resource
// (a resource or an alias); with neither, ARM. Characters and the choice
// of one flag are checked here; what Entra ID would refuse is in
// requestProblem.
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
			return nil, usage.Errorf("scope %s %s; check --scope or --resource.", human.Quote(s), err)
		}
	}
	return scopes, nil
}

// requestProblem applies the resources package's rules for what Entra ID
// would refuse: an unknown --resource word, a scope with no permission,
// scopes for two resources. get refuses such a request (exit 2); explain
// shows the sentence as a warning and explains the rest.
func requestProblem(resource string, scopes []string) error {
	if resource != "" {
		if err := resources.CheckWord(resource); err != nil {
			return err
		}
	}
	return resources.CheckScopes(scopes)
}
