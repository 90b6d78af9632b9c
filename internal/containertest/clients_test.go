//go:build linux

package containertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// nodeModulesEnv names a node_modules folder holding @azure/identity;
// .ci/container-clients installs one at defaultNodeModules.
const (
	nodeModulesEnv     = "AZTOKEN_TEST_NODE_MODULES"
	defaultNodeModules = "/var/cache/aztoken-test/node/node_modules"
)

// want is what a client must show for its tokens.
type want struct {
	// sha256 is the first 12 hex digits of the token's hash (proxy mode:
	// the fake az's token), or "" for any.
	sha256 string
	// emulated says the token must carry aztoken_emulated: true.
	emulated bool
}

// client is an unmodified app that asks IMDS for a token.
type client struct {
	name string
	// missing says why this machine cannot run the client, or "".
	missing func(a *artifacts) string
	// command is the image's command line and the mounts it needs.
	command func(a *artifacts) (mounts, argv []string)
	// check judges the container's output.
	check func(t *testing.T, out string, w want)
	// debugLog says the output is a tool's debug log, which may hold the
	// token; the apps of this package must never print one.
	debugLog bool
}

// testdata is this package's testdata folder, for mounting.
func testdata(a *artifacts, name string) string {
	return filepath.Join(a.repo, "internal", "containertest", "testdata", name)
}

var clients = []client{
	{
		name:    "go-azidentity",
		missing: func(*artifacts) string { return "" },
		command: func(a *artifacts) ([]string, []string) {
			return []string{"-v", a.goapp + ":/app/goclient:ro"}, []string{"/app/goclient"}
		},
		check: sdkCheck,
	},
	{
		name: "python-azure-identity",
		missing: func(*artifacts) string {
			if err := exec.Command("/usr/bin/python3", "-c", "import azure.identity").Run(); err != nil {
				return "Debian's python3-azure is not installed (/usr/bin/python3 cannot import azure.identity)"
			}
			return ""
		},
		command: func(a *artifacts) ([]string, []string) {
			return []string{"-v", testdata(a, "client.py") + ":/app/client.py:ro"}, []string{"/usr/bin/python3", "/app/client.py"}
		},
		check: sdkCheck,
	},
	{
		name: "node-azure-identity",
		missing: func(*artifacts) string {
			if _, err := os.Stat("/usr/bin/node"); err != nil {
				return "no /usr/bin/node"
			}
			if _, err := os.Stat(filepath.Join(nodeModules(), "@azure", "identity")); err != nil {
				return "no @azure/identity in " + nodeModules() + " (.ci/container-clients installs it; or set " + nodeModulesEnv + ")"
			}
			return ""
		},
		command: func(a *artifacts) ([]string, []string) {
			return []string{"-v", nodeModules() + ":/app/node_modules:ro", "-v", testdata(a, "client.js") + ":/app/client.js:ro"},
				[]string{"/usr/bin/node", "/app/client.js"}
		},
		check: sdkCheck,
	},
	{
		// az login --identity gets its token from IMDS, then lists the
		// identity's subscriptions from Azure Resource Manager, which an
		// internal network cannot reach: the test checks that the token
		// arrived and that the failure is that later call.
		name: "azure-cli",
		missing: func(*artifacts) string {
			if _, err := os.Stat("/usr/bin/az"); err != nil {
				return "Debian's azure-cli is not installed (no /usr/bin/az)"
			}
			return ""
		},
		command: func(a *artifacts) ([]string, []string) {
			return nil, []string{"/usr/bin/az", "login", "--identity", "--allow-no-subscriptions", "--debug"}
		},
		debugLog: true,
		check: func(t *testing.T, out string, _ want) {
			if !strings.Contains(out, "MSI: token was retrieved") {
				t.Errorf("az login --identity did not get a token from IMDS:\n%s", tail(out, 40))
			}
			if !strings.Contains(out, "management.azure.com") {
				t.Errorf("az login --identity got a token but did not go on to Azure Resource Manager as expected:\n%s", tail(out, 40))
			}
		},
	},
}

func nodeModules() string {
	if d := os.Getenv(nodeModulesEnv); d != "" {
		return d
	}
	return defaultNodeModules
}

var okLine = regexp.MustCompile(`(?m)^(DefaultAzureCredential|ManagedIdentityCredential) ok sha256=([0-9a-f]{12}) tid=(\S*) aud=(\S*) emulated=(true|false)$`)

// sdkCheck wants one "ok" line from each of DefaultAzureCredential and
// ManagedIdentityCredential, for the expected token.
func sdkCheck(t *testing.T, out string, w want) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range okLine.FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
		if w.sha256 != "" && m[2] != w.sha256 {
			t.Errorf("%s got a token with sha256 %s..., want the upstream's %s...", m[1], m[2], w.sha256)
		}
		if got := m[5] == "true"; got != w.emulated {
			t.Errorf("%s: token emulated=%t, want %t", m[1], got, w.emulated)
		}
	}
	for _, name := range []string{"DefaultAzureCredential", "ManagedIdentityCredential"} {
		if !seen[name] {
			t.Errorf("no token from %s:\n%s", name, tail(out, 40))
		}
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runClients runs every client this machine has, each in its own
// container on network n with no Azure variable, and checks its tokens.
func runClients(t *testing.T, a *artifacts, n *network, w want) {
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) { runClient(t, a, n, c, w) })
	}
}

// runClient runs client c in a container on network n with no Azure
// variable, and checks its tokens.
func runClient(t *testing.T, a *artifacts, n *network, c client, w want) {
	t.Helper()
	if why := c.missing(a); why != "" {
		t.Skipf("skipped: %s", why)
	}
	mounts, argv := c.command(a)
	args := append(a.clientArgs(n), mounts...)
	args = append(args, a.client)
	args = append(args, argv...)
	code, out := runContainer(t, func(name string) {
		if vars := azureVars(t, name); len(vars) > 0 {
			t.Fatalf("the client container has Azure variables: %v", vars)
		}
	}, args...)
	t.Logf("%s exited %d:\n%s", c.name, code, jwtRE.ReplaceAllString(tail(out, 6), "<token>"))
	c.check(t, jwtRE.ReplaceAllString(out, "<token>"), w)
	if !c.debugLog && jwtRE.MatchString(out) {
		t.Errorf("%s's output holds a token", c.name)
	}
}

// jwtRE matches a JWT's first two parts.
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}`)
