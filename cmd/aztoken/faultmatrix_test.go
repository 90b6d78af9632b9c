package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
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
	otherHits      int    // requests the redirect target received
	otherLeak      string // a secret the redirect target saw, if any
	err            error  // the cell could not be set up or run
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
	minter  *fakeazure.Minter
	arcErr  error // why Arc rows cannot run, or nil
}

func newFMEnv(t *testing.T) *fmEnv {
	t.Helper()
	aztoken, err := exec.LookPath("aztoken")
	if err != nil {
		t.Fatal(err)
	}
	m, err := fakeazure.NewMinter(nil, "")
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
	}
}

// run sets up one cell's fakes, runs aztoken and reports what happened.
func (e *fmEnv) run(src fmSource, f fmFault) fmResult {
	other := newFMRecorder()
	defer other.srv.Close()
	env := e.baseEnv()
	var setFault func(fakeazure.Fault)

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
	}
	if f.fault != nil {
		setFault(f.fault(other.srv.URL + "/elsewhere"))
	}

	args := append([]string{"get", "--no-cache", "--timeout", fmTimeout.String()}, src.args...)
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
	return res
}

// fmCommand renders a cell as a shell-ish command line for messages.
func fmCommand(src fmSource, f fmFault) string {
	return fmt.Sprintf("aztoken get --no-cache --timeout %s %s   # %s: %s", fmTimeout, strings.Join(src.args, " "), src.name, f.name)
}

var fmJWT = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n?$`)

func TestFaultMatrix(t *testing.T) {
	e := newFMEnv(t)
	type cell struct {
		src fmSource
		f   fmFault
	}
	var cells []cell
	for _, src := range fmSources {
		for _, f := range fmFaults {
			if src.connOnly && !f.conn {
				continue
			}
			if src.endpoint == fakeazure.EndpointOpenID && f.refused {
				// The openid and token endpoints share a host; the token
				// row covers it.
				continue
			}
			cells = append(cells, cell{src, f})
		}
	}
	for _, c := range cells {
		t.Run(c.src.name+"/"+c.f.name, func(t *testing.T) {
			t.Parallel()
			if c.src.mi == fakeazure.SourceArc && e.arcErr != nil {
				t.Skipf("Azure Arc needs %s, which cannot be created here (run as root): %v", fakeazure.ArcTokenDirLinux, e.arcErr)
			}
			r := e.run(c.src, c.f)
			if r.err != nil {
				t.Fatalf("%s: %v", fmCommand(c.src, c.f), r.err)
			}
			t.Logf("OBSERVED %s | %s | exit %d | %v | stdout %d bytes | other %d | stderr: %s",
				c.src.name, c.f.name, r.code, r.took.Round(10*time.Millisecond), len(r.stdout), r.otherHits, strings.ReplaceAll(strings.TrimSpace(r.stderr), "\n", " ⏎ "))
		})
	}
}
