package source

import (
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

// Every name of the order table builds the source of that name, and a
// name outside it is an error, not a nil source.
func TestNewBuildsEveryOrderedSource(t *testing.T) {
	cfg := Config{Env: env.Map(nil)}
	for _, info := range chain.Order {
		s, err := New(info.Name, cfg)
		if err != nil || s == nil || s.Name() != info.Name {
			t.Errorf("New(%q) = %v, %v", info.Name, s, err)
		}
	}
	if s, err := New("nonesuch", cfg); err == nil || s != nil {
		t.Errorf("New(nonesuch) = %v, %v; want an error", s, err)
	}
}
