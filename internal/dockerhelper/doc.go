// Package dockerhelper is docker's side of the credential-helper protocol
// (docker-credential-helpers): the server address read from stdin, the
// credentials written to stdout, the exact not-found answer docker turns
// into "no credentials", and the settings `aztoken docker configure`
// records for the helper beside docker's own config.json.
//
// docker runs the helper with no arguments but the action and with its own
// environment, so what the helper may not learn from the environment (a
// registry on a custom domain, the sources or tenant to use for one
// registry) is recorded in those settings.
package dockerhelper
