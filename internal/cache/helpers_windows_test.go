package cache

import (
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

// checkPrivate fails the test unless path, a file or directory of the
// cache, is the user's alone: owned by the user (or SYSTEM or
// Administrators), and no entry of its access list for anyone else.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !platformGuard.owned(f, nil) {
		t.Errorf("%s does not belong to the user", path)
	}
	if who := othersAllowed(f); who != "" {
		t.Errorf("%s lets %s open it", path, who)
	}
}

// openToOthers gives Everyone read access to path (and, for a directory,
// what is created in it), and returns what the cache's notice about it
// must say: Everyone's SID.
func openToOthers(t *testing.T, path string) string {
	t.Helper()
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + me.String() + ")(A;OICI;FR;;;WD)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	return "S-1-1-0"
}
