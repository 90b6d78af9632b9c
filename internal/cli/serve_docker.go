package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/usage"
)

// serve --docker-network NAME: the docker network that puts IMDS's
// address on this machine, checked (or created) before serve listens, so
// that one command starts IMDS for every container on that network
// (docs/containers.md, "A Linux host").

const (
	// imdsIP is where every Azure SDK, az and IMDS tool asks for tokens.
	imdsIP = "169.254.169.254"
	// imdsSubnet is the network docker creates with imdsIP as its gateway.
	imdsSubnet = "169.254.169.0/24"
	// dockerTimeout bounds one docker command; an engine that does not
	// answer makes docker itself wait much longer.
	dockerTimeout = 30 * time.Second
)

// dockerNetworkName is what docker accepts as a network name; checking it
// here also keeps a name from being read as one of docker's flags.
var dockerNetworkName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// bindDockerNetwork adds --docker-network to serve's flags.
func bindDockerNetwork(cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "docker-network", "", "serve IMDS at "+imdsIP+":80 for the docker network NAME, creating it (subnet "+imdsSubnet+", gateway "+imdsIP+") if it is missing; implies --imds open")
	_ = cmd.RegisterFlagCompletionFunc("docker-network", cobra.NoFileCompletions)
}

// useDockerNetwork applies --docker-network: it defaults --addr to
// IMDS's address and --imds to open, refuses flags that contradict them,
// and makes sure the network exists with that address as its gateway.
func (o *serveOptions) useDockerNetwork(cmd *cobra.Command, a *App) error {
	f := cmd.Flags()
	if !dockerNetworkName.MatchString(o.dockerNetwork) {
		return usage.Errorf("--docker-network: %q is not a docker network name; use letters, digits, '_', '.' and '-', starting with a letter or digit.", o.dockerNetwork)
	}
	if f.Changed("addr") {
		host, _, err := net.SplitHostPort(o.addr)
		if err != nil || host != imdsIP {
			return usage.Errorf("--docker-network serves IMDS at %s, the network's gateway; --addr %s names another address. Leave --addr out (the port is 80), or give %s:PORT.", imdsIP, o.addr, imdsIP)
		}
	} else {
		o.addr = imdsIP + ":80"
	}
	if !f.Changed("imds") {
		o.imds = "open"
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 2*dockerTimeout)
	defer cancel()
	return ensureDockerNetwork(ctx, a.Env.Environ(), o.dockerNetwork, a.IO.ErrOut)
}

// ensureDockerNetwork makes sure the docker network name exists with
// 169.254.169.254 as its gateway, creating it if it is missing, and says
// on w what it found or did.
func ensureDockerNetwork(ctx context.Context, environ []string, name string, w io.Writer) error {
	create := fmt.Sprintf("docker network create --subnet %s --gateway %s %s", imdsSubnet, imdsIP, name)
	out, err := runDocker(ctx, environ, "network", "inspect", "--format", `{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{"\n"}}{{end}}`, name)
	switch {
	case errors.Is(err, runner.ErrNotFound):
		return fmt.Errorf("--docker-network needs the docker command, which is not on PATH; install Docker, or create the network yourself (%s) and pass --addr %s:80 --imds open instead", create, imdsIP)
	case err != nil && isNoSuchNetwork(out):
		if out, err := runDocker(ctx, environ, "network", "create", "--subnet", imdsSubnet, "--gateway", imdsIP, name); err != nil {
			return fmt.Errorf("creating the docker network %s failed: %v: %s; a network on %s may exist under another name (docker network ls shows it): remove it, or pass its name", name, err, firstLine(out), imdsSubnet)
		}
		fmt.Fprintf(w, "aztoken serve: created the docker network %s (%s, gateway %s); run containers with --network %s, remove it with: docker network rm %s\n", name, imdsSubnet, imdsIP, name, name)
		return nil
	case err != nil:
		return fmt.Errorf("asking docker about the network %s failed: %v: %s; is the Docker engine running?", name, err, firstLine(out))
	}
	var gateways []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		subnet, gateway, _ := strings.Cut(strings.TrimSpace(line), " ")
		if gateway == imdsIP {
			fmt.Fprintf(w, "aztoken serve: the docker network %s (%s) has IMDS's address %s as its gateway; run containers with --network %s\n", name, subnet, imdsIP, name)
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
	return usage.Errorf("the docker network %s has %s, not %s, so its containers would not find IMDS there. Name another network (serve creates it), or remove this one (docker network rm %s) and let serve create it.", name, found, imdsIP, name)
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
