package runner

import "testing"

func TestParseStat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want proc
		ok   bool
	}{
		{"42 (sleep) S 7 42 42 0 -1", proc{pid: 42, ppid: 7, pgid: 42}, true},
		{"42 (a) b (c) R 7 9 9 0", proc{pid: 42, ppid: 7, pgid: 9}, true},
		{"42 (zombie) Z 7 9 9", proc{}, false},
		{"42 (cut) S", proc{}, false},
		{"garbage", proc{}, false},
	} {
		got, ok := parseStat(42, tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
