package cache

import (
	"io/fs"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var platformGuard guard = windowsGuard{}

// windowsGuard keeps the cache private with access lists: the directory
// gets a protected DACL (no entries inherited from above) with a single
// entry, full control for the current user, inherited by every file
// created in it. A file is trusted when its owner and every entry of its
// DACL name the user, SYSTEM or Administrators (see trusted).
type windowsGuard struct{}

// currentUser is the SID of the user this process runs as.
var currentUser = sync.OnceValues(func() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return tu.User.Sid.Copy()
})

func security(f *os.File, what windows.SECURITY_INFORMATION) (*windows.SECURITY_DESCRIPTOR, error) {
	return windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT, what)
}

func (windowsGuard) owned(f *os.File, _ fs.FileInfo) bool {
	sd, err := security(f, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return false
	}
	owner, _, err := sd.Owner()
	return err == nil && owner != nil && trusted(owner)
}

// trusted says whether sid may own or open the cache's files: the user,
// and the two that can take any file of the user's anyway, SYSTEM and
// the local Administrators group (OpenSSH for Windows trusts the same
// three for private keys). Administrators matters as an owner: what an
// elevated process creates belongs to the Administrators group, not to
// the user, and the cache must not reject its own files, or its whole
// directory, after the user once ran aztoken elevated.
func trusted(sid *windows.SID) bool {
	me, err := currentUser()
	if err != nil {
		return false
	}
	return sid.Equals(me) || sid.IsWellKnown(windows.WinLocalSystemSid) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid)
}

// othersAllowed names the first SID the file's DACL grants anything that
// is not trusted (the user, SYSTEM, Administrators), or "" when there is
// none.
func othersAllowed(f *os.File) string {
	if _, err := currentUser(); err != nil {
		return "unknown users (the current user cannot be read)"
	}
	sd, err := security(f, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "unknown users (its access list cannot be read)"
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		// A missing DACL grants everyone everything.
		return "everyone (it has no access list)"
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return "unknown users (its access list cannot be read)"
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !trusted(sid) {
			return sid.String()
		}
	}
	return ""
}

func (windowsGuard) fileProblem(f *os.File, fi fs.FileInfo) string {
	// openShared opened the reparse point itself, not what it points to,
	// so fi (from the handle, not the name, which a writer may have
	// renamed since) says whether it was one.
	if fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return "it is a symbolic link or another reparse point"
	}
	if who := othersAllowed(f); who != "" {
		return "its access list lets " + who + " open it"
	}
	return ""
}

func (windowsGuard) dirProblem(f *os.File, _ fs.FileInfo) string {
	if who := othersAllowed(f); who != "" {
		return "its access list lets " + who + " in"
	}
	return ""
}

// privateSD holds the protected DACL of the cache directory: full control
// for the user, inherited by files (OI) and directories (CI) inside.
func privateSD() (*windows.SECURITY_DESCRIPTOR, error) {
	me, err := currentUser()
	if err != nil {
		return nil, err
	}
	return windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + me.String() + ")")
}

// restrict sets the private DACL by name, so that Windows also applies
// it to the files already inside.
func (windowsGuard) restrict(dir string, _ *os.File) error {
	sd, err := privateSD()
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}

// mkdir creates dir with the private DACL from the start, so there is no
// moment when it has the ACL inherited from %LOCALAPPDATA%.
func (windowsGuard) mkdir(dir string) error {
	sd, err := privateSD()
	if err != nil {
		return err
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// prepareParent creates parent when it is missing. %LOCALAPPDATA% is the
// user's; a parent set with AZTOKEN_CACHE_DIR is the user's choice. The
// private DACL on the cache directory itself is what keeps others out.
func (windowsGuard) prepareParent(parent string) (problem string, err error) {
	return "", os.MkdirAll(parent, 0o700)
}

func (windowsGuard) openDir(dir string) (*os.File, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 || fi.Mode()&fs.ModeIrregular != 0 {
		return nil, errSymlink
	}
	if !fi.IsDir() {
		return nil, errNotDir
	}
	return os.Open(dir)
}

// Windows has no O_NOFOLLOW; the cache directory's DACL keeps others from
// planting links in it, creating one needs a privilege besides, and
// fileProblem refuses an entry that was reached through one.
const (
	openFlags = 0
	lockFlags = os.O_CREATE | os.O_RDWR
)

func isSymlinkErr(error) bool { return false }
