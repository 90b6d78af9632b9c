package chain

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/usage"
)

func TestSelect(t *testing.T) {
	all := []string{Environment, Workload, Pipeline, Managed, AzureCLI, AzureDevCLI, PowerShell}
	tests := []struct {
		name    string
		sel     Selection
		want    []string
		wantErr string
	}{
		{"default is the whole chain", Selection{}, all, ""},
		{"dev", Selection{TokenCredentials: "dev", TokenCredentialsSet: true}, []string{AzureCLI, AzureDevCLI, PowerShell}, ""},
		{"prod in any case", Selection{TokenCredentials: " PROD ", TokenCredentialsSet: true}, []string{Environment, Workload, Pipeline, Managed}, ""},
		{"type name, case-insensitive", Selection{TokenCredentials: "azureclicredential", TokenCredentialsSet: true}, []string{AzureCLI}, ""},
		{"alias as value", Selection{TokenCredentials: "mi", TokenCredentialsSet: true}, []string{Managed}, ""},
		{"empty value is an error", Selection{TokenCredentials: "", TokenCredentialsSet: true}, nil, `invalid AZURE_TOKEN_CREDENTIALS value ""`},
		{"unknown value names the valid ones", Selection{TokenCredentials: "foo", TokenCredentialsSet: true}, nil, `Valid values are "dev", "prod"`},
		{"--source keeps chain order", Selection{Include: []string{"azd", "env"}}, []string{Environment, AzureDevCLI}, ""},
		{"--source takes commas and type names", Selection{Include: []string{"ManagedIdentityCredential,az"}}, []string{Managed, AzureCLI}, ""},
		{"--exclude", Selection{Exclude: []string{"mi", "pwsh"}}, []string{Environment, Workload, Pipeline, AzureCLI, AzureDevCLI}, ""},
		{"pipeline by alias and type name", Selection{Include: []string{"ci,AzurePipelinesCredential"}}, []string{Pipeline}, ""},
		{"--exclude pipeline", Selection{Exclude: []string{"oidc"}}, []string{Environment, Workload, Managed, AzureCLI, AzureDevCLI, PowerShell}, ""},
		{"dev then --source", Selection{TokenCredentials: "dev", TokenCredentialsSet: true, Include: []string{"az", "env"}}, []string{AzureCLI}, ""},
		{"nothing left", Selection{Include: []string{"az"}, Exclude: []string{"azure-cli"}}, nil, "leaves no source"},
		{"unknown --source", Selection{Include: []string{"vscode"}}, nil, `--source: unknown source "vscode"`},
		{"unknown --exclude", Selection{Exclude: []string{"x"}}, nil, `--exclude: unknown source "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.sel)
			if tt.wantErr != "" {
				if !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Select() error = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Select() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestResolveAliases(t *testing.T) {
	for alias, want := range map[string]string{
		"env": Environment, "environment": Environment, "EnvironmentCredential": Environment,
		"workload": Workload, "workload-identity": Workload,
		"pipeline": Pipeline, "ci": Pipeline, "oidc": Pipeline, "github-actions": Pipeline, "azure-pipelines": Pipeline, "azurepipelinescredential": Pipeline,
		"mi": Managed, "managed-identity": Managed,
		"azcli": AzureCLI, "az": AzureCLI, "azure-cli": AzureCLI, "AZURECLICREDENTIAL": AzureCLI,
		"azd": AzureDevCLI, "AzureDeveloperCLICredential": AzureDevCLI,
		"pwsh": PowerShell, "powershell": PowerShell,
	} {
		if got, ok := Resolve(alias); !ok || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", alias, got, ok, want)
		}
	}
}
