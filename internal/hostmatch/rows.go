package hostmatch

// Service names what a matched host serves, so that a helper for one
// service never answers for another's hosts.
type Service string

// The services helpers answer for.
const (
	// ContainerRegistry is Azure Container Registry's login servers.
	ContainerRegistry Service = "acr"
	// AzureRepos is Azure DevOps' git hosts: dev.azure.com, where the
	// organization is the first path segment, and the older
	// <organization>.visualstudio.com.
	AzureRepos Service = "azure-repos"
	// AzureArtifacts is Azure Artifacts' package feeds (npm, PyPI,
	// NuGet): pkgs.dev.azure.com, where the organization is the first
	// path segment, and the older <organization>.pkgs.visualstudio.com.
	AzureArtifacts Service = "azure-artifacts"
)

// Row is one rule: a host exactly, or one DNS label then a suffix.
type Row struct {
	Service Service
	// Host, when set, is the one host this row matches.
	Host string
	// Suffix, when set, starts with a dot; the row matches one label
	// followed by it ("myregistry" + ".azurecr.io"), never more labels.
	Suffix string
}

// Rows are the well-known hosts of every service. A helper for a new
// service adds its rows here, with their cases in rows_test.go.
var Rows = []Row{
	// Azure Container Registry login servers: the public cloud and the
	// national clouds (US Government, China). Data endpoints
	// (<name>.<region>.data.azurecr.io) have two labels and do not match:
	// docker asks for credentials for the login server only.
	{Service: ContainerRegistry, Suffix: ".azurecr.io"},
	{Service: ContainerRegistry, Suffix: ".azurecr.us"},
	{Service: ContainerRegistry, Suffix: ".azurecr.cn"},

	// Azure Repos over HTTPS (git asks no credential helper for SSH's
	// ssh.dev.azure.com).
	{Service: AzureRepos, Host: "dev.azure.com"},
	{Service: AzureRepos, Suffix: ".visualstudio.com"},

	// Azure Artifacts' feeds. <org>.pkgs.visualstudio.com has two labels
	// before .visualstudio.com, so Azure Repos' row never matches it, and
	// this row matches no Azure Repos host.
	{Service: AzureArtifacts, Host: "pkgs.dev.azure.com"},
	{Service: AzureArtifacts, Suffix: ".pkgs.visualstudio.com"},
}
