// Package tenantdiscovery finds the Entra ID tenant behind an Azure
// service from what the service itself says to a request without a token:
// the authorization_uri of a WWW-Authenticate Bearer challenge, or Azure
// DevOps' X-VSS-ResourceTenant header. The git helper (Azure Repos) and
// the package-feed helpers (Azure Artifacts) share it.
//
// What a service says is not trusted further than needed: only a tenant
// id (a GUID) is taken from it, and only from an authorization_uri on a
// known Entra ID host, so a hostile or spoofed header can choose neither
// where aztoken asks for a token nor a tenant name that is not an id. The
// request that asks is one HEAD over HTTPS, bounded in time, that follows
// no redirect and carries no credential.
package tenantdiscovery
