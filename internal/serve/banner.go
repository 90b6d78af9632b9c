package serve

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/aztoken/aztoken/internal/output"
)

// containerHost is how a container reaches its host: Docker Desktop
// resolves it by itself, Linux needs --add-host=host.docker.internal:host-gateway.
const containerHost = "host.docker.internal"

// EnvFormats are the formats PrintEnv accepts, output's formats that
// assign variables. env-file is what docker run --env-file reads (no
// quoting: it takes everything after = as it is); get's env-no-export
// would quote for a shell, so it is not offered here.
var EnvFormats = []string{string(output.Env), string(output.EnvFile), string(output.PowerShell), string(output.Compose)}

// printBanner writes what a developer needs to point a container or a
// local process at the server. It shows the secret on purpose. The first
// docker line is one that works where it is printed: a container reaches
// a loopback listener only through the host network on Linux's Docker
// Engine, and through host.docker.internal on Docker Desktop.
func (s *Server) printBanner(w io.Writer) {
	port := strconv.Itoa(s.Port())
	local := s.URL()
	var b strings.Builder
	mode := s.opts.ProviderName
	if mode == "" {
		mode = "proxying the credential chain"
	}
	if s.emu != nil {
		mode = "emulator: tokens are signed by a local key, not by Entra ID"
	}
	fmt.Fprintf(&b, "aztoken serve: listening on %s (%s)\n", local, mode)
	host := listenHost(s.Addr())
	appService := func(base string) string {
		return fmt.Sprintf("-e IDENTITY_ENDPOINT=%s%s -e IDENTITY_HEADER=%s", base, PathAppService, s.secret)
	}
	desktop := fmt.Sprintf("docker run %s IMAGE", appService("http://"+containerHost+":"+port))
	hostNet := fmt.Sprintf("docker run --network host %s IMAGE", appService(local))
	_, ll := linkLocal(host)
	switch {
	case ll && s.imdsOn && !s.imdsSecret && host == "169.254.169.254" && port == "80":
		fmt.Fprintf(&b, "  containers on the docker network whose gateway is %s reach it as Azure's IMDS, with nothing set inside them:\n", host)
		fmt.Fprintf(&b, "    docker run --network NAME IMAGE\n")
	case ll:
		fmt.Fprintf(&b, "  containers on the docker network whose gateway is %s reach it with:\n", host)
		fmt.Fprintf(&b, "    docker run --network NAME %s IMAGE\n", appService(local))
	case isLoopbackHost(host) && runtime.GOOS == "linux":
		fmt.Fprintf(&b, "  run a container with (Docker Engine on Linux reaches the host's loopback only from the host network):\n")
		fmt.Fprintf(&b, "    %s\n", hostNet)
		allow := ""
		if !s.hosts.names[containerHost] {
			allow = " (restart serve with --allow-host " + containerHost + " for it)"
		}
		fmt.Fprintf(&b, "  or, with Docker Desktop, which forwards host.docker.internal to this machine's loopback%s:\n", allow)
		fmt.Fprintf(&b, "    %s\n", desktop)
	case isLoopbackHost(host):
		fmt.Fprintf(&b, "  run a container with (Docker Desktop forwards host.docker.internal to this machine's loopback):\n")
		fmt.Fprintf(&b, "    %s\n", desktop)
	default:
		fmt.Fprintf(&b, "  run a container with:\n")
		fmt.Fprintf(&b, "    docker run %s IMAGE\n", appService(local))
	}
	fmt.Fprintf(&b, "  or, for a process on this machine:\n")
	for _, p := range protocols {
		if line := p.local(s, local); line != "" {
			fmt.Fprintf(&b, "    %s\n", line)
		}
	}
	if s.imdsOn && !s.imdsSecret && s.opts.IMDS == IMDSOpen {
		who := "every process on this machine"
		if ll {
			who = "every container on that docker network, and every process on this machine,"
		}
		fmt.Fprintf(&b, "  IMDS is open (--imds open): it needs no secret, as on Azure, so %s can get tokens for this identity, as any process on an Azure VM can.\n", who)
	}
	if s.imdsOn && !s.imdsSecret && isLoopbackHost(host) && (desktopLoopback || s.hosts.names[containerHost]) {
		// Docker Desktop's proxy makes every container a local process
		// here; only the Host name tells an honest one apart.
		fmt.Fprintf(&b, "  Docker Desktop's containers reach this loopback too: under host.docker.internal IMDS needs the secret, but a container that sends Host: 127.0.0.1 gets tokens without it. If you run containers you do not trust, restart with --imds off and give containers the IDENTITY_ENDPOINT and IDENTITY_HEADER above, or the relay (docs/containers.md).\n")
	}
	if s.emu != nil {
		fmt.Fprintf(&b, "  tokens verify against %s (issuer %s)\n", s.emu.DiscoveryURL(), s.emu.Issuer())
	}
	fmt.Fprintf(&b, "  IDENTITY_HEADER is this run's secret, not a token: whoever has it gets tokens until the server stops.\n")
	_, _ = io.WriteString(w, b.String())
}

// PrintEnv writes the variables a container needs, for stdout, in one of
// EnvFormats: env (export lines for sh), env-file (for docker run
// --env-file), powershell, or compose (a snippet for a service in a
// compose file). The endpoint is one a container reaches this listener
// by: host.docker.internal (compose: with extra_hosts host-gateway),
// where Docker maps that name here and serve accepts it; for a loopback
// listener that Docker Engine on Linux cannot reach from a bridge
// network, the listen address itself, from the host network (compose:
// network_mode: host). It needs a started server, and writes the secret
// on purpose.
func (s *Server) PrintEnv(w io.Writer, format string) error {
	if s.ln == nil {
		return fmt.Errorf("the server is not listening yet, so its port is unknown; start it first")
	}
	if !slices.Contains(EnvFormats, format) {
		return fmt.Errorf("unknown env format %q; use one of %s", format, strings.Join(EnvFormats, ", "))
	}
	hostNetwork := isLoopbackHost(listenHost(s.Addr())) && !s.hosts.names[containerHost]
	base := "http://" + containerHost + ":" + strconv.Itoa(s.Port())
	if hostNetwork {
		base = s.URL()
	}
	vars := []output.Var{{Name: "IDENTITY_ENDPOINT", Value: base + PathAppService}, {Name: "IDENTITY_HEADER", Value: s.secret}}
	var b strings.Builder
	if format == string(output.Compose) && hostNetwork {
		b.WriteString("    network_mode: host\n")
	}
	if err := output.WriteVars(&b, output.Format(format), vars); err != nil {
		return err
	}
	if format == string(output.Compose) && !hostNetwork {
		fmt.Fprintf(&b, "    extra_hosts:\n      - \"%s:host-gateway\"\n", containerHost)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
