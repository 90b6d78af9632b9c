package runner

import (
	"context"
	"os"
	"testing"
)

// BenchmarkRunTrue is the runner's own cost around the smallest child:
// lookup, start, wait and the tree kill (on Linux, one /proc sweep).
func BenchmarkRunTrue(b *testing.B) {
	if _, err := os.Stat("/bin/true"); err != nil {
		b.Skip("skipping: no /bin/true")
	}
	for b.Loop() {
		if _, err := Run(context.Background(), Cmd{Name: "/bin/true"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadProcs is one sweep of /proc.
func BenchmarkReadProcs(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("skipping: no /proc")
	}
	for b.Loop() {
		readProcs(markerVar + "=bench")
	}
}
