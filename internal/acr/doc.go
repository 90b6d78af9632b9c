// Package acr turns a Microsoft Entra ID token into an Azure Container
// Registry refresh token, the way `az acr login` does: one POST to the
// registry's /oauth2/exchange. docker then hands the refresh token to its
// daemon, which asks the registry's /oauth2/token for short-lived access
// tokens as it pulls and pushes.
//
// The Entra token is sent only to the host the caller matched (see
// internal/hostmatch), only over HTTPS, and never after a redirect.
package acr
