package runner

import (
	"strconv"
	"time"
)

// FormatDuration writes a timeout the way users typed it: "10s", "1.5s",
// "300ms", "90s" (Go's own String would say "1m30s").
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
}
