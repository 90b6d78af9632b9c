// Package acrtest proves docker's credential helper with the real clients:
// Debian's docker CLI and daemon push and pull an image (built FROM
// scratch) through Debian's docker-registry, which accepts only tokens
// from a loopback fake Azure Container Registry token service
// (fakeazure.ACR), with docker-credential-aztoken as the configured helper
// and no docker login. It runs from .ci/docker-helper-tests and skips,
// saying why, without an engine or the registry.
package acrtest
