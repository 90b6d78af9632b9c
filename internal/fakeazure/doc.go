// Package fakeazure runs real loopback servers that behave like what
// aztoken talks to: Microsoft Entra ID (Entra); every managed identity
// endpoint MSAL for Go knows (Managed: IMDS, App Service, Cloud Shell,
// Azure ML, Service Fabric and Azure Arc); the CI OIDC endpoints of GitHub
// Actions and Azure Pipelines (GitHubOIDC, AzureDevOpsOIDC); and the
// services the credential helpers front: Azure Container Registry (ACR),
// Azure Repos (AzureRepos), Azure Artifacts feeds (Artifacts), a
// Kubernetes API server (KubeAPI) and PostgreSQL (Postgres); with faults
// that can be injected per endpoint, and Blackhole and Unroutable for
// networks that never answer.
//
// The fakes are ordinary servers on 127.0.0.1, so the code under test
// talks real HTTP (and real TLS where Azure uses it): a test points MSAL
// or the aztoken binary at URL(), trusts CACertPEM() through
// SSL_CERT_FILE, and sets the environment variables Managed.Env returns.
// The one test-only path in aztoken they rely on is AZTOKEN_TEST_RESOLVE,
// for a fake under a real cloud's host name, which the binary honours
// only under AZTOKEN_LOOPBACK_ONLY=1 and only towards loopback.
//
// It is test code: no package that goes into the aztoken binary imports
// it (cmd/aztoken's TestBinaryHasNoTestFakes checks). It does not import
// "testing" so that testscript commands and benchmarks can start the same
// servers without a *testing.T. Tokens are signed by internal/mint, the
// emulator's minter. Nothing here dials anything but loopback:
// LoopbackDialer refuses every other address, which is how the
// 169.254.169.254 IMDS address is moved onto a fake without any chance of
// reaching the real one.
//
// Every request is recorded (Requests, Count) without the values of
// secrets, so tests can assert what a client sent and how often.
package fakeazure
