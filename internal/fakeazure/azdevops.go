package fakeazure

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// EndpointAzureDevOpsOIDC is the Azure DevOps fake's one endpoint: POST
// …/oidctoken?api-version=7.1&serviceConnectionId=ID with the job's
// System.AccessToken.
const EndpointAzureDevOpsOIDC = "azdo-oidc"

// AzureDevOpsOIDCOptions configures an Azure DevOps OIDC fake.
type AzureDevOpsOIDCOptions struct {
	// Organization and Project name the subjects of issued tokens
	// ("sc://<org>/<project>/<connection>"); empty means contoso and web.
	Organization, Project string
	// Lifetime of issued tokens; 0 means DefaultCILifetime.
	Lifetime time.Duration
	// Minter signs tokens; nil means a new key.
	Minter *mint.Minter
}

// AzureDevOpsOIDC is a running fake of the endpoint an Azure Pipelines
// job asks for a service connection's OIDC token (System.OidcRequestUri),
// on plain HTTP on loopback. It checks the job's access token, the API
// version and the service connection id.
type AzureDevOpsOIDC struct {
	ciFake
	org, proj   string
	accessToken string
	path        string

	mu          sync.Mutex
	connections map[string]string // id (lower case) → name
}

// NewAzureDevOpsOIDC starts an Azure DevOps OIDC fake.
func NewAzureDevOpsOIDC(opts AzureDevOpsOIDCOptions) (*AzureDevOpsOIDC, error) {
	d := &AzureDevOpsOIDC{org: opts.Organization, proj: opts.Project, connections: map[string]string{}}
	if d.org == "" {
		d.org = "contoso"
	}
	if d.proj == "" {
		d.proj = "web"
	}
	// Azure DevOps names the organization by id in the issuer.
	iss, err := newOIDCIssuer("https://vstoken.dev.azure.com/"+stableID("azdo-org", d.org), opts.Minter, opts.Lifetime)
	if err != nil {
		return nil, err
	}
	d.ciFake = ciFake{issuer: iss, name: "Azure DevOps OIDC", endpoint: EndpointAzureDevOpsOIDC}
	d.accessToken = "eyJ0eXAiOiJKV1QifQ.azdo-job-" + strings.ReplaceAll(randomID(), "-", "") + ".sig"
	d.path = "/" + d.org + "/" + stableID("azdo-project", d.proj) + "/_apis/distributedtask/hubs/build/plans/" + randomID() + "/jobs/" + randomID() + "/oidctoken"
	if err := d.start(http.MethodPost, d.path, d.oidcToken); err != nil {
		return nil, err
	}
	return d, nil
}

// AddServiceConnection makes a service connection known; its tokens'
// subject is "sc://<org>/<project>/<name>".
func (d *AzureDevOpsOIDC) AddServiceConnection(id, name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.connections[strings.ToLower(id)] = name
}

// Subject is the sub claim of the tokens issued for a connection name.
func (d *AzureDevOpsOIDC) Subject(name string) string {
	return "sc://" + d.org + "/" + d.proj + "/" + name
}

// RequestURI is what Azure Pipelines puts in SYSTEM_OIDCREQUESTURI.
func (d *AzureDevOpsOIDC) RequestURI() string { return d.URL() + d.path }

// AccessToken is the job's System.AccessToken, a secret.
func (d *AzureDevOpsOIDC) AccessToken() string { return d.accessToken }

// Env returns the variables an AzureCLI@2 step sees for the service
// connection id when the job maps SYSTEM_ACCESSTOKEN.
func (d *AzureDevOpsOIDC) Env(connectionID string) map[string]string {
	return map[string]string{
		"TF_BUILD":                                "True",
		"SYSTEM_OIDCREQUESTURI":                   d.RequestURI(),
		"SYSTEM_ACCESSTOKEN":                      d.accessToken,
		"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": connectionID,
	}
}

// Credential is the federated credential that accepts the tokens of the
// connection named name: register it with Entra.AddFederatedCredential.
func (d *AzureDevOpsOIDC) Credential(name string) FederatedCredential {
	return d.issuer.credential(d.Subject(name), "api://AzureADTokenExchange")
}

func (d *AzureDevOpsOIDC) oidcToken(x *exchange) reply {
	r := x.r
	if !bearerIs(r, d.accessToken) {
		if !strings.EqualFold(r.Header.Get("X-TFS-FedAuthRedirect"), "Suppress") {
			// What Azure DevOps does for a browser: off to sign in.
			rep := textReply(http.StatusFound, "text/html; charset=utf-8", "<html>Object moved</html>")
			rep.header.Set("Location", "https://spsprodweu5.vssps.visualstudio.com/_signin")
			return rep
		}
		return ciError(http.StatusUnauthorized, "TF400813: The user '' is not authorized to access this resource.")
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != "7.1" && !strings.HasPrefix(v, "7.1-") {
		return ciError(http.StatusBadRequest, "The requested REST API version of "+v+" is out of range for this server.")
	}
	id := q.Get("serviceConnectionId")
	if id == "" {
		return ciError(http.StatusBadRequest, "Value cannot be null. Parameter name: serviceConnectionId")
	}
	d.mu.Lock()
	name, ok := d.connections[strings.ToLower(id)]
	d.mu.Unlock()
	if !ok {
		return ciError(http.StatusNotFound, "Service connection "+id+" could not be found, or this pipeline is not authorized to use it.")
	}
	tok, err := d.issuer.mint(d.Subject(name), "api://AzureADTokenExchange", x.fault, nil)
	if err != nil {
		return ciError(http.StatusInternalServerError, err.Error())
	}
	return jsonReply(http.StatusOK, map[string]any{"oidcToken": tok})
}
