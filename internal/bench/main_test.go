package bench

import (
	"flag"
	"os"
	"testing"

	"github.com/aztoken/aztoken/internal/httpx"
)

var (
	rounds     = flag.Int("rounds", 25, "runs of each variant in the fast benchmarks (odd gives an exact median)")
	slowRounds = flag.Int("slowrounds", 7, "runs of each variant in the benchmarks that wait a second or more per run")
)

func TestMain(m *testing.M) {
	// Nothing here should dial anything but loopback; the children get
	// AZTOKEN_LOOPBACK_ONLY=1 and the SDK program its own loopback dialer.
	httpx.RestrictToLoopback()
	code := m.Run()
	printSummary(os.Stdout)
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
