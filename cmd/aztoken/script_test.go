package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aztoken/aztoken/internal/cli"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/proctest"
)

// TestMain lets testscript run aztoken in-process as a command; the guard
// is on before anything runs, in this process and in every aztoken it
// starts, so a script that forgets to point a source at a fake fails
// instead of reaching Azure.
func TestMain(m *testing.M) {
	os.Setenv(httpx.LoopbackOnlyEnv, "1")
	httpx.RestrictToLoopback()
	testscript.Main(m, map[string]func(){
		"aztoken": func() { os.Exit(cli.Main()) },
		"showenv": showEnv,
		// The same binary under docker's name for it: cli.Main picks the
		// helper by argv[0].
		"docker-credential-aztoken": func() { os.Exit(cli.Main()) },
		// And under the Azure Artifacts Credential Provider's.
		cli.CredentialProviderProgram: func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(filepath.Join("..", "..", "testdata", "script")))
}

func scriptParams(dir string) testscript.Params {
	fakebin, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fakebin"))
	if err != nil {
		panic(err)
	}
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			bin := filepath.Join(e.WorkDir, "bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				return err
			}
			// Only our own bin (fake tools go there) and testscript's (the
			// aztoken command) come before the system's: a real az on this
			// machine must never answer a test.
			e.Setenv("PATH", proctest.PathList(bin, commandDir(e.Getenv("PATH")), proctest.SystemPath()))
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, "cache"))
			if runtime.GOOS == "windows" {
				// Where Windows keeps the cache and the tools' logins;
				// the .cmd fakes hang by starting this binary as a
				// sleeper (proctest.SleeperEnv).
				e.Setenv("LOCALAPPDATA", filepath.Join(e.WorkDir, "cache"))
				e.Setenv("USERPROFILE", filepath.Join(e.WorkDir, "home"))
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				e.Setenv("FAKE_SLEEPER", exe)
			}
			e.Setenv("FAKEBIN", fakebin)
			e.Setenv(httpx.LoopbackOnlyEnv, "1")
			e.Setenv("AZTOKEN_CACHE_ENCRYPTION", "off")
			// Under -race every child would otherwise sleep 1 s at exit.
			e.Setenv("GORACE", "atexit_sleep_ms=0")
			// IMDS is a closed loopback port unless a script starts a fake:
			// never the real 169.254.169.254.
			e.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://"+closedPort())
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"entra":  cmdEntra,
			"acr":    cmdACR,
			"github": cmdGitHub,
			"azdo":   cmdAzDO,
			"mi":     cmdMI,
			"imds":   cmdIMDS,
			"tool":   cmdTool,
			"sleep":  cmdSleep,
			"status": cmdStatus,
			"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
				_, port, _ := net.SplitHostPort(closedPort())
				ts.Setenv(args[0], port)
			},
			"waitport":  cmdWaitPort,
			"pg":        cmdPG,
			"artifacts": cmdArtifacts,
		},
	}
}

// commandDir finds, in PATH, the directory where testscript put aztoken.
func commandDir(path string) string {
	for _, d := range filepath.SplitList(path) {
		for _, name := range []string{"aztoken", "aztoken.exe"} {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				return d
			}
		}
	}
	panic("testscript did not put aztoken on PATH")
}

// cmdStatus runs a command and checks its exact exit code, keeping its
// stdout and stderr for the assertions that follow:
//
//	status 3 aztoken get
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdWaitPort waits up to 10 s for something to listen on a loopback port.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+args[0], 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("nothing listens on 127.0.0.1:%s", args[0])
}

// closedPort returns a loopback address nothing listens on.
func closedPort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// The fakes a script started, by script.
var entras, mis sync.Map

// cmdEntra drives the Entra ID fake:
//
//	entra start
//	entra secret CLIENT SECRET | user CLIENT USER PASSWORD | federated CLIENT ASSERTION | cert CLIENT PEMFILE
//	entra fault ENDPOINT key[=value]...
//	entra count ENDPOINT N
//	entra conns N          (connections opened to the fake since it started)
func cmdEntra(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: entra start|secret|user|federated|cert|fault|count ...")
	}
	if args[0] == "start" {
		// "entra start pad=N" adds a claim of N bytes to every token, for
		// the 2-7 KB tokens of principals in many groups.
		opts := fakeazure.EntraOptions{}
		for _, a := range args[1:] {
			n, ok := strings.CutPrefix(a, "pad=")
			size, err := strconv.Atoi(n)
			if !ok || err != nil {
				ts.Fatalf("usage: entra start [pad=N]")
			}
			opts.Claims = map[string]any{"pad": strings.Repeat("x", size)}
		}
		e, err := fakeazure.NewEntra(opts)
		ts.Check(err)
		ts.Defer(e.Close)
		ca := filepath.Join(ts.Getenv("WORK"), "entra-ca.pem")
		ts.Check(os.WriteFile(ca, e.CACertPEM(), 0o644))
		ts.Setenv("SSL_CERT_FILE", ca)
		ts.Setenv("AZURE_AUTHORITY_HOST", e.URL()+"/")
		ts.Setenv("ENTRA_TENANT", e.TenantID())
		ts.Setenv("ENTRA_URL", e.URL())
		ts.Setenv("ENTRA_ADDR", strings.TrimPrefix(e.URL(), "https://"))
		entras.Store(ts, e)
		return
	}
	e := started[*fakeazure.Entra](ts, &entras, "entra", args[0])
	switch args[0] {
	case "secret":
		need(ts, args, 3)
		e.AddClientSecret(args[1], args[2])
	case "user":
		need(ts, args, 4)
		e.AddUser(args[1], args[2], args[3])
	case "federated":
		need(ts, args, 3)
		e.AddFederated(args[1], args[2])
	case "cert":
		need(ts, args, 3)
		e.AddClientCert(args[1], readCert(ts, args[2]))
	case "fault":
		if len(args) < 2 {
			ts.Fatalf("usage: entra fault ENDPOINT key[=value]...")
		}
		e.SetFault(args[1], parseFault(ts, args[2:]))
	case "count":
		need(ts, args, 3)
		checkCount(ts, neg, "entra", args[1], e.Count(args[1]), args[2])
	case "conns":
		need(ts, args, 2)
		checkCount(ts, neg, "entra", "connections", e.Connections(), args[1])
	default:
		ts.Fatalf("entra: unknown subcommand %q", args[0])
	}
}

func need(ts *testscript.TestScript, args []string, n int) {
	if len(args) != n {
		ts.Fatalf("%s: want %d arguments, got %d", args[0], n-1, len(args)-1)
	}
}

// started returns the fake the script started with "cmd start"; sub
// names what asked for it, for the error when there is none.
func started[T any](ts *testscript.TestScript, fakes *sync.Map, cmd, sub string) T {
	v, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("%s %s: run '%s start' first", cmd, sub, cmd)
	}
	return v.(T)
}

func checkCount(ts *testscript.TestScript, neg bool, fake, endpoint string, got int, wantS string) {
	want, err := strconv.Atoi(wantS)
	ts.Check(err)
	if (got == want) == neg {
		ts.Fatalf("%s: %d requests to %s, want %s%d", fake, got, endpoint, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func readCert(ts *testscript.TestScript, file string) *x509.Certificate {
	data := []byte(ts.ReadFile(file))
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			ts.Fatalf("%s: no CERTIFICATE block", file)
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			ts.Check(err)
			return c
		}
	}
}

// parseFault reads key[=value] words into a fault.
func parseFault(ts *testscript.TestScript, words []string) fakeazure.Fault {
	var f fakeazure.Fault
	for _, w := range words {
		k, v, _ := strings.Cut(w, "=")
		atoi := func() int {
			n, err := strconv.Atoi(v)
			ts.Check(err)
			return n
		}
		dur := func() time.Duration {
			d, err := time.ParseDuration(v)
			ts.Check(err)
			return d
		}
		switch k {
		case "status":
			f.Status = atoi()
		case "retry-after":
			f.RetryAfter = v
		case "body":
			f.Body = v
		case "html":
			f.HTML = true
		case "truncated":
			f.TruncatedJSON = true
		case "oversized":
			f.Oversized = atoi()
		case "no-access-token":
			f.NoAccessToken = true
		case "expires-past":
			f.ExpiresOnPast = true
		case "expired-token":
			f.AlreadyExpiredToken = true
		case "delay":
			f.Delay = dur()
		case "hang":
			f.Hang = true
		case "hang-mid-body":
			f.HangMidBody = true
		case "reset-mid-body":
			f.ResetMidBody = true
		case "redirect":
			f.RedirectTo = v
		case "unreachable":
			f.Unreachable403 = true
		case "times":
			f.Times = atoi()
		default:
			ts.Fatalf("fault: unknown key %q", k)
		}
	}
	return f
}

// cmdTool puts a fake developer tool (az, azd, pwsh) first on PATH.
func cmdTool(ts *testscript.TestScript, neg bool, args []string) {
	for _, name := range args {
		if runtime.GOOS == "windows" {
			name += ".cmd" // cmd.exe's fakes; the sh ones cannot run there
		}
		src := filepath.Join(ts.Getenv("FAKEBIN"), name)
		data, err := os.ReadFile(src)
		if err != nil {
			ts.Fatalf("tool: no fake %s in testdata/fakebin", name)
		}
		// A copy, not a link: Windows makes links only for administrators.
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "bin", name), data, 0o755))
	}
}

func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// cmdMI drives the managed-identity fake:
//
//	mi start SOURCE [user=CLIENT_ID]...   (imds, appservice, cloudshell, azureml, servicefabric, arc)
//	mi fault ENDPOINT key[=value]...
//	mi count ENDPOINT N
//
// start sets the variables that make aztoken pick SOURCE and send it to the
// fake, plus MI_CLIENT_ID (the system-assigned identity's client id) and
// MI_SECRET (the secret header's value, for tests that prove it never shows).
func cmdMI(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: mi start|fault|count ...")
	}
	if args[0] == "start" {
		if len(args) < 2 {
			ts.Fatalf("usage: mi start SOURCE [user=CLIENT_ID]...")
		}
		opts := fakeazure.ManagedOptions{}
		for _, a := range args[2:] {
			if id, ok := strings.CutPrefix(a, "user="); ok {
				opts.UserAssigned = append(opts.UserAssigned, fakeazure.Identity{ClientID: id})
			}
		}
		if args[1] == fakeazure.SourceArc {
			opts.ArcKeyDir = fakeazure.ArcTokenDirLinux
			if runtime.GOOS == "windows" {
				// MSAL's directory there is under ProgramData, which
				// aztoken reads from the script's environment.
				pd := filepath.Join(ts.Getenv("WORK"), "programdata")
				ts.Setenv("ProgramData", pd)
				opts.ArcKeyDir = filepath.Join(pd, "AzureConnectedMachineAgent", "Tokens")
			}
			if err := os.MkdirAll(opts.ArcKeyDir, 0o700); err != nil {
				ts.Fatalf("Azure Arc needs %s (run the tests as root): %v", opts.ArcKeyDir, err)
			}
		}
		m, err := fakeazure.NewManaged(opts)
		ts.Check(err)
		ts.Defer(m.Close)
		for k, v := range m.Env(args[1]) {
			ts.Setenv(k, v)
		}
		ts.Setenv("MI_CLIENT_ID", m.SystemAssigned().ClientID)
		ts.Setenv("MI_SECRET", m.Secret())
		mis.Store(ts, m)
		return
	}
	m := started[*fakeazure.Managed](ts, &mis, "mi", args[0])
	switch args[0] {
	case "fault":
		if len(args) < 2 {
			ts.Fatalf("usage: mi fault ENDPOINT key[=value]...")
		}
		m.SetFault(args[1], parseFault(ts, args[2:]))
	case "count":
		need(ts, args, 3)
		checkCount(ts, neg, "mi", args[1], m.Count(args[1]), args[2])
	default:
		ts.Fatalf("mi: unknown subcommand %q", args[0])
	}
}

// cmdIMDS moves the IMDS host somewhere that never answers ("imds silent":
// a listener that accepts and says nothing), refuses ("imds refused"), or
// never lets a connection be established ("imds unroutable", as
// 169.254.169.254 on a laptop).
func cmdIMDS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: imds silent|refused|unroutable")
	}
	switch args[0] {
	case "silent":
		b, err := fakeazure.NewBlackhole()
		ts.Check(err)
		ts.Defer(b.Close)
		ts.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", b.URL())
	case "refused":
		ts.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://"+closedPort())
	case "unroutable":
		u, err := fakeazure.NewUnroutable()
		if err != nil {
			ts.Fatalf("%v", err)
		}
		ts.Defer(u.Close)
		ts.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", u.URL())
	default:
		ts.Fatalf("imds: want silent, refused or unroutable")
	}
}

var _ = fmt.Sprint

// trustCA makes the script's aztoken trust one more fake's certificate as
// well as those it trusts already: SSL_CERT_FILE names a single file, so the
// two are written together into a new bundle in $WORK named name.
func trustCA(ts *testscript.TestScript, name string, certPEM []byte) {
	trusted, err := os.ReadFile(ts.Getenv("SSL_CERT_FILE"))
	ts.Check(err)
	bundle := filepath.Join(ts.Getenv("WORK"), name)
	ts.Check(os.WriteFile(bundle, append(trusted, certPEM...), 0o644))
	ts.Setenv("SSL_CERT_FILE", bundle)
}
