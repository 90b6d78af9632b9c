package cli

import (
	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/source"
)

// constructors maps each canonical name in the order table to its source.
var constructors = map[string]func(source.Config) chain.Source{
	chain.Environment: func(c source.Config) chain.Source { return source.NewEnvironment(c) },
	chain.Workload:    func(c source.Config) chain.Source { return source.NewWorkload(c) },
	chain.Pipeline:    func(c source.Config) chain.Source { return source.NewPipeline(c) },
	chain.Managed:     func(c source.Config) chain.Source { return source.NewManaged(c) },
	chain.AzureCLI:    func(c source.Config) chain.Source { return source.NewAzureCLI(c) },
	chain.AzureDevCLI: func(c source.Config) chain.Source { return source.NewAzureDevCLI(c) },
	chain.PowerShell:  func(c source.Config) chain.Source { return source.NewPowerShell(c) },
}

// buildSources makes the selected sources, in chain order.
func buildSources(r *resolved) []chain.Source {
	out := make([]chain.Source, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, constructors[n](r.cfg))
	}
	return out
}
