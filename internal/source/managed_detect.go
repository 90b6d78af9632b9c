package source

import (
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

// ManagedKind is the managed identity endpoint a machine offers. Its value
// is a short lower-case name, used in cache keys.
type ManagedKind string

// The managed identity kinds, in MSAL's detection order.
const (
	ManagedServiceFabric ManagedKind = "servicefabric"
	ManagedAppService    ManagedKind = "appservice"
	ManagedAzureML       ManagedKind = "azureml"
	ManagedCloudShell    ManagedKind = "cloudshell"
	ManagedAzureArc      ManagedKind = "arc"
	ManagedIMDS          ManagedKind = "imds"
)

// Title is the kind's name for people.
func (k ManagedKind) Title() string {
	switch k {
	case ManagedServiceFabric:
		return "Service Fabric"
	case ManagedAppService:
		return "App Service"
	case ManagedAzureML:
		return "Azure ML"
	case ManagedCloudShell:
		return "Cloud Shell"
	case ManagedAzureArc:
		return "Azure Arc"
	case ManagedIMDS:
		return "IMDS"
	}
	return string(k)
}

// Variables and paths managed identity reads.
const (
	envIdentityEndpoint   = "IDENTITY_ENDPOINT"
	envIdentityHeader     = "IDENTITY_HEADER"
	envIdentityThumbprint = "IDENTITY_SERVER_THUMBPRINT"
	envMSIEndpoint        = "MSI_ENDPOINT"
	envMSISecret          = "MSI_SECRET"
	envIMDSEndpoint       = "IMDS_ENDPOINT"
	envPodIdentityHost    = "AZURE_POD_IDENTITY_AUTHORITY_HOST"
	envAzureClientID      = "AZURE_CLIENT_ID"
	envDefaultIdentityID  = "DEFAULT_IDENTITY_CLIENT_ID"

	imdsHost         = "169.254.169.254"
	imdsTokenURL     = "http://169.254.169.254/metadata/identity/oauth2/token"
	arcDefaultURL    = "http://127.0.0.1:40342/metadata/identity/oauth2/token"
	imdsAPIVersion   = "2018-02-01"
	appSvcAPIVersion = "2019-08-01"
	mlAPIVersion     = "2017-09-01"
	sfAPIVersion     = "2019-07-01-preview"
	arcAPIVersion    = "2020-06-01"
)

// arcAgentPath is where MSAL looks for Azure Arc's agent on goos, whose
// presence makes a machine an Arc machine even without IDENTITY_ENDPOINT:
// himds.exe in %ProgramData% on Windows, /opt/azcmagent/bin/himds on
// Linux, and nowhere elsewhere (Arc has no agent for macOS). Like MSAL,
// an unset ProgramData leaves a relative path.
func arcAgentPath(goos string, e env.Env) string {
	switch goos {
	case "windows":
		return filepath.Join(e.Get("ProgramData"), "AzureConnectedMachineAgent", "himds.exe")
	case "linux":
		return "/opt/azcmagent/bin/himds"
	}
	return ""
}

// himdsInstalled is the real check for Azure Arc's agent, as MSAL makes it.
func himdsInstalled(e env.Env) func() bool {
	return func() bool {
		p := arcAgentPath(runtime.GOOS, e)
		if p == "" {
			return false
		}
		_, err := os.Stat(p)
		return err == nil
	}
}

// detectManaged says which managed identity endpoint e describes, by the
// first-match rule MSAL's managedidentity.GetSource applies (an empty
// variable counts as unset), and why, in words. himds is the Arc agent
// check (himdsInstalled), injectable for tests.
//
// MSAL reads the process environment itself, not e; the two agree because
// in production e is the process environment, and GetToken refuses to
// proceed when they differ (see checkMSALAgrees).
func detectManaged(e env.Env, himds func() bool) (ManagedKind, string) {
	ep, hdr := e.Get(envIdentityEndpoint), e.Get(envIdentityHeader)
	switch {
	case ep != "" && hdr != "" && e.Get(envIdentityThumbprint) != "":
		return ManagedServiceFabric, "IDENTITY_ENDPOINT, IDENTITY_HEADER and IDENTITY_SERVER_THUMBPRINT are set"
	case ep != "" && hdr != "":
		return ManagedAppService, "IDENTITY_ENDPOINT and IDENTITY_HEADER are set"
	case e.Get(envMSIEndpoint) != "" && e.Get(envMSISecret) != "":
		return ManagedAzureML, "MSI_ENDPOINT and MSI_SECRET are set"
	case e.Get(envMSIEndpoint) != "":
		return ManagedCloudShell, "MSI_ENDPOINT is set without MSI_SECRET"
	case ep != "" && e.Get(envIMDSEndpoint) != "":
		return ManagedAzureArc, "IDENTITY_ENDPOINT and IMDS_ENDPOINT are set"
	case himds != nil && himds():
		return ManagedAzureArc, "Azure Arc's agent is installed (" + arcAgentPath(runtime.GOOS, e) + ")"
	}
	return ManagedIMDS, "none of IDENTITY_ENDPOINT+IDENTITY_HEADER, MSI_ENDPOINT or IDENTITY_ENDPOINT+IMDS_ENDPOINT is set, so the Azure Instance Metadata Service (IMDS) is used"
}

// managedID is the identity managed identity asks for.
type managedID struct {
	kind  string // "client_id", "object_id", "resource_id"; "" for system-assigned
	value string
	from  string // the flag or variable it came from
}

func (id managedID) String() string {
	if id.kind == "" {
		return "managed identity (system-assigned)"
	}
	return id.kind + "=" + id.value
}

// resolveManagedID picks the user-assigned identity: a flag, else
// AZURE_CLIENT_ID as the SDKs' default chain does.
func resolveManagedID(cfg Config) (managedID, error) {
	var set []managedID
	for _, c := range []managedID{
		{"client_id", cfg.ClientID, "--client-id"},
		{"object_id", cfg.ObjectID, "--object-id"},
		{"resource_id", cfg.ResourceID, "--resource-id"},
	} {
		if c.value != "" {
			set = append(set, c)
		}
	}
	switch len(set) {
	case 0:
		if v := cfg.Env.Get(envAzureClientID); v != "" {
			return managedID{"client_id", v, envAzureClientID}, nil
		}
		return managedID{}, nil
	case 1:
		return set[0], nil
	}
	var names []string
	for _, s := range set {
		names = append(names, s.from)
	}
	return managedID{}, chain.Unavailable("pass only one of --client-id, --object-id and --resource-id",
		"%s each name a user-assigned identity; managed identity takes one", strings.Join(names, " and "))
}

// checkIDSupported applies each endpoint's limits on user-assigned ids,
// which MSAL would otherwise report as a bare constructor error.
func checkIDSupported(k ManagedKind, id managedID) error {
	if id.kind == "" {
		return nil
	}
	hint := "remove " + id.from + " to use the system-assigned identity"
	if id.from == envAzureClientID {
		hint = "unset AZURE_CLIENT_ID (the SDKs' default chain reads it as a managed identity client id) to use the system-assigned identity"
	}
	switch k {
	case ManagedCloudShell:
		return chain.Unavailable(hint, "Cloud Shell offers only its signed-in user's identity, not a user-assigned one (%s came from %s)", id, id.from)
	case ManagedServiceFabric:
		return chain.Unavailable(hint, "Service Fabric chooses the identity from the cluster's configuration and takes no user-assigned id (%s came from %s)", id, id.from)
	case ManagedAzureML:
		if id.kind != "client_id" {
			return chain.Unavailable("use --client-id instead", "Azure ML selects a user-assigned identity by client id only, not by %s", id.kind)
		}
	}
	return nil
}

// podIdentityHost parses AZURE_POD_IDENTITY_AUTHORITY_HOST, which Python
// and .NET use to move IMDS (aad-pod-identity's NMI listens there).
// A bare host:port means http.
func podIdentityHost(v string) (*url.URL, error) {
	raw := strings.TrimSpace(v)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, chain.Unavailable("set it to a URL such as http://127.0.0.1:2579, or unset it",
			"AZURE_POD_IDENTITY_AUTHORITY_HOST=%q is not an http(s) host", v)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// managedEndpoint is where token requests go, before any rewrite for
// IMDS, as MSAL builds it from the same variables.
func managedEndpoint(k ManagedKind, e env.Env) string {
	switch k {
	case ManagedServiceFabric, ManagedAppService:
		return e.Get(envIdentityEndpoint)
	case ManagedAzureML, ManagedCloudShell:
		return e.Get(envMSIEndpoint)
	case ManagedAzureArc:
		if v := e.Get(envIdentityEndpoint); v != "" {
			return v
		}
		return arcDefaultURL
	}
	return imdsTokenURL
}
