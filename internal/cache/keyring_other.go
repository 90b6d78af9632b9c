//go:build !linux && !darwin && !windows

package cache

import (
	"context"
	"errors"

	"github.com/aztoken/aztoken/internal/env"
)

// newKeyStore: the BSDs and the rest have no key store aztoken can use.
func newKeyStore(context.Context, string, string, env.Env) keyStore {
	return noKeyStore{"this system has no key store aztoken can use"}
}

// noKeyStore is the store of a system that has none.
type noKeyStore struct{ why string }

func (s noKeyStore) find() ([]byte, bool, error) { return nil, false, errors.New(s.why) }
func (s noKeyStore) create() ([]byte, error)     { return nil, errors.New(s.why) }
func (noKeyStore) name() string                  { return "the system's key store" }
func (noKeyStore) where() string                 { return "no key store" }
