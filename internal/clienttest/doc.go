// Package clienttest proves aztoken's integrations with the real clients
// Debian packages, against loopback fakes of Azure (internal/fakeazure):
//
//   - git (Debian's git, 2.39 on bookworm) clones and pushes over HTTPS
//     from a fake Azure Repos (git's own git-http-backend behind a server
//     that demands an Entra ID token), with aztoken as its only credential
//     helper, configured by 'aztoken git configure';
//   - kubectl (Debian's kubernetes-client) runs 'get --raw /version'
//     against a fake AKS API server that checks the bearer token, with the
//     kubeconfig 'aztoken kubeconfig' rewrote.
//
// The package holds only tests. A client that is not installed skips its
// test, saying so; .ci/client-tests installs them. Nothing leaves the
// machine: git reaches dev.azure.com through its own
// http.curloptResolve, mapped to an address of 127.0.0.0/8 of the test's
// own, and aztoken through AZTOKEN_TEST_RESOLVE (honoured only with
// AZTOKEN_LOOPBACK_ONLY=1, towards loopback); /etc/hosts is never touched.
package clienttest
