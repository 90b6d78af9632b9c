//go:build linux

package containertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Labels and comments that mark what a run created, so that a later run
// can remove what a killed one left behind.
const (
	labelPID = "io.aztoken.test.pid"
	subnet   = "169.254.169.0/24"
	imdsIP   = "169.254.169.254"
)

// docker runs the docker client with a deadline and returns its combined
// output.
func docker(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// mustDocker is docker for steps a test cannot go on without.
func mustDocker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := docker(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dockerUnavailable says why the tests cannot run here, or "" when they can.
func dockerUnavailable() string {
	if _, err := exec.LookPath("docker"); err != nil {
		return "no docker client on PATH"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Os}}").Output(); err != nil || strings.TrimSpace(string(out)) != "linux" {
		return "no Docker engine answers (start one with .ci/docker-engine start)"
	}
	if os.Geteuid() != 0 {
		return "the tests need root, to add and remove the iptables rule of their networks"
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// network is an --internal docker network on the link-local subnet.
type network struct {
	Name    string
	Bridge  string
	Gateway string
}

// newNetwork creates an internal network on 169.254.169.0/24 with the
// given gateway (the host's address on it), lets its bridge forward to
// itself, and removes both when the test ends. Only one such network can
// exist at a time (docker refuses overlapping subnets), so tests that
// create one do not run in parallel.
func newNetwork(t *testing.T, gateway string) *network {
	t.Helper()
	id := randomHex(4)
	n := &network{Name: "aztoken-test-" + id, Bridge: "aztk" + id, Gateway: gateway}
	mustDocker(t, "network", "create", "--internal", "--driver", "bridge",
		"--subnet", subnet, "--gateway", gateway,
		"--opt", "com.docker.network.bridge.name="+n.Bridge,
		"--label", labelPID+"="+strconv.Itoa(os.Getpid()), n.Name)
	t.Cleanup(func() {
		if out, err := docker(context.Background(), "network", "rm", n.Name); err != nil {
			t.Errorf("removing the network %s: %v: %s", n.Name, err, out)
		}
	})
	isolate(t, n)
	return n
}

// isolate adds the host's iptables rules that keep n's containers in n,
// and removes them when the test ends. iptables takes rules for a bridge
// that does not exist yet, so they can be in place before a compose file
// creates its network.
func isolate(t *testing.T, n *network) {
	t.Helper()
	// Docker 20.10 gives containers on an internal network a default
	// route through the gateway anyway, and keeps them in with iptables
	// rules it does not add under --iptables=false. So the host does it:
	// from this bridge, forward only to the same bridge (with
	// br_netfilter, frames between two containers pass the FORWARD chain,
	// whose policy may be DROP) and accept on the host only what is
	// addressed to the gateway. Nothing a container sends goes further,
	// whether or not the host forwards IPv4.
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Fatalf("the tests need iptables to keep their containers in their network: %v", err)
	}
	rules := isolationRules(n)
	for i := len(rules) - 1; i >= 0; i-- {
		rule := rules[i]
		insert := append([]string{"-I", rule[0], "1"}, rule[1:]...)
		if out, err := exec.Command("iptables", insert...).CombinedOutput(); err != nil {
			t.Fatalf("iptables %s: %v: %s", strings.Join(insert, " "), err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("iptables", append([]string{"-D"}, rule...)...).CombinedOutput(); err != nil {
				t.Errorf("iptables -D %s: %v: %s", strings.Join(rule, " "), err, out)
			}
		})
	}
}

// isolationRules are the host's rules for n's bridge, in order, each
// marked with this process's id: containers reach each other and the
// host at the gateway, and nothing else.
func isolationRules(n *network) [][]string {
	mark := []string{"-m", "comment", "--comment", fmt.Sprintf("aztoken-test pid=%d", os.Getpid())}
	rule := func(r ...string) []string { return append(append(r[:len(r)-2:len(r)-2], mark...), r[len(r)-2:]...) }
	return [][]string{
		rule("FORWARD", "-i", n.Bridge, "-o", n.Bridge, "-j", "ACCEPT"),
		rule("FORWARD", "-i", n.Bridge, "-j", "DROP"),
		rule("FORWARD", "-o", n.Bridge, "-j", "DROP"),
		rule("INPUT", "-i", n.Bridge, "-d", n.Gateway, "-j", "ACCEPT"),
		rule("INPUT", "-i", n.Bridge, "-j", "DROP"),
	}
}

// container is a detached container removed when the test ends.
type container struct {
	Name string
}

// startContainer runs a detached container and removes it (with its
// anonymous volumes) when the test ends.
func startContainer(t *testing.T, args ...string) *container {
	t.Helper()
	c := &container{Name: "aztoken-test-" + randomHex(4)}
	full := append([]string{"run", "-d", "--name", c.Name, "--label", labelPID + "=" + strconv.Itoa(os.Getpid())}, args...)
	t.Cleanup(func() { removeContainer(t, c.Name) })
	mustDocker(t, full...)
	return c
}

func removeContainer(t *testing.T, name string) {
	out, err := docker(context.Background(), "rm", "-f", "-v", name)
	if err != nil && !strings.Contains(out, "No such container") {
		t.Errorf("removing the container %s: %v", name, err)
	}
}

// logs is a container's output so far.
func (c *container) logs(t *testing.T) string {
	out, _ := docker(context.Background(), "logs", c.Name)
	return out
}

// runContainer creates a container, lets inspect look at it (when not
// nil), runs it to its end (at most two minutes) and returns its exit
// code and output; it is removed afterwards, also when it has to be
// stopped.
func runContainer(t *testing.T, inspect func(name string), args ...string) (int, string) {
	t.Helper()
	name := "aztoken-test-" + randomHex(4)
	defer removeContainer(t, name)
	mustDocker(t, append([]string{"create", "--name", name, "--label", labelPID + "=" + strconv.Itoa(os.Getpid())}, args...)...)
	if inspect != nil {
		inspect(name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "start", "-a", name)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the container %s (%s) did not finish within 2 minutes: %s", name, strings.Join(args, " "), out.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatalf("docker start -a %s: %v", name, err)
	}
	return 0, out.String()
}

// sweep removes what earlier runs that are gone left behind: their
// containers, networks, iptables rules and images.
func sweep() {
	ctx := context.Background()
	gone := func(pid string) bool {
		n, err := strconv.Atoi(pid)
		if err != nil || n == os.Getpid() {
			return false
		}
		_, err = os.Stat("/proc/" + pid)
		return err != nil
	}
	if out, err := docker(ctx, "ps", "-a", "--filter", "label="+labelPID, "--format", `{{.ID}} {{.Label "`+labelPID+`"}}`); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if id, pid, ok := strings.Cut(line, " "); ok && gone(pid) {
				_, _ = docker(ctx, "rm", "-f", "-v", id)
			}
		}
	}
	if out, err := docker(ctx, "network", "ls", "--filter", "label="+labelPID, "--format", `{{.Name}} {{.Label "`+labelPID+`"}}`); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if name, pid, ok := strings.Cut(line, " "); ok && gone(pid) {
				_, _ = docker(ctx, "network", "rm", name)
			}
		}
	}
	sweepProcesses(gone)
	for _, chain := range []string{"FORWARD", "INPUT"} {
		sweepRules(chain, gone)
	}
	if out, err := docker(ctx, "image", "ls", "--filter", "label="+labelPID, "--format", "{{.ID}}"); err == nil {
		for _, id := range strings.Fields(out) {
			pid, err := docker(ctx, "image", "inspect", "--format", `{{index .Config.Labels "`+labelPID+`"}}`, id)
			if err == nil && gone(strings.TrimSpace(pid)) {
				_, _ = docker(ctx, "rmi", "-f", id)
			}
		}
	}
}

// runPIDEnv marks the host processes a run starts (aztoken serve) with
// the run's process id.
const runPIDEnv = "AZTOKEN_CONTAINERTEST_PID"

// sweepProcesses ends, each by its own id, the processes a run that is
// gone started and left running.
func sweepProcesses(gone func(pid string) bool) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(b), "\x00") {
			if run, ok := strings.CutPrefix(kv, runPIDEnv+"="); ok && gone(run) {
				if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
					_ = syscall.Kill(pid, syscall.SIGTERM)
				}
			}
		}
	}
}

// sweepRules deletes the rules of chain whose run is gone.
func sweepRules(chain string, gone func(pid string) bool) {
	if out, err := exec.Command("iptables", "-S", chain).Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			_, after, ok := strings.Cut(line, `--comment "aztoken-test pid=`)
			if !ok {
				continue
			}
			pid, _, _ := strings.Cut(after, `"`)
			if !gone(pid) {
				continue
			}
			args := strings.Fields(strings.TrimPrefix(line, "-A "))
			// Put the comment back together as one argument.
			var rule []string
			for i := 0; i < len(args); i++ {
				if args[i] == "--comment" && i+2 < len(args) {
					rule = append(rule, "--comment", strings.Trim(args[i+1]+" "+args[i+2], `"`))
					i += 2
					continue
				}
				rule = append(rule, args[i])
			}
			_ = exec.Command("iptables", append([]string{"-D"}, rule...)...).Run()
		}
	}
}
