package fakeazure

// Endpoint names, used to inject faults (SetFault), to count requests
// (Count) and to label recorded requests (Request.Endpoint).
const (
	// Entra ID.
	EndpointOpenID    = "openid"    // GET /{tenant}/v2.0/.well-known/openid-configuration
	EndpointToken     = "token"     // POST /{tenant}/oauth2/v2.0/token
	EndpointUserRealm = "userrealm" // GET /common/UserRealm/{username}?api-version=1.0
	EndpointDiscovery = "discovery" // GET /common/discovery/instance
	EndpointJWKS      = "jwks"      // GET /{tenant}/discovery/v2.0/keys

	// Managed identity. The source names double as endpoint names.
	EndpointIMDS          = "imds"          // GET /metadata/identity/oauth2/token with Metadata: true
	EndpointProbe         = "probe"         // the same path with neither a query nor Metadata: the chain's availability probe
	EndpointAppService    = "appservice"    // GET /appservice/msi/token
	EndpointCloudShell    = "cloudshell"    // POST /cloudshell/oauth2/token
	EndpointAzureML       = "azureml"       // GET /azureml/msi/token
	EndpointServiceFabric = "servicefabric" // GET https://…/metadata/identity/oauth2/token (its own TLS server)
	EndpointArcChallenge  = "arc-challenge" // Azure Arc's first request, without Authorization, answered 401 + key file
	EndpointArc           = "arc"           // Azure Arc's second request, with Authorization: Basic <key>

	// EndpointUnknown labels a request for a path no endpoint serves.
	EndpointUnknown = "unknown"
)

// Managed identity source names for Managed.Env and Managed.EndpointURL.
const (
	SourceIMDS          = EndpointIMDS
	SourceAppService    = EndpointAppService
	SourceCloudShell    = EndpointCloudShell
	SourceAzureML       = EndpointAzureML
	SourceServiceFabric = EndpointServiceFabric
	SourceArc           = EndpointArc
)

// Paths the managed identity fake serves. IMDSPath is fixed by MSAL; the
// others are ours, since each source reads its full URL from the
// environment.
const (
	IMDSPath          = "/metadata/identity/oauth2/token"
	AppServicePath    = "/appservice/msi/token"
	CloudShellPath    = "/cloudshell/oauth2/token"
	AzureMLPath       = "/azureml/msi/token"
	ArcPath           = "/arc/metadata/identity/oauth2/token"
	ServiceFabricPath = "/metadata/identity/oauth2/token"
)

// API versions each managed identity source sends, as MSAL v1.10.1 does.
const (
	IMDSAPIVersion          = "2018-02-01"
	AppServiceAPIVersion    = "2019-08-01"
	AzureMLAPIVersion       = "2017-09-01"
	ServiceFabricAPIVersion = "2019-07-01-preview"
	ArcAPIVersion           = "2020-06-01"
)
