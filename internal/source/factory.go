package source

import (
	"fmt"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
)

// New makes the source that a canonical name of chain.Order names, from
// cfg: the one place that knows which type answers to which name, so get,
// probe, explain and serve build sources alike.
func New(name string, cfg Config) (chain.Source, error) {
	switch name {
	case chain.Environment:
		return NewEnvironment(cfg), nil
	case chain.Workload:
		return NewWorkload(cfg), nil
	case chain.Pipeline:
		return NewPipeline(cfg), nil
	case chain.Managed:
		return NewManaged(cfg), nil
	case chain.AzureCLI:
		return NewAzureCLI(cfg), nil
	case chain.AzureDevCLI:
		return NewAzureDevCLI(cfg), nil
	case chain.PowerShell:
		return NewPowerShell(cfg), nil
	}
	names := make([]string, 0, len(chain.Order))
	for _, info := range chain.Order {
		names = append(names, info.Name)
	}
	return nil, fmt.Errorf("there is no credential source named %q; the sources are %s", name, strings.Join(names, ", "))
}

// NewAll makes the named sources, in the order given (chain.Select's).
func NewAll(names []string, cfg Config) ([]chain.Source, error) {
	out := make([]chain.Source, 0, len(names))
	for _, n := range names {
		s, err := New(n, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
