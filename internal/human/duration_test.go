package human

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{500 * time.Microsecond, "500µs"},
		{340 * time.Millisecond, "340ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1s"},
		{1200 * time.Millisecond, "1.2s"},
		{1299 * time.Millisecond, "1.2s"},
		{3 * time.Second, "3s"},
		{3040 * time.Millisecond, "3s"},
		{9999 * time.Millisecond, "9.9s"},
		{10 * time.Second, "10s"},
		{59*time.Second + 900*time.Millisecond, "59s"},
		{time.Minute, "1m"},
		{2*time.Minute + 30*time.Second, "2m30s"},
		{10*time.Minute + 30*time.Second, "10m"},
		{52*time.Minute + 59*time.Second, "52m"},
		{time.Hour, "1h"},
		{time.Hour + 5*time.Minute + 59*time.Second, "1h5m"},
		{23*time.Hour + 59*time.Minute, "23h59m"},
		{24 * time.Hour, "1d"},
		{3*24*time.Hour + 4*time.Hour + 5*time.Minute, "3d4h"},
		{-3 * time.Minute, "3m"},
		{-1200 * time.Millisecond, "1.2s"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
