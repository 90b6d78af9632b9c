// Package bench measures aztoken as its users meet it: a fresh process per
// call, side by side with the programs it is meant to beat (a trivial Go
// binary for start-up, the Azure SDK for Go's DefaultAzureCredential for
// getting a token), against the loopback fakes of internal/fakeazure and the
// fake developer tools in testdata/fakebin.
//
// The package holds only benchmarks; `make bench` runs them and
// docs/benchmarks.md explains each and records the figures. Every variant
// of a benchmark runs in the same rounds, interleaved, so a machine that
// slows down part-way slows all of them alike, and the figures are medians.
// Timing targets are reported, never asserted: the machines that run this
// are shared. What is asserted is what makes a figure mean anything, such
// as a cached call not reaching the fake, or each program printing the
// token it should.
//
// The helper programs the benchmarks build live in testdata: trivial (an
// empty main), floor (net/http, crypto/tls, crypto/x509 and encoding/json
// linked, a line printed: the start-up a cached get is held to), sdkcred (DefaultAzureCredential and GetToken) and rss (a
// launcher that reads a child's peak memory, see its comment for why the
// benchmark process cannot).
package bench
