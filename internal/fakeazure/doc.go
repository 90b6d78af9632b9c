// Package fakeazure runs real loopback HTTP servers that behave like
// Microsoft Entra ID and like every managed identity endpoint MSAL for Go
// knows (IMDS, App Service, Cloud Shell, Azure ML, Service Fabric and
// Azure Arc), with faults that can be injected per endpoint.
//
// The fakes are ordinary net/http/httptest servers on 127.0.0.1, so the
// code under test talks real HTTP (and real TLS where Azure uses it) and
// nothing needs a test-only code path: a test points MSAL or the aztoken
// binary at URL(), trusts CACertPEM() through SSL_CERT_FILE, and sets the
// environment variables Managed.Env returns.
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
