package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/mint"
	"github.com/aztoken/aztoken/internal/proctest"
)

// The fault matrix runs the real CLI, as a child process, against every
// HTTP source with every fault a network or an endpoint can produce, and
// checks the documented outcome: exit code, what stderr says, empty
// stdout on failure, no secret anywhere, and an end within --timeout plus
// one second. docs/fault-matrix.md is this table in prose; change both
// together.

// fmTimeout is the --timeout of every cell; fmSlack is what the issue
// allows on top of it for process start and exit.
const (
	fmTimeout = 3 * time.Second
	fmSlack   = time.Second
)

// Secrets the matrix puts in play; none may reach stdout on failure or
// stderr ever.
const (
	fmClientSecret = "fm-client-secret-Vb71Qa"
	fmAssertion    = "fm-federated-assertion-Xe44.part2.part3"
	fmMISecret     = "fm-mi-secret-Lk83Hd"
)

// fmFault is one column of the matrix.
type fmFault struct {
	name string
	// conn marks a connection-level fault, the only ones the IMDS probe
	// row runs.
	conn bool
	// refused points the source at a closed port instead of setting a fault.
	refused bool
	// fault builds the fault; other is the URL of the recording server a
	// redirect points at.
	fault func(other string) fakeazure.Fault
}

var fmFaults = []fmFault{
	{name: "connection refused", conn: true, refused: true},
	{name: "reset mid-body", conn: true, fault: func(string) fakeazure.Fault { return fakeazure.Fault{ResetMidBody: true} }},
	{name: "hang before headers", conn: true, fault: func(string) fakeazure.Fault { return fakeazure.Fault{Hang: true} }},
	{name: "hang mid-body", conn: true, fault: func(string) fakeazure.Fault { return fakeazure.Fault{HangMidBody: true} }},
	{name: "500", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Status: 500} }},
	{name: "503 Retry-After once", fault: func(string) fakeazure.Fault {
		return fakeazure.Fault{Status: 503, RetryAfter: "1", Times: 1}
	}},
	{name: "503 Retry-After always", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Status: 503, RetryAfter: "1"} }},
	{name: "429 Retry-After once", fault: func(string) fakeazure.Fault {
		return fakeazure.Fault{Status: 429, RetryAfter: "1", Times: 1}
	}},
	{name: "429 Retry-After always", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Status: 429, RetryAfter: "1"} }},
	{name: "410", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Status: 410} }},
	{name: "404", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Status: 404} }},
	{name: "HTML page", fault: func(string) fakeazure.Fault { return fakeazure.Fault{HTML: true} }},
	{name: "truncated JSON", fault: func(string) fakeazure.Fault { return fakeazure.Fault{TruncatedJSON: true} }},
	{name: "10 MB body", fault: func(string) fakeazure.Fault { return fakeazure.Fault{Oversized: 10 << 20} }},
	{name: "redirect to another host", fault: func(other string) fakeazure.Fault { return fakeazure.Fault{RedirectTo: other} }},
	{name: "token already expired", fault: func(string) fakeazure.Fault { return fakeazure.Fault{AlreadyExpiredToken: true} }},
	{name: "expires_on in the past", fault: func(string) fakeazure.Fault { return fakeazure.Fault{ExpiresOnPast: true} }},
}

// fmSource is one row: how to start the fake, where the fault goes and
// how to run aztoken against it.
type fmSource struct {
	name     string
	entra    bool   // Entra fake; otherwise the managed identity fake
	mi       string // fakeazure.Source* for managed identity rows
	endpoint string // where the fault goes
	args     []string
	connOnly bool // runs only the connection-level faults
}

var fmSources = []fmSource{
	{name: "environment token", entra: true, endpoint: fakeazure.EndpointToken, args: []string{"--source", "env"}},
	{name: "environment openid", entra: true, endpoint: fakeazure.EndpointOpenID, args: []string{"--source", "env"}},
	{name: "workload token", entra: true, endpoint: fakeazure.EndpointToken, args: []string{"--source", "workload"}},
	{name: "imds", mi: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, args: []string{"--source", "mi"}},
	{name: "imds chain probe", mi: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointProbe, connOnly: true},
	{name: "app service", mi: fakeazure.SourceAppService, endpoint: fakeazure.EndpointAppService, args: []string{"--source", "mi"}},
	{name: "cloud shell", mi: fakeazure.SourceCloudShell, endpoint: fakeazure.EndpointCloudShell, args: []string{"--source", "mi"}},
	{name: "azure ml", mi: fakeazure.SourceAzureML, endpoint: fakeazure.EndpointAzureML, args: []string{"--source", "mi"}},
	{name: "service fabric", mi: fakeazure.SourceServiceFabric, endpoint: fakeazure.EndpointServiceFabric, args: []string{"--source", "mi"}},
	{name: "arc", mi: fakeazure.SourceArc, endpoint: fakeazure.EndpointArc, args: []string{"--source", "mi"}},
}

// fmResult is what one run of aztoken did.
type fmResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
	otherHits      int           // requests the redirect target received
	otherLeak      string        // a secret the redirect target saw, if any
	firstRequest   time.Duration // from start to the fake's first request; 0 when none came
	err            error         // the cell could not be set up or run
}

// fmRecorder is the "other host" of the redirect cells: it records every
// request and whether any secret came with it.
type fmRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits int
	leak string
}

func newFMRecorder() *fmRecorder {
	r := &fmRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b bytes.Buffer
		_, _ = b.ReadFrom(http.MaxBytesReader(w, req.Body, 1<<20))
		seen := req.URL.RawQuery + "\n" + b.String()
		for k, vs := range req.Header {
			seen += "\n" + k + ": " + strings.Join(vs, ",")
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		for _, s := range []string{fmClientSecret, fmAssertion, fmMISecret} {
			if strings.Contains(seen, s) {
				r.leak = s
			}
		}
		// A token-shaped answer, so a client that followed would succeed
		// visibly rather than fail for another reason.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"eyJhbGciOiJub25lIn0.eyJhdWQiOiJvdGhlciJ9.other-host","expires_in":3600,"token_type":"Bearer"}`)
	}))
	return r
}

func (r *fmRecorder) result() (int, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits, r.leak
}

// fmEnv holds what every cell shares: the aztoken binary, a CA file for
// the Entra fakes, a federated token file, an empty PATH directory and
// one signing key for every fake (generating keys per cell is slow).
type fmEnv struct {
	aztoken string
	dir     string
	minter  *mint.Minter
	arcErr  error // why Arc rows cannot run, or nil
}

func newFMEnv(t *testing.T) *fmEnv {
	t.Helper()
	aztoken, err := exec.LookPath("aztoken")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mint.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e := &fmEnv{aztoken: aztoken, dir: t.TempDir(), minter: m}
	must(t, os.MkdirAll(filepath.Join(e.dir, "emptybin"), 0o755))
	must(t, os.WriteFile(filepath.Join(e.dir, "fed.jwt"), []byte(fmAssertion), 0o600))
	e.arcErr = os.MkdirAll(fakeazure.ArcTokenDirLinux, 0o700)
	return e
}

// baseEnv is the whole environment of a child: nothing is inherited, so a
// developer's own AZURE_* variables cannot change a cell, and no az, azd
// or pwsh is on PATH.
func (e *fmEnv) baseEnv() []string {
	return []string{
		"PATH=" + filepath.Join(e.dir, "emptybin"),
		"HOME=" + e.dir,
		"AZTOKEN_NO_CACHE=1",
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		// Under -race the child is race-built too, and the race runtime
		// sleeps a second at exit unless told not to: that second is the
		// test's, not aztoken's, and would eat the whole slack.
		"GORACE=atexit_sleep_ms=0",
	}
}

// run sets up one cell's fakes, runs aztoken get and reports what
// happened.
func (e *fmEnv) run(src fmSource, f fmFault) fmResult {
	return e.runCommand(src, f, "get", "--no-cache")
}

// runCommand is run for another command line than get's.
func (e *fmEnv) runCommand(src fmSource, f fmFault, command ...string) fmResult {
	other := newFMRecorder()
	defer other.srv.Close()
	env := e.baseEnv()
	var setFault func(fakeazure.Fault)
	var requests func() []fakeazure.Request

	if src.entra {
		fake, err := fakeazure.NewEntra(fakeazure.EntraOptions{Minter: e.minter})
		if err != nil {
			return fmResult{err: err}
		}
		defer fake.Close()
		ca := filepath.Join(e.dir, fmt.Sprintf("ca-%p.pem", fake))
		if err := os.WriteFile(ca, fake.CACertPEM(), 0o644); err != nil {
			return fmResult{err: err}
		}
		defer os.Remove(ca)
		host := fake.URL()
		if f.refused {
			host = "https://" + closedPort()
		}
		env = append(env, "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+host+"/",
			"AZURE_TENANT_ID="+fake.TenantID())
		if src.args[1] == "workload" {
			fake.AddFederated("fm-app", fmAssertion)
			env = append(env, "AZURE_CLIENT_ID=fm-app", "AZURE_FEDERATED_TOKEN_FILE="+filepath.Join(e.dir, "fed.jwt"))
		} else {
			fake.AddClientSecret("fm-app", fmClientSecret)
			env = append(env, "AZURE_CLIENT_ID=fm-app", "AZURE_CLIENT_SECRET="+fmClientSecret)
		}
		setFault = func(ft fakeazure.Fault) { fake.SetFault(src.endpoint, ft) }
		requests = fake.Requests
	} else {
		opts := fakeazure.ManagedOptions{Minter: e.minter, Secret: fmMISecret}
		if src.mi == fakeazure.SourceArc {
			opts.ArcKeyDir = fakeazure.ArcTokenDirLinux
		}
		fake, err := fakeazure.NewManaged(opts)
		if err != nil {
			return fmResult{err: err}
		}
		defer fake.Close()
		vars := fake.Env(src.mi)
		if f.refused {
			closed := closedPort()
			for k, v := range vars {
				for _, u := range []string{fake.URL(), fake.ServiceFabricURL()} {
					if v != "" && strings.HasPrefix(v, u) {
						scheme, _, _ := strings.Cut(u, "://")
						vars[k] = scheme + "://" + closed + strings.TrimPrefix(v, u)
					}
				}
			}
		}
		for k, v := range vars {
			env = append(env, k+"="+v)
		}
		setFault = func(ft fakeazure.Fault) { fake.SetFault(src.endpoint, ft) }
		requests = fake.Requests
	}
	if f.fault != nil {
		setFault(f.fault(other.srv.URL + "/elsewhere"))
	}

	args := append(append(command, "--timeout", fmTimeout.String()), src.args...)
	// A backstop well past the limit, so a hanging child fails its cell
	// instead of the whole test binary.
	ctx, cancel := context.WithTimeout(context.Background(), 4*fmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.aztoken, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := fmResult{took: time.Since(start), stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		res.err = err
	}
	res.otherHits, res.otherLeak = other.result()
	if reqs := requests(); len(reqs) > 0 {
		res.firstRequest = reqs[0].Time.Sub(start)
	}
	return res
}

// fmCommand renders a cell as a shell-ish command line for messages.
func fmCommand(src fmSource, f fmFault) string {
	return fmt.Sprintf("aztoken get --no-cache --timeout %s %s   # %s: %s", fmTimeout, strings.Join(src.args, " "), src.name, f.name)
}

// fmWant is a cell's documented outcome.
type fmWant struct {
	// code is the documented exit code; also lists others accepted while
	// a policy is settled (Entra ID throttling may end in 4 or 5).
	code int
	also []int
	// stderr must match on failure; says is the same in words, for the doc.
	stderr string
	says   string
	// known names a known issue: while the cell still disagrees with the
	// documented outcome, it is skipped with this text instead of failing.
	// Timing, secrets and stdout are checked all the same.
	known string
}

// Fault names, shared by the table and the expectations.
const (
	fRefused      = "connection refused"
	fReset        = "reset mid-body"
	fHangHeaders  = "hang before headers"
	fHangBody     = "hang mid-body"
	f500          = "500"
	f503Once      = "503 Retry-After once"
	f503Always    = "503 Retry-After always"
	f429Once      = "429 Retry-After once"
	f429Always    = "429 Retry-After always"
	f410          = "410"
	f404          = "404"
	fHTML         = "HTML page"
	fTruncated    = "truncated JSON"
	fOversized    = "10 MB body"
	fRedirect     = "redirect to another host"
	fExpiredJWT   = "token already expired"
	fExpiresPast  = "expires_on in the past"
	entraThrottle = "failed at once, no retry"
)

// fmEntra is what the Entra ID sources (environment, workload identity)
// do, whichever of their endpoints misbehaves.
var fmEntra = map[string]fmWant{
	fRefused:     {code: 4, stderr: `could not connect to 127\.0\.0\.1:\d+: connection refused`, says: "could not connect to HOST: connection refused"},
	fReset:       {code: 4, stderr: `broke while its answer was being read`, says: "the connection to the token endpoint broke while its answer was being read"},
	fHangHeaders: {code: 5, stderr: `no source answered in time(.|\n)*timed out waiting for an answer`, says: "--timeout ran out: timed out waiting for an answer from HOST"},
	fHangBody:    {code: 5, stderr: `no source answered in time(.|\n)*timed out waiting for an answer`, says: "--timeout ran out: timed out waiting for an answer"},
	f500:         {code: 4, stderr: `refused the request \(HTTP 500 server_error\)`, says: "Entra ID at HOST refused the request (HTTP 500 server_error): AADSTS…"},
	f503Once:     {code: 0, says: "a token, after waiting the Retry-After second"},
	f503Always:   {code: 4, also: []int{5}, stderr: `HTTP 503`, says: "refused the request (HTTP 503 temporarily_unavailable); " + entraThrottle},
	f429Once:     {code: 0, says: "a token, after waiting the Retry-After second"},
	f429Always:   {code: 4, also: []int{5}, stderr: `HTTP 429`, says: "refused the request (HTTP 429 temporarily_unavailable); " + entraThrottle},
	f410:         {code: 4, stderr: `refused the request \(HTTP 410`, says: "Entra ID at HOST refused the request (HTTP 410 …)"},
	f404:         {code: 4, stderr: `refused the request \(HTTP 404`, says: "Entra ID at HOST refused the request (HTTP 404 …)"},
	fHTML:        {code: 4, stderr: `answered with something other than a token response`, says: "the token endpoint answered with something other than a token response (an HTML page, or JSON cut short)"},
	fTruncated:   {code: 4, stderr: `answered with something other than a token response`, says: "the token endpoint answered with something other than a token response (an HTML page, or JSON cut short)"},
	fOversized:   {code: 4, stderr: `larger than (1024 KiB|any token response)`, says: "the token endpoint sent an answer larger than any token response"},
	fRedirect:    {code: 4, stderr: `HTTP 302`, says: "HTTP 302 from METHOD URL (not followed)"},
	fExpiredJWT:  {code: 4, stderr: `(?i)expired`, says: "the token had already expired"},
	fExpiresPast: {code: 4, stderr: `token that had already expired`, says: "the source answered with a token that had already expired (at TIME)"},
}

// fmManaged is what the managed identity sources do; fmOverride holds
// where one of them differs.
var fmManaged = map[string]fmWant{
	fRefused:     {code: 4, stderr: `endpoint at 127\.0\.0\.1:\d+ could not be reached: connection refused`, says: "the KIND endpoint at HOST could not be reached: connection refused"},
	fReset:       {code: 4, stderr: `broke while it was sending its 200 answer: connection reset by peer`, says: "the connection to the KIND endpoint broke while it was sending its 200 answer"},
	fHangHeaders: {code: 5, stderr: `no source answered in time(.|\n)*managed-identity +timed out`, says: "--timeout ran out while this source was working, or: the KIND endpoint did not answer before the deadline (1 attempt)"},
	fHangBody:    {code: 5, stderr: `no source answered in time(.|\n)*managed-identity +timed out`, says: "--timeout ran out while this source was working, or: the KIND endpoint did not answer before the deadline (1 attempt)"},
	f500:         {code: 4, stderr: `endpoint answered 500 after 3 attempts`, says: "the KIND endpoint answered 500 after 3 attempts (backoff 0.5 s, 1 s)"},
	f503Once:     {code: 0, says: "a token, after waiting the Retry-After second"},
	f503Always:   {code: 5, stderr: `answered 503 and asked to retry after 1s, but only [0-9.]+m?s remain before the deadline`, says: "the KIND endpoint answered 503 and asked to retry after 1s, but only N remain before the deadline"},
	f429Once:     {code: 0, says: "a token, after waiting the Retry-After second"},
	f429Always:   {code: 5, stderr: `answered 429 and asked to retry after 1s, but only [0-9.]+m?s remain before the deadline`, says: "the KIND endpoint answered 429 and asked to retry after 1s, but only N remain before the deadline"},
	f410:         {code: 4, stderr: `endpoint answered 410: `, says: "the KIND endpoint answered 410 (not retried)"},
	f404:         {code: 4, stderr: `endpoint answered 404: `, says: "the KIND endpoint answered 404 (not retried)"},
	fHTML:        {code: 4, stderr: `answered 200 with an HTML page \(\d+ bytes\), not a token response`, says: "the KIND endpoint answered 200 with an HTML page (N bytes), not a token response"},
	fTruncated:   {code: 4, stderr: `answered 200 with incomplete JSON \(\d+ bytes\), not a token response`, says: "the KIND endpoint answered 200 with incomplete JSON (N bytes), not a token response"},
	fOversized:   {code: 4, stderr: `sent an answer larger than 1024 KiB`, says: "the KIND endpoint at HOST sent an answer larger than 1024 KiB"},
	fRedirect:    {code: 4, stderr: `endpoint answered with a redirect \(302\)`, says: "the KIND endpoint answered with a redirect (302) to HOST, which aztoken does not follow"},
	fExpiredJWT:  {code: 4, stderr: `(?i)expired`, says: "the token had already expired"},
	fExpiresPast: {code: 4, stderr: `token that had already expired`, says: "the source answered with a token that had already expired (at TIME)"},
}

var fmOverride = map[[2]string]fmWant{
	// Nothing at IMDS's address means no managed identity here, even
	// when managed identity was asked for by name.
	{"imds", fRefused}: {code: 3, stderr: `managed-identity +unavailable +nothing answers at IMDS's address 127\.0\.0\.1:\d+: connection refused`, says: "managed-identity unavailable: nothing answers at IMDS's address HOST: connection refused"},
	// IMDS asks clients to retry 404 and 410 too.
	{"imds", f404}: {code: 4, stderr: `IMDS endpoint answered 404 after 3 attempts(.|\n)*identity is being assigned`, says: "the IMDS endpoint answered 404 after 3 attempts; IMDS answers 404 while an identity is being assigned"},
	{"imds", f410}: {code: 4, stderr: `IMDS endpoint answered 410 after 3 attempts`, says: "the IMDS endpoint answered 410 after 3 attempts"},
	// MSAL's Service Fabric client refuses redirects itself.
	{"service fabric", fRedirect}: {code: 4, stderr: `redirects are not permitted for managed identity on Service Fabric`, says: "… could not be reached: redirects are not permitted for managed identity on Service Fabric"},
	// Arc's challenge request counts as an attempt, so its third 429/503
	// is its last and is reported as a failure, not a timeout.
	{"arc", f503Always}: {code: 4, stderr: `Azure Arc endpoint answered 503 after 4 attempts`, says: "the Azure Arc endpoint answered 503 after 4 attempts (the 401 challenge counts as one)"},
	{"arc", f429Always}: {code: 4, stderr: `Azure Arc endpoint answered 429 after 4 attempts`, says: "the Azure Arc endpoint answered 429 after 4 attempts (the 401 challenge counts as one)"},
	{"arc", f404}:       {code: 4, stderr: `Azure Arc endpoint answered 404 after 2 attempts`, says: "the Azure Arc endpoint answered 404 after 2 attempts (the 401 challenge counts as one)"},
	{"arc", f410}:       {code: 4, stderr: `Azure Arc endpoint answered 410 after 2 attempts`, says: "the Azure Arc endpoint answered 410 after 2 attempts (the 401 challenge counts as one)"},
	// In a chain, IMDS is probed first with a bare GET; only an answer's
	// status matters to the probe, so body faults there pass through to
	// a normal token request.
	{"imds chain probe", fRefused}:     {code: 3, stderr: `managed-identity +unavailable +nothing listens at 127\.0\.0\.1:\d+`, says: "managed-identity unavailable: nothing listens at HOST"},
	{"imds chain probe", fHangHeaders}: {code: 3, stderr: `managed-identity +unavailable +IMDS did not answer within 1s`, says: "managed-identity unavailable: IMDS did not answer within 1s (--imds-timeout)"},
	{"imds chain probe", fReset}:       {code: 0, says: "a token: the probe reads only the status line"},
	{"imds chain probe", fHangBody}:    {code: 0, says: "a token: the probe reads only the status line"},
}

// fmExpect returns a cell's documented outcome, or false when the cell
// does not apply.
func fmExpect(src fmSource, f fmFault) (fmWant, bool) {
	if src.connOnly && !f.conn {
		return fmWant{}, false
	}
	if src.endpoint == fakeazure.EndpointOpenID && (f.refused || f.name == fExpiredJWT || f.name == fExpiresPast) {
		// The openid and token endpoints share a host, so the token row
		// covers a refused connection; the openid answer holds no token.
		return fmWant{}, false
	}
	if w, ok := fmOverride[[2]string{src.name, f.name}]; ok {
		return w, true
	}
	if src.entra {
		w, ok := fmEntra[f.name]
		return w, ok
	}
	w, ok := fmManaged[f.name]
	return w, ok
}

var fmJWT = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n?$`)

// fmConcurrency bounds the children running at once. Most cells wait on
// a timer or a hanging fake rather than on the CPU, so this is above the
// core count; it is set here rather than by -parallel so the matrix takes
// the same time whatever go test is told.
const fmConcurrency = 8

type fmCell struct {
	src fmSource
	f   fmFault
	// command is the command line the cell runs; nil runs get (fmEnv.run).
	command []string
	want    fmWant
	res     fmResult
	first   *fmResult // the concurrent run, when the cell was run again
}

func TestFaultMatrix(t *testing.T) {
	if proctest.UnderWine() {
		// Its rows time each run against --timeout; under Wine each of its
		// few hundred aztoken processes takes a second or more to start
		// on this 2-core machine, and the whole took over 4 minutes.
		t.Skip("skipping: Wine starts processes too slowly for the matrix's timed rows (the Linux run and the windows CI job run it)")
	}
	e := newFMEnv(t)
	var cells []*fmCell
	for _, src := range fmSources {
		for _, f := range fmFaults {
			if w, ok := fmExpect(src, f); ok {
				cells = append(cells, &fmCell{src: src, f: f, want: w})
			}
		}
	}
	runnable := func(c *fmCell) bool { return c.src.mi != fakeazure.SourceArc || e.arcErr == nil }

	// Run every cell, many at once, then judge each in its own subtest.
	fmRunAll(e, cells, runnable, fmConcurrency)
	// A child starved of CPU by whatever else the machine runs can miss
	// its deadline through no fault of its own. A cell that broke a rule
	// runs again with little company, and is judged on that run; a real
	// hang or a wrong answer comes back, a starved start does not.
	var again []*fmCell
	for _, c := range cells {
		if runnable(c) && fmBroken(c.want, c.res) {
			first := c.res
			c.first = &first
			again = append(again, c)
		}
	}
	fmRunAll(e, again, runnable, 2)

	for _, c := range cells {
		t.Run(c.src.name+"/"+c.f.name, func(t *testing.T) {
			if !runnable(c) {
				t.Skipf("Azure Arc needs %s, which cannot be created here (run as root): %v", fakeazure.ArcTokenDirLinux, e.arcErr)
			}
			if c.first != nil {
				hard, soft := fmCheck(c.want, *c.first)
				t.Logf("ran again after a first run with all cells at once broke a rule: %s", strings.Join(append(hard, soft...), "; "))
			}
			fmJudge(t, c.src, c.f, c.want, c.res)
		})
	}
}

// probe --strict exits as get does in every cell of the matrix, whatever
// the fault, timeouts included (issue 21.4): the two run side by side,
// get's code being the documented one TestFaultMatrix checks.
func TestFaultMatrixProbeStrictAgrees(t *testing.T) {
	if proctest.UnderWine() {
		t.Skip("skipping: Wine starts processes too slowly for the matrix's timed rows (see TestFaultMatrix)")
	}
	if testing.Short() {
		t.Skip("runs the whole matrix again")
	}
	e := newFMEnv(t)
	// Each cell's want is get's, whose exit code probe --strict must match.
	var cells []*fmCell
	for _, src := range fmSources {
		if src.mi == fakeazure.SourceArc && e.arcErr != nil {
			continue
		}
		for _, f := range fmFaults {
			if w, ok := fmExpect(src, f); ok && w.known == "" {
				cells = append(cells, &fmCell{src: src, f: f, want: w, command: []string{"probe", "--strict"}})
			}
		}
	}
	all := func(*fmCell) bool { return true }
	fmRunAll(e, cells, all, fmConcurrency)
	// Once more, alone: a starved child can miss a deadline.
	var again []*fmCell
	for _, c := range cells {
		if c.res.err == nil && c.res.code != c.want.code {
			again = append(again, c)
		}
	}
	fmRunAll(e, again, all, 1)
	for _, c := range cells {
		if c.res.err != nil {
			t.Errorf("%s / %s: %v", c.src.name, c.f.name, c.res.err)
			continue
		}
		if c.res.code != c.want.code {
			t.Errorf("aztoken probe --strict %s   # %s: %s: exit %d, get's is %d\n%s", strings.Join(c.src.args, " "), c.src.name, c.f.name, c.res.code, c.want.code, fmClip(c.res.stdout))
		}
	}
}

func fmRunAll(e *fmEnv, cells []*fmCell, runnable func(*fmCell) bool, limit int) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, c := range cells {
		if !runnable(c) {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if c.command == nil {
				c.res = e.run(c.src, c.f)
			} else {
				c.res = e.runCommand(c.src, c.f, c.command...)
			}
		})
	}
	wg.Wait()
}

// fmBroken reports a cell worth running again: one that broke a rule
// other than a known issue it is excused for.
func fmBroken(want fmWant, r fmResult) bool {
	hard, soft := fmCheck(want, r)
	return len(hard) > 0 || (len(soft) > 0 && want.known == "")
}

// fmCheck returns what a run got wrong: hard problems (time, secrets,
// stdout, a followed redirect), which nothing excuses, and soft ones
// (exit code, message), which a known issue does.
func fmCheck(want fmWant, r fmResult) (hard, soft []string) {
	if r.err != nil {
		return []string{r.err.Error()}, nil
	}
	if limit := fmTimeout + fmSlack; r.took > limit {
		hard = append(hard, fmt.Sprintf("took %v, more than --timeout + %v (its first request reached the fake after %v)",
			r.took.Round(10*time.Millisecond), fmSlack, r.firstRequest.Round(10*time.Millisecond)))
	}
	for _, s := range []string{fmClientSecret, fmAssertion, fmMISecret} {
		if strings.Contains(r.stderr, s) {
			hard = append(hard, fmt.Sprintf("stderr holds the secret %q…", s[:8]))
		}
	}
	if m := anyJWT.FindString(r.stderr); m != "" {
		hard = append(hard, fmt.Sprintf("stderr holds a token %q…", m[:12]))
	}
	if r.otherHits > 0 || r.otherLeak != "" {
		hard = append(hard, fmt.Sprintf("the redirect was followed: the other host got %d requests (a secret among them: %v)", r.otherHits, r.otherLeak != ""))
	}
	if r.code != 0 && r.stdout != "" {
		hard = append(hard, fmt.Sprintf("exit %d with stdout %q; stdout must be empty on failure", r.code, fmClip(r.stdout)))
	}
	if r.code != want.code && !slices.Contains(want.also, r.code) {
		soft = append(soft, fmt.Sprintf("exit %d, want %d", r.code, want.code))
	}
	if want.code == 0 {
		if !fmJWT.MatchString(r.stdout) {
			soft = append(soft, fmt.Sprintf("stdout %q is not a token", fmClip(r.stdout)))
		}
	} else if !regexp.MustCompile(want.stderr).MatchString(r.stderr) {
		soft = append(soft, fmt.Sprintf("stderr does not match %q", want.stderr))
	}
	return hard, soft
}

// fmJudge fails the cell for hard problems, and for soft ones unless a
// known issue excuses them, in which case the cell is skipped.
func fmJudge(t *testing.T, src fmSource, f fmFault, want fmWant, r fmResult) {
	t.Helper()
	cmd := fmCommand(src, f)
	hard, soft := fmCheck(want, r)
	for _, h := range hard {
		t.Errorf("%s: %s", cmd, h)
	}
	if len(soft) == 0 {
		return
	}
	report := fmt.Sprintf("%s: %s\nstderr:\n%s", cmd, strings.Join(soft, "; "), r.stderr)
	if want.known != "" && len(hard) == 0 {
		t.Skipf("known issue: %s\n%s", want.known, report)
	}
	t.Error(report)
}

func fmClip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// The generated part of docs/fault-matrix.md lies between these lines.
const (
	fmDocPath  = "../../docs/fault-matrix.md"
	fmDocBegin = "<!-- BEGIN GENERATED by TestFaultMatrixDoc; run: go test ./cmd/aztoken -run TestFaultMatrixDoc -update-fault-matrix -->"
	fmDocEnd   = "<!-- END GENERATED -->"
)

var updateFaultMatrix = flag.Bool("update-fault-matrix", false, "rewrite the generated table in docs/fault-matrix.md")

// TestFaultMatrixDoc keeps docs/fault-matrix.md's table equal to the
// expectations TestFaultMatrix checks, so the doc cannot drift from the
// behaviour.
func TestFaultMatrixDoc(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipping: docs/fault-matrix.md is written from the Linux run, whose files and signals rows other OSes do not have")
	}
	doc, err := os.ReadFile(fmDocPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, fmDocBegin), strings.Index(text, fmDocEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-table markers %q and %q", fmDocPath, fmDocBegin, fmDocEnd)
	}
	want := fmDocBegin + "\n" + fmRenderDoc() + fmDocEnd
	if got := text[i : j+len(fmDocEnd)]; got != want {
		if *updateFaultMatrix {
			must(t, os.WriteFile(fmDocPath, []byte(text[:i]+want+text[j+len(fmDocEnd):]), 0o644))
			return
		}
		t.Errorf("%s is stale: run go test ./cmd/aztoken -run TestFaultMatrixDoc -update-fault-matrix", fmDocPath)
	}
}

func fmStatus(code int) string {
	switch code {
	case 0:
		return "token"
	case 3:
		return "unavailable"
	case 4:
		return "failed"
	case 5:
		return "timed out"
	}
	return "error"
}

func fmCodeText(w fmWant) string {
	s := fmt.Sprint(w.code)
	for _, c := range w.also {
		s += fmt.Sprintf(" or %d", c)
	}
	return s
}

// fmRenderDoc renders the expectations as two Markdown tables: exit codes
// by fault and source, then what each outcome says.
func fmRenderDoc() string {
	var b strings.Builder
	b.WriteString("\n### Exit codes\n\n")
	b.WriteString("`aztoken get --no-cache --timeout 3s [--source X]`; ⚠ marks a known issue (the cell shows the documented outcome, which the implementation does not give yet).\n\n")
	b.WriteString("| fault |")
	for _, s := range fmSources {
		b.WriteString(" " + s.name + " |")
	}
	b.WriteString("\n|---|")
	for range fmSources {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, f := range fmFaults {
		b.WriteString("| " + f.name + " |")
		for _, s := range fmSources {
			w, ok := fmExpect(s, f)
			switch {
			case !ok:
				b.WriteString(" – |")
			case w.known != "":
				b.WriteString(" " + fmCodeText(w) + " ⚠ |")
			default:
				b.WriteString(" " + fmCodeText(w) + " |")
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("\n### Outcomes\n\n")
	b.WriteString("KIND is the endpoint's name in the message (IMDS, App Service, Cloud Shell, Azure ML, Service Fabric, Azure Arc); HOST is its host:port.\n\n")
	b.WriteString("| fault | sources | exit | outcome | stderr says |\n|---|---|---|---|---|\n")
	for _, f := range fmFaults {
		// Sources that share an outcome share a row.
		type group struct {
			w     fmWant
			names []string
		}
		var groups []*group
		for _, s := range fmSources {
			w, ok := fmExpect(s, f)
			if !ok {
				continue
			}
			var g *group
			for _, have := range groups {
				if have.w.code == w.code && have.w.says == w.says && have.w.known == w.known {
					g = have
				}
			}
			if g == nil {
				g = &group{w: w}
				groups = append(groups, g)
			}
			g.names = append(g.names, s.name)
		}
		for _, g := range groups {
			says := g.w.says
			if g.w.known != "" {
				says += " ⚠ known issue: " + g.w.known
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.name, strings.Join(g.names, ", "),
				fmCodeText(g.w), fmStatus(g.w.code), strings.ReplaceAll(says, "|", `\|`))
		}
	}
	b.WriteString(fmFileDoc())
	b.WriteString(fmSignalDoc())
	b.WriteString("\n")
	return b.String()
}
