package servechain

import (
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/source"
	"github.com/aztoken/aztoken/internal/usage"
)

// LeaveOutSelf returns names without managed identity when it would send
// its requests to addr, serve's own listen address: serve at
// 169.254.169.254:80 (the docker topology of docs/containers.md) would
// otherwise answer every cache miss by asking itself, and each request
// would wait out the upstream timeout. Said on stderr, since it changes
// the chain; a usage error when managed identity was the only source.
func LeaveOutSelf(names []string, cfg source.Config, addr string, stderr io.Writer) ([]string, error) {
	if !slices.Contains(names, chain.Managed) {
		return names, nil
	}
	target := source.NewManaged(cfg).TargetHost()
	if target == "" || !sameHostPort(target, addr) {
		return names, nil
	}
	if len(names) == 1 {
		return nil, usage.Errorf("managed identity would ask this serve itself at %s; choose where tokens come from, such as --source az (the developer's login) or --emulate.", target)
	}
	fmt.Fprintf(stderr, "aztoken serve: managed identity is left out of the chain: it would ask this serve itself at %s\n", target)
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == chain.Managed }), nil
}

// sameHostPort reports whether two host:port strings name the same
// address: IPs compared as addresses ("::1" and "[0:0::1]" alike), names
// without regard to case.
func sameHostPort(a, b string) bool {
	ah, ap, err1 := net.SplitHostPort(a)
	bh, bp, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || ap != bp {
		return false
	}
	if ai, bi := net.ParseIP(ah), net.ParseIP(bh); ai != nil && bi != nil {
		return ai.Equal(bi)
	}
	return strings.EqualFold(strings.TrimSuffix(ah, "."), strings.TrimSuffix(bh, "."))
}
