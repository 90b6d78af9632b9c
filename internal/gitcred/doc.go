// Package gitcred is git's credential-helper protocol for Azure Repos:
// reading what git asks (protocol.go), deciding whether the URL is Azure
// Repos' and which organization it names (azurerepos.go), finding the
// organization's tenant (tenant.go), the answer git reads, and writing or
// removing the helper lines in the user's git configuration
// (configure.go). The token itself comes from the caller (the chain).
package gitcred
