package cache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/aztoken/aztoken/internal/env"
)

// Key permissions (linux/key.h; x/sys/unix does not name them): the
// possessor may do anything, the user may view, read, write and search,
// and nobody else may do anything.
const (
	keyPosAll    = 0x3f000000
	keyUsrView   = 0x00010000
	keyUsrRead   = 0x00020000
	keyUsrWrite  = 0x00040000
	keyUsrSearch = 0x00080000
	keyPerm      = keyPosAll | keyUsrView | keyUsrRead | keyUsrWrite | keyUsrSearch
)

// newKeyStore is the kernel user keyring on Linux.
func newKeyStore(_ context.Context, desc, _ string, _ env.Env) keyStore { return kernelKeyring{desc} }

// kernelKeyring keeps the key in the user keyring, readable by the user
// alone and emptied at the user's last logout.
type kernelKeyring struct{ desc string }

func (k kernelKeyring) find() ([]byte, bool, error) { return keyringFind(k.desc) }
func (k kernelKeyring) create() ([]byte, error)     { return keyringCreate(k.desc) }
func (kernelKeyring) name() string                  { return "the kernel keyring" }
func (k kernelKeyring) where() string               { return fmt.Sprintf("key %q in the user keyring", k.desc) }

// keyringFind looks the cache key up in the user keyring: two syscalls.
// found is false when there is no such key; err is set when the keyring
// cannot be used at all (keyctl blocked by seccomp, no key support).
func keyringFind(desc string) (key []byte, found bool, err error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
	if errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, keyringError(err)
	}
	buf := make([]byte, keySize+1)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil {
		return nil, false, keyringError(err)
	}
	if n != keySize {
		// Not a key of ours: report it missing so that it is replaced.
		return nil, false, nil
	}
	return buf[:keySize], true, nil
}

// keyringCreate puts a new random key in the user keyring, replacing any
// key of that description. The caller holds the keyring lock, so that two
// processes starting together do not each create a key and strand the
// other's entries.
func keyringCreate(desc string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	id, err := unix.AddKey("user", desc, key, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return nil, keyringError(err)
	}
	if err := unix.KeyctlSetperm(id, keyPerm); err != nil {
		// A key others might read is worse than no key.
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return nil, keyringError(err)
	}
	return key, nil
}

// keyringRemove invalidates the key; tests use it to clean up.
func keyringRemove(desc string) error {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
	if err != nil {
		return err
	}
	_, err = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
	return err
}

func keyringError(err error) error {
	switch {
	case errors.Is(err, unix.ENOSYS):
		return fmt.Errorf("the kernel has no keyring support (keyctl: %w)", err)
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("keyctl is not permitted here, as in many containers (%w)", err)
	case errors.Is(err, unix.EDQUOT):
		return fmt.Errorf("the user keyring is full (%w)", err)
	default:
		return fmt.Errorf("keyctl failed: %w", err)
	}
}
