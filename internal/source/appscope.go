package source

import (
	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// appScopes refuses, before anything is sent, a scope that an application
// identity cannot be granted (resources.CheckAppScopes): who is the
// source's identity in words ("the service principal in AZURE_CLIENT_ID").
// Failed, as Entra ID's refusal would be, but with what to ask instead.
func appScopes(req chain.Request, who string) error {
	if err := resources.CheckAppScopes(req.Scopes); err != nil {
		return chain.Failed(nil, "ask for the resource's /.default scope (or use --resource), or get a delegated permission from a user's login: --source az, azd or pwsh",
			"%s signs in as an application: %s", who, err)
	}
	return nil
}
