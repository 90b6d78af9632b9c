package servechain

import "testing"

func TestSameHostPort(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"169.254.169.254:80", "169.254.169.254:80", true},
		{"169.254.169.254:80", "169.254.169.254:8080", false},
		{"127.0.0.1:80", "169.254.169.254:80", false},
		{"[::1]:80", "[0:0::1]:80", true},
		{"LocalHost.:80", "localhost:80", true},
		{"169.254.169.254", "169.254.169.254:80", false},
	} {
		if got := sameHostPort(c.a, c.b); got != c.want {
			t.Errorf("sameHostPort(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
