// Package serve is aztoken's local managed-identity endpoint: it answers
// the managed-identity protocols that unmodified Azure SDK clients speak,
// so that an app in a container on a developer's machine gets tokens from
// the developer's own credential chain (or, with the emulator, from a
// signing key that needs no Azure at all).
//
// One listener serves every protocol, each on its own path (each one
// value of protocols.go's table: path, method, authentication, request
// parsing, token and error shapes, its banner line):
//
//	GET  /msi/token                        App Service 2019-08-01
//	                                       (IDENTITY_ENDPOINT, IDENTITY_HEADER)
//	GET  /metadata/identity/oauth2/token   IMDS 2018-02-01
//	                                       (AZURE_POD_IDENTITY_AUTHORITY_HOST, or a
//	                                       network namespace shared with the app)
//	POST /cloudshell/<secret>              Cloud Shell (MSI_ENDPOINT)
//
// and, in emulator mode, the OpenID Connect discovery document and the
// JWKS that verify the emulated tokens:
//
//	GET  /<tenant>/v2.0/.well-known/openid-configuration (also /.well-known/...)
//	GET  /<tenant>/discovery/v2.0/keys                   (also /discovery/v2.0/keys)
//
// # Safety
//
// The listener binds loopback unless Options.AllowRemote is set. Every
// start has a secret (generated, or read from a file or a variable) that
// the App Service protocol carries in its X-IDENTITY-HEADER header and
// that is compared in constant time. Cloud Shell clients send no secret
// header (MSAL, azidentity and azure-cli send only "Metadata: true"), so
// the secret is part of the MSI_ENDPOINT URL's path instead; such a URL is
// a credential and the access log never shows it.
//
// A real IMDS has no secret at all, and SDK clients send none, so the IMDS
// protocol is, by default, served without one when the listener is on
// loopback: any process on this machine can then ask for a token, much as
// any process of the same user can already run "az account
// get-access-token". IMDSRequireSecret closes that (only clients that can
// add the X-IDENTITY-HEADER header then use IMDS) and IMDSOff turns the
// protocol off. With AllowRemote, IMDS always requires the secret: an
// unauthenticated token endpoint on the network is not offered.
// IMDSOpen serves IMDS with no secret on a link-local listener too (the
// gateway of a docker network), and answers only loopback and link-local
// clients there; no router forwards those addresses. A Relay provider
// lets such a server, inside a docker network, take its tokens from
// another server's App Service protocol. Like
// Azure's IMDS, the IMDS path refuses requests that carry X-Forwarded-For
// (or Forwarded), which is what a request relayed by a server-side request
// forgery usually looks like, and requires the "Metadata: true" header.
//
// No token protocol answers a web page: a request whose Host header is
// not one of the server's own names, or that carries an Origin header or
// a browser's Sec-Fetch-Site: cross-site, is refused, so that a page
// cannot read tokens through DNS rebinding (guard.go says why each check
// is there). The emulator's discovery documents are exempt: they are
// public.
//
// Header and body sizes are bounded, every connection has read and idle
// deadlines, and an optional allow list limits the resources served. The
// access log (one line a request) names the method, the path without any
// secret, the status, the duration, the resource and the client's address;
// it never holds a token or the secret.
//
// The start banner and PrintEnv show the secret: that is their purpose,
// since a container needs it as IDENTITY_HEADER. It is not a token and is
// worth nothing once the server stops, but treat it like a password while
// the server runs.
//
// # Speed
//
// Tokens are cached in memory per identity and resource and served while
// they have more than five minutes left. Once a token passes its refresh
// time (the issuer's refresh_on, or half its lifetime) the next request
// starts a refresh in the background and is answered from the cache.
// Concurrent requests for one identity and resource share one upstream
// acquisition.
//
// # Bounds
//
// Everything a client can make the server hold or start is bounded: the
// acquisitions running at once (Options.MaxUpstream), the cached tokens
// (Options.MaxEntries, least recently used out first), the open
// connections (Options.MaxConns, and Options.MaxConnsPerAddr from one
// remote address; only a token answer keeps its connection),
// the time a graceful stop waits (Options.ShutdownTimeout, and Abort), and
// the shape of a resource, checked before anything is fetched.
package serve
