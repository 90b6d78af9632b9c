package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// cacheCrowd is how many aztoken processes start at once on one cache.
const cacheCrowd = 50

// TestFiftyProcessesShareTheCache starts fifty `aztoken get` processes at
// once on an empty cache, all asking for the same token: every one must
// print the same token, and Entra ID must be asked once. Then fifty more
// ask for two other scopes, twenty-five each: once per scope. The cache's
// per-key lock is what makes this hold across processes.
func TestFiftyProcessesShareTheCache(t *testing.T) {
	for _, mode := range []string{"off", "keyring"} {
		t.Run("encryption "+mode, func(t *testing.T) {
			if mode == "keyring" && runtime.GOOS == "darwin" {
				// The key would be the user's own login Keychain item.
				t.Skip("skipping: on macOS the key store is the user's login Keychain, which tests never touch")
			}
			crowdTest(t, mode)
		})
	}
}

func crowdTest(t *testing.T, encryption string) {
	aztoken, err := exec.LookPath("aztoken")
	if err != nil {
		t.Fatal(err)
	}
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer entra.Close()
	entra.AddClientSecret("crowd-app", fmClientSecret)
	// A slow token endpoint keeps the first process inside its lock while
	// the others arrive, so they really do contend rather than find the
	// token already stored.
	entra.SetFault(fakeazure.EndpointToken, fakeazure.Fault{Delay: 300 * time.Millisecond})

	dir := t.TempDir()
	ca := writeCA(t, dir, entra.CACertPEM())
	must(t, os.MkdirAll(filepath.Join(dir, "emptybin"), 0o755))
	cacheDir := filepath.Join(dir, "cache")
	env := []string{
		"PATH=" + filepath.Join(dir, "emptybin"),
		"HOME=" + dir,
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZTOKEN_CACHE_DIR=" + cacheDir,
		"AZTOKEN_CACHE_ENCRYPTION=" + encryption,
		"SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/",
		"AZURE_TENANT_ID=" + entra.TenantID(),
		"AZURE_CLIENT_ID=crowd-app",
		"AZURE_CLIENT_SECRET=" + fmClientSecret,
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"GORACE=atexit_sleep_ms=0",
	}

	// Round one: one key.
	outs := runCrowd(t, aztoken, env, func(int) []string { return []string{"--resource", "arm"} })
	first := sameToken(t, outs, func(int) int { return 0 })
	if n := entra.Count(fakeazure.EndpointToken); n != 1 {
		t.Errorf("Entra ID got %d token requests from %d processes sharing one key; want 1", n, cacheCrowd)
	}
	if n := entra.Count(fakeazure.EndpointOpenID); n > 1 {
		t.Errorf("Entra ID got %d openid-configuration requests; want at most 1", n)
	}
	if encryption != "off" {
		checkSealed(t, cacheDir, first[0])
	}

	// Round two: two keys, half the crowd each.
	entra.Reset()
	scopes := []string{"https://vault.azure.net/.default", "https://graph.microsoft.com/.default"}
	outs = runCrowd(t, aztoken, env, func(i int) []string { return []string{"--scope", scopes[i%2]} })
	tokens := sameToken(t, outs, func(i int) int { return i % 2 })
	if tokens[0] == tokens[1] || tokens[0] == first[0] {
		t.Errorf("two scopes (and the first round's) got the same token")
	}
	perScope := map[string]int{}
	for _, r := range entra.Requests() {
		if r.Endpoint != fakeazure.EndpointToken {
			continue
		}
		// MSAL adds openid, offline_access and profile to what was asked.
		for _, s := range strings.Fields(r.Scope) {
			if slices.Contains(scopes, s) {
				perScope[s]++
			}
		}
	}
	for _, s := range scopes {
		if perScope[s] != 1 {
			t.Errorf("Entra ID got %d token requests for %s from %d processes; want 1 (all: %v)", perScope[s], s, cacheCrowd/2, perScope)
		}
	}
	if n := entra.Count(fakeazure.EndpointOpenID); n > 2 {
		t.Errorf("Entra ID got %d openid-configuration requests for two keys; want at most 2", n)
	}
}

type crowdOut struct {
	code           int
	stdout, stderr string
	err            error
}

// runCrowd starts cacheCrowd processes, each held by a shell reading a
// shared pipe until every one has started, then lets them all go at once
// by closing the pipe.
func runCrowd(t *testing.T, aztoken string, env []string, args func(i int) []string) []crowdOut {
	t.Helper()
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outs := make([]crowdOut, cacheCrowd)
	cmds := make([]*exec.Cmd, cacheCrowd)
	bufs := make([][2]*bytes.Buffer, cacheCrowd)
	for i := range cacheCrowd {
		argv := append([]string{"get", "--timeout", "60s"}, args(i)...)
		// `read` returns at end of input, which is when the test closes
		// its end of the pipe; exec keeps aztoken's exit code.
		script := `read -r _ || true; exec "$0" "$@"`
		c := exec.Command("/bin/sh", append([]string{"-c", script, aztoken}, argv...)...)
		if runtime.GOOS == "windows" {
			// No sh to hold them at the gate: started one after the
			// other, they still overlap (a process takes longer to
			// start there than the fetch), which is what the lock is for.
			c = exec.Command(aztoken, argv...)
		}
		c.Env = env
		c.Stdin = gateR
		var so, se bytes.Buffer
		c.Stdout, c.Stderr = &so, &se
		bufs[i] = [2]*bytes.Buffer{&so, &se}
		if err := c.Start(); err != nil {
			gateW.Close()
			t.Fatalf("starting process %d: %v", i, err)
		}
		cmds[i] = c
	}
	gateR.Close()
	gateW.Close()
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Wait()
			var ee *exec.ExitError
			switch {
			case err == nil:
			case errors.As(err, &ee):
				outs[i].code = ee.ExitCode()
			default:
				outs[i].err = err
			}
			outs[i].stdout, outs[i].stderr = bufs[i][0].String(), bufs[i][1].String()
		}()
	}
	wg.Wait()
	return outs
}

// sameToken checks that every process succeeded quietly and that those in
// one group printed one token; it returns the token of each group.
func sameToken(t *testing.T, outs []crowdOut, group func(i int) int) map[int]string {
	t.Helper()
	tokens := map[int]string{}
	for i, o := range outs {
		switch {
		case o.err != nil:
			t.Errorf("process %d: %v", i, o.err)
			continue
		case o.code != 0:
			t.Errorf("process %d exited %d:\n%s", i, o.code, o.stderr)
			continue
		case strings.TrimSpace(o.stderr) != "":
			t.Errorf("process %d succeeded but wrote to stderr:\n%s", i, o.stderr)
		}
		if !fmJWT.MatchString(o.stdout) {
			t.Errorf("process %d printed %q, not a token", i, fmClip(o.stdout))
			continue
		}
		g := group(i)
		if have, ok := tokens[g]; !ok {
			tokens[g] = o.stdout
		} else if have != o.stdout {
			t.Errorf("process %d printed a different token from others asking for the same key", i)
		}
	}
	return tokens
}

// checkSealed checks that with encryption on, no cache file holds the
// token in the clear.
func checkSealed(t *testing.T, dir, token string) {
	t.Helper()
	token = strings.TrimSpace(token)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(token)) {
			t.Skipf("the kernel keyring is not usable here, so the cache fell back to plain files (%s holds the token)", e.Name())
		}
	}
}
