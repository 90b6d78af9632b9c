package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// Whom the cache trusts to own or open its files on Windows.
func TestTrustedSIDs(t *testing.T) {
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sid  string
		want bool
	}{
		{me.String(), true},
		{"S-1-5-18", true},               // SYSTEM
		{"S-1-5-32-544", true},           // Administrators: owns what elevated processes create
		{"S-1-1-0", false},               // Everyone
		{"S-1-5-32-545", false},          // Users
		{"S-1-5-11", false},              // Authenticated Users
		{"S-1-5-21-1-2-3-1001", false},   // another user
		{"S-1-5-32-555", false},          // Remote Desktop Users
		{"S-1-5-80-0", false},            // all services
		{"S-1-5-21-0-0-0-1000-1", false}, // a SID that merely starts like one
	} {
		sid, err := windows.StringToSid(tt.sid)
		if err != nil {
			t.Fatal(err)
		}
		if got := trusted(sid); got != tt.want {
			t.Errorf("trusted(%s) = %v, want %v", tt.sid, got, tt.want)
		}
	}
}

// An elevated process creates files owned by Administrators: the cache
// serves them, rather than rejecting its own entries (or its directory)
// after the user once ran aztoken elevated.
func TestAdministratorsOwnedEntry(t *testing.T) {
	tc := openTest(t, ModePlain)
	key := testKey("elevated")
	if err := tc.Put(t.Context(), key, testEntry(time.Now())); err != nil {
		t.Fatal(err)
	}
	admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{tc.dir, tc.path(key, entryExt)} {
		if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION, admins, nil, nil, nil); err != nil {
			t.Skipf("skipping: this process may not give a file to Administrators (not an administrator): %v", err)
		}
		sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		if owner, _, _ := sd.Owner(); owner == nil || !owner.Equals(admins) {
			t.Skipf("skipping: the owner did not change to Administrators (%v); Wine keeps no owners", owner)
		}
	}
	c := tc.reopen(t)
	if _, ok := c.Get(key, 0); !ok {
		t.Fatalf("an entry owned by Administrators was not served; notices %q", tc.notes.all())
	}
	if _, err := readTrusted(filepath.Join(tc.dir, nameKeyFile)); err != nil && !os.IsNotExist(err) {
		t.Errorf("name key: %v", err)
	}
}
