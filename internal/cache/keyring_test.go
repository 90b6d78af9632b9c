//go:build linux

package cache

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestKeyringKeyIsPrivate: the key Open creates is readable by the user
// alone, and a key of the wrong size is replaced rather than used.
func TestKeyringKeyIsPrivate(t *testing.T) {
	desc := testKeyDesc(t)
	if _, err := unix.AddKey("user", desc, []byte("too short"), unix.KEY_SPEC_USER_KEYRING); err != nil {
		t.Fatal(err)
	}
	c, err := Open(testEnv(t.TempDir()+"/aztoken", ModeKeyring), Options{keyDesc: desc})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode().Name != ModeKeyring {
		t.Fatalf("Mode() = %v", c.Mode())
	}
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
	if err != nil {
		t.Fatal(err)
	}
	// "type;uid;gid;perm;description"
	d, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(d, ";")
	if len(f) < 5 || f[3] != fmt.Sprintf("%08x", keyPerm) {
		t.Errorf("key described as %q, want permissions %08x (possessor and user only)", d, keyPerm)
	}
	key, found, err := keyringFind(desc)
	if err != nil || !found || len(key) != keySize {
		t.Errorf("keyringFind = %d bytes, found %v, %v; want the new %d-byte key", len(key), found, err, keySize)
	}
}

// TestKeyringErrors: where keyctl is blocked, Mode says why in words a
// user can act on.
func TestKeyringErrors(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{unix.EPERM, "not permitted here"},
		{unix.EACCES, "not permitted here"},
		{unix.ENOSYS, "no keyring support"},
		{unix.EDQUOT, "keyring is full"},
		{unix.EINVAL, "keyctl failed"},
	} {
		if got := keyringError(tt.err).Error(); !strings.Contains(got, tt.want) {
			t.Errorf("keyringError(%v) = %q, want it to say %q", tt.err, got, tt.want)
		}
	}
}

func TestUnknownEncryptionSetting(t *testing.T) {
	desc := testKeyDesc(t)
	notes := &notices{}
	e := testEnv(t.TempDir()+"/aztoken", ModeKeyring).With(map[string]string{"AZTOKEN_CACHE_ENCRYPTION": "maybe"})
	c, err := Open(e, Options{Notice: notes.add, keyDesc: desc})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode().Name != ModeKeyring {
		t.Errorf("Mode() = %v, want keyring by default", c.Mode())
	}
	if n := notes.all(); len(n) != 1 || !strings.Contains(n[0], `"maybe"`) {
		t.Errorf("notices = %q, want one about the setting", n)
	}
}
