// Package servechain is what `aztoken serve` runs beside the server when
// its tokens come from this machine's credential chain: the Provider
// that decides which source answers which identity (the chain for the
// system-assigned one, managed identity alone for a user-assigned one,
// "identity not found" when that cannot be honoured), keeps a bounded set
// of chains so that what sources learn lasts, and leaves managed identity
// out when it would ask serve itself; and the docker network that puts
// IMDS's address on this machine (--docker-network).
//
// It imports serve and source so that neither imports the other: serve
// knows only the Provider interface, the sources know nothing of serve,
// and cli only turns flags into the options here.
package servechain
