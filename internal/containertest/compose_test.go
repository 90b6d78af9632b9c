//go:build linux

package containertest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// composeCommand is how this machine runs compose files: the compose
// plugin (`docker compose`) or the standalone docker-compose; nil when
// neither is installed.
func composeCommand() []string {
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	return nil
}

// TestCompose runs docs/docker-compose.yml as written: the relay and the
// example app (aztoken whoami, asking IMDS), with `aztoken serve
// --emulate` on the host. The test only adds to it: the project's network
// is made internal with a bridge name for the host's isolation rules, and
// what it creates is labelled; aztoken.env, which serve --print-env
// writes for users, points at the network's gateway (the engine here has
// no default bridge for host-gateway to name).
func TestCompose(t *testing.T) {
	a := setup(t)
	compose := composeCommand()
	if compose == nil {
		t.Skip("skipped: neither `docker compose` nor docker-compose is installed; TestRelayTopology runs the same relay with docker commands")
	}
	example, err := os.ReadFile(filepath.Join(a.repo, "docs", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	id := randomHex(4)
	pid := strconv.Itoa(os.Getpid())
	n := &network{Bridge: "aztk" + id, Gateway: "169.254.169.1"}
	// The project's network, made internal with a known bridge name. This
	// is written into the network's own entry: docker-compose 1.x
	// replaces a network's whole entry with an override file's, so an
	// override would drop the example's subnet.
	const anchor = "\nnetworks:\n  azure:\n"
	if !bytes.Contains(example, []byte(anchor)) {
		t.Fatalf("docs/docker-compose.yml no longer has its network at %q; update TestCompose", anchor)
	}
	isolated := bytes.Replace(example, []byte(anchor), []byte(anchor+`    internal: true
    driver_opts:
      com.docker.network.bridge.name: `+n.Bridge+`
    labels:
      `+labelPID+`: "`+pid+`"
`), 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), isolated, 0o644); err != nil {
		t.Fatal(err)
	}
	labels := `services:
  imds:
    labels:
      ` + labelPID + `: "` + pid + `"
  app:
    labels:
      ` + labelPID + `: "` + pid + `"
`
	if err := os.WriteFile(filepath.Join(dir, "labels.yml"), []byte(labels), 0o644); err != nil {
		t.Fatal(err)
	}

	// serve's port and secret are chosen first: the relay reads them at
	// its start, serve can only listen once the network exists.
	port := freePort(t)
	secret := "compose-secret-" + randomHex(12)
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	env := "IDENTITY_ENDPOINT=http://" + n.Gateway + ":" + port + "/msi/token\nIDENTITY_HEADER=" + secret + "\n"
	if err := os.WriteFile(filepath.Join(dir, "aztoken.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}

	project := "aztoken-test-" + id
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		full := append(append(compose[1:len(compose):len(compose)], "-p", project, "-f", "docker-compose.yml", "-f", "labels.yml"), args...)
		cmd := exec.CommandContext(ctx, compose[0], full...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "AZTOKEN_IMAGE="+a.image)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	isolate(t, n)
	t.Cleanup(func() {
		if out, err := run("down", "-v", "--remove-orphans"); err != nil {
			t.Errorf("compose down: %v: %s", err, out)
		}
	})
	if out, err := run("up", "-d", "imds"); err != nil {
		t.Fatalf("compose up -d imds: %v: %s", err, out)
	}
	srv := startServe(t, a, a.bin, user{}, mode{name: "emulate", args: []string{"--emulate"}},
		"--addr", n.Gateway+":"+port, "--allow-remote", "--secret-file", secretFile)
	out, err := run("run", "--rm", "app")
	t.Logf("compose run app:\n%s", out)
	if err != nil {
		logs, _ := run("logs", "imds")
		t.Fatalf("the example app got no token from the relay (serve at %s): %v\nrelay:\n%s", srv.URL, err, logs)
	}
	if !strings.Contains(out, "emulat") || !strings.Contains(out, "managed-identity") {
		t.Errorf("aztoken whoami in the example app does not say it got an emulated managed-identity token:\n%s", out)
	}
	if logs, _ := run("logs", "imds"); strings.Contains(logs, secret) || jwtRE.MatchString(logs) {
		t.Errorf("the relay's log holds the secret or a token:\n%s", logs)
	}
}

// freePort is a TCP port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
