//go:build !linux

package linktest

import "testing"

func TestOpenIMDSStaysOnItsLink(t *testing.T) {
	t.Skip("skipped: network namespaces are Linux's; the rule itself is tested in internal/serve (TestOpenIMDSLink)")
}
