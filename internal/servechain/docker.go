package servechain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/usage"
)

// serve --docker-network NAME: the docker network that puts IMDS's
// address on this machine, checked (or created) before serve listens, so
// that one command starts IMDS for every container on that network
// (docs/containers.md, "A Linux host"). cli applies the flag's defaults
// and conflicts; this file talks to docker.

const (
	// IMDSIP is where every Azure SDK, az and IMDS tool asks for tokens.
	IMDSIP = "169.254.169.254"
	// IMDSSubnet is the network docker creates with IMDSIP as its gateway.
	IMDSSubnet = "169.254.169.0/24"
	// dockerTimeout bounds one docker command; an engine that does not
	// answer makes docker itself wait much longer.
	dockerTimeout = 30 * time.Second
)

// dockerNetworkName is what docker accepts as a network name; checking it
// also keeps a name from being read as one of docker's flags. Compiled on
// first use: its {0,127} makes it the costliest expression to compile in
// the binary, and every start of aztoken (a cached get too) would pay it.
var dockerNetworkName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
})

// CheckDockerNetworkName refuses what docker would not take as a network
// name, as a usage error.
func CheckDockerNetworkName(name string) error {
	if !dockerNetworkName().MatchString(name) {
		return usage.Errorf("--docker-network: %q is not a docker network name; use letters, digits, '_', '.' and '-', starting with a letter or digit.", name)
	}
	return nil
}

// EnsureDockerNetwork makes sure the docker network name exists with
// 169.254.169.254 as its gateway, creating it if it is missing, and says
// on w what it found or did. It gives up after twice dockerTimeout.
func EnsureDockerNetwork(ctx context.Context, environ []string, name string, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*dockerTimeout)
	defer cancel()
	create := fmt.Sprintf("docker network create --subnet %s --gateway %s %s", IMDSSubnet, IMDSIP, name)
	out, err := runDocker(ctx, environ, "network", "inspect", "--format", `{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{"\n"}}{{end}}`, name)
	switch {
	case errors.Is(err, runner.ErrNotFound):
		return fmt.Errorf("--docker-network needs the docker command, which is not on PATH; install Docker, or create the network yourself (%s) and pass --addr %s:80 --imds open instead", create, IMDSIP)
	case err != nil && isNoSuchNetwork(out):
		if out, err := runDocker(ctx, environ, "network", "create", "--subnet", IMDSSubnet, "--gateway", IMDSIP, name); err != nil {
			return fmt.Errorf("creating the docker network %s failed: %v: %s; a network on %s may exist under another name (docker network ls shows it): remove it, or pass its name", name, err, firstLine(out), IMDSSubnet)
		}
		fmt.Fprintf(w, "aztoken serve: created the docker network %s (%s, gateway %s); run containers with --network %s, remove it with: docker network rm %s\n", name, IMDSSubnet, IMDSIP, name, name)
		return nil
	case err != nil:
		return fmt.Errorf("asking docker about the network %s failed: %v: %s; is the Docker engine running?", name, err, firstLine(out))
	}
	var gateways []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		subnet, gateway, _ := strings.Cut(strings.TrimSpace(line), " ")
		if gateway == IMDSIP {
			fmt.Fprintf(w, "aztoken serve: the docker network %s (%s) has IMDS's address %s as its gateway; run containers with --network %s\n", name, subnet, IMDSIP, name)
			return nil
		}
		if gateway != "" {
			gateways = append(gateways, gateway)
		}
	}
	found := "no gateway docker reports"
	if len(gateways) > 0 {
		found = "the gateway " + strings.Join(gateways, ", ")
	}
	return usage.Errorf("the docker network %s has %s, not %s, so its containers would not find IMDS there. Name another network (serve creates it), or remove this one (docker network rm %s) and let serve create it.", name, found, IMDSIP, name)
}

// runDocker runs the docker client with a deadline and returns what it
// printed, stderr after stdout.
func runDocker(ctx context.Context, environ []string, args ...string) (string, error) {
	res, err := runner.Run(ctx, runner.Cmd{Name: "docker", Args: args, Environ: environ, Timeout: dockerTimeout})
	return string(res.Stdout) + string(res.Stderr), err
}

// isNoSuchNetwork recognises docker's answer for a missing network
// ("Error: No such network: NAME", or "network NAME not found").
func isNoSuchNetwork(out string) bool {
	lower := strings.ToLower(out)
	return strings.Contains(lower, "no such network") || strings.Contains(lower, "not found")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
