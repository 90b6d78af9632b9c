package cache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/env"
)

// Ctrl+C ends a wait on the Keychain at once, and a cancelled run is not
// remembered as a refusal. The context is cancelled before security
// could start, so the user's Keychain is never asked.
func TestKeychainHonoursCancellation(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ks := newKeyStore(ctx, "aztoken-test:never-created", dir, env.Map(nil))
	start := time.Now()
	_, _, err := ks.find()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("find = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > keychainTimeout {
		t.Errorf("find took %s after the context was cancelled", d)
	}
	if err := recallKeychainRefusal(dir, time.Now()); err != nil {
		t.Errorf("a cancelled run was remembered: %v", err)
	}
}
