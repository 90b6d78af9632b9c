package servechain

import (
	"encoding/json"
	"strings"

	"github.com/aztoken/aztoken/internal/dockerconfig"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/usage"
)

// DockerEngine is what says, without asking docker, where its engine
// runs: --docker-network works only where the engine's bridge is on this
// machine, so that the network's gateway (169.254.169.254) is one of its
// addresses and serve can listen there. Docker Desktop (macOS, Windows,
// and Docker Desktop for Linux) runs the engine in a VM: the network
// appears inside the VM, never on the host, so serve's listener would
// fail after docker had created a network nobody can use.
type DockerEngine struct {
	GOOS string
	// Host and Context are DOCKER_HOST and DOCKER_CONTEXT; CurrentContext
	// is config.json's currentContext, which applies when both are empty.
	Host, Context, CurrentContext string
}

// LocalDockerEngine reads where docker would talk to from e and docker's
// config.json; a file that cannot be read names no context, as for docker.
func LocalDockerEngine(goos string, e env.Env) DockerEngine {
	d := DockerEngine{GOOS: goos, Host: e.Get("DOCKER_HOST"), Context: e.Get("DOCKER_CONTEXT")}
	if data, _, err := dockerconfig.Read(dockerconfig.Path(e.Get("DOCKER_CONFIG"), e.Get("HOME"))); err == nil {
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		if json.Unmarshal(data, &cfg) == nil {
			d.CurrentContext = cfg.CurrentContext
		}
	}
	return d
}

// desktop reports whether docker talks to Docker Desktop: its context is
// "desktop-linux" on every OS, and its sockets live in ~/.docker/desktop
// (Linux) and ~/.docker/run (macOS).
func (d DockerEngine) desktop() bool {
	if d.Host != "" {
		return strings.Contains(d.Host, "/.docker/desktop/") || strings.Contains(d.Host, "/.docker/run/")
	}
	ctx := d.Context
	if ctx == "" {
		ctx = d.CurrentContext
	}
	return strings.HasPrefix(ctx, "desktop-")
}

// relayHint is where the relay, which works with every engine, is shown.
const relayHint = `use the relay instead: "aztoken serve --source az" on this machine and "aztoken serve --relay --imds open" in a container on the network (docs/containers.md, "Any Docker, Docker Desktop included: the relay")`

// CheckNetworkHere refuses --docker-network, as a usage error, where the
// network's gateway could never be an address of this machine.
func (d DockerEngine) CheckNetworkHere() error {
	switch {
	case d.GOOS == "darwin":
		return usage.Errorf("--docker-network needs a Linux host: on macOS, Docker Desktop runs containers in a VM, so the network's gateway %s is never an address of this Mac; %s.", IMDSIP, relayHint)
	case d.GOOS != "linux":
		return usage.Errorf("--docker-network needs a Linux host: Docker on %s runs containers in a VM, so the network's gateway %s is never an address of this machine; %s.", d.GOOS, IMDSIP, relayHint)
	case d.desktop():
		return usage.Errorf("--docker-network needs the Docker engine on this machine, and docker talks to Docker Desktop, whose VM would hold the network and its gateway %s; %s.", IMDSIP, relayHint)
	}
	return nil
}
