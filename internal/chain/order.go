package chain

import (
	"slices"
	"strings"

	"github.com/aztoken/aztoken/internal/usage"
)

// Canonical source names, in chain order: the Go SDK's, plus Pipeline, a
// CI system's OIDC token (GitHub Actions, Azure Pipelines, or any CI's
// token in a variable). No SDK's default chain has it; it comes right
// after workload identity, the other federated source, and answers only
// inside a CI job, so nothing changes on laptops, VMs or pods.
const (
	Environment = "environment"
	Workload    = "workload-identity"
	Pipeline    = "pipeline"
	Managed     = "managed-identity"
	AzureCLI    = "azure-cli"
	AzureDevCLI = "azd"
	PowerShell  = "powershell"
)

// SourceInfo is one row of the order table.
type SourceInfo struct {
	Name     string   // canonical name
	TypeName string   // the SDK's credential type name
	Aliases  []string // names users may type, lower case
	Prod     bool     // part of AZURE_TOKEN_CREDENTIALS=prod; else of dev
}

// Order is the default chain, in the order sources are tried.
var Order = []SourceInfo{
	{Environment, "EnvironmentCredential", []string{"env", "environment"}, true},
	{Workload, "WorkloadIdentityCredential", []string{"workload", "workload-identity"}, true},
	{Pipeline, "AzurePipelinesCredential", []string{"pipeline", "ci", "oidc", "github-actions", "azure-pipelines"}, true},
	{Managed, "ManagedIdentityCredential", []string{"mi", "managed-identity", "managed"}, true},
	{AzureCLI, "AzureCLICredential", []string{"azcli", "az", "azure-cli"}, false},
	{AzureDevCLI, "AzureDeveloperCLICredential", []string{"azd"}, false},
	{PowerShell, "AzurePowerShellCredential", []string{"pwsh", "powershell"}, false},
}

// Info returns the order table's row for a canonical name.
func Info(name string) (SourceInfo, bool) {
	for _, s := range Order {
		if s.Name == name {
			return s, true
		}
	}
	return SourceInfo{}, false
}

// Resolve turns a name a user typed (an alias or an SDK type name, in any
// case) into the canonical name.
func Resolve(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Order {
		if n == strings.ToLower(s.TypeName) || slices.Contains(s.Aliases, n) {
			return s.Name, true
		}
	}
	return "", false
}

// Names lists every name Resolve accepts, for help texts and completion.
func Names() []string {
	var out []string
	for _, s := range Order {
		out = append(out, s.Aliases...)
		out = append(out, s.TypeName)
	}
	return out
}

// Selection is what the user asked for: AZURE_TOKEN_CREDENTIALS and the
// --source/--exclude flags.
type Selection struct {
	TokenCredentials    string // the variable's value
	TokenCredentialsSet bool
	Include             []string
	Exclude             []string
}

// Select applies the selection rules and returns canonical names in chain
// order. AZURE_TOKEN_CREDENTIALS narrows first, then --source keeps only the
// named sources, then --exclude removes some.
func Select(sel Selection) ([]string, error) {
	var names []string
	for _, s := range Order {
		names = append(names, s.Name)
	}
	if sel.TokenCredentialsSet {
		v := strings.ToLower(strings.TrimSpace(sel.TokenCredentials))
		switch v {
		case "dev", "prod":
			names = slices.DeleteFunc(names, func(n string) bool {
				info, _ := Info(n)
				return info.Prod != (v == "prod")
			})
		default:
			// An SDK type name, as the SDKs accept; our aliases too,
			// which cost nothing and spare users a lookup.
			n, ok := Resolve(v)
			if !ok {
				return nil, usage.Errorf(
					"invalid AZURE_TOKEN_CREDENTIALS value %q. Valid values are \"dev\", \"prod\", or the name of a credential type in the chain: %s.",
					sel.TokenCredentials, strings.Join(typeNames(), ", "))
			}
			names = []string{n}
		}
	}
	if len(sel.Include) > 0 {
		want, err := resolveAll("--source", sel.Include)
		if err != nil {
			return nil, err
		}
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(want, n) })
	}
	if len(sel.Exclude) > 0 {
		drop, err := resolveAll("--exclude", sel.Exclude)
		if err != nil {
			return nil, err
		}
		names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(drop, n) })
	}
	if len(names) == 0 {
		return nil, usage.New("the selection leaves no source to try; check AZURE_TOKEN_CREDENTIALS, --source and --exclude.")
	}
	return names, nil
}

func resolveAll(flag string, in []string) ([]string, error) {
	var out []string
	for _, raw := range in {
		for _, part := range strings.Split(raw, ",") {
			n, ok := Resolve(part)
			if !ok {
				return nil, usage.Errorf("%s: unknown source %q. Valid names are %s.",
					flag, strings.TrimSpace(part), strings.Join(Names(), ", "))
			}
			out = append(out, n)
		}
	}
	return out, nil
}

func typeNames() []string {
	var out []string
	for _, s := range Order {
		out = append(out, s.TypeName)
	}
	return out
}
