package usage

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrMatchesThroughWrapping(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"New", New("--x: bad."), true},
		{"Errorf", Errorf("--x: bad value %q.", "y"), true},
		{"wrapped", fmt.Errorf("reading flags: %w", New("bad.")), true},
		{"joined", errors.Join(errors.New("other"), Errorf("bad.")), true},
		{"plain", errors.New("bad."), false},
		{"nil", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, Err); got != tt.want {
				t.Fatalf("errors.Is(%v, Err) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if got := Errorf("unknown %q.", "yaml").Error(); got != `unknown "yaml".` {
		t.Fatalf("Errorf text = %q", got)
	}
}
