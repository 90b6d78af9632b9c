package cache

import (
	"io/fs"
	"os"
)

// guard is what the platform can say about who owns a file in the cache
// and who else may use it, and how it keeps the cache directory the
// user's alone: owner ids and mode bits on Unix (guard_unix.go), owner
// SIDs and access lists on Windows (guard_windows.go).
type guard interface {
	// owned says whether the open file or directory is the user's own.
	owned(f *os.File, fi fs.FileInfo) bool
	// fileProblem says why an entry of the user's is open to others, in
	// a phrase such as "its permissions are 0644, not 0600", or "".
	fileProblem(f *os.File, fi fs.FileInfo) string
	// dirProblem says how the user's cache directory is open to others,
	// such as "mode 0755", or "".
	dirProblem(f *os.File, fi fs.FileInfo) string
	// restrict makes the open directory the user's alone.
	restrict(dir string, f *os.File) error
	// mkdir creates a directory that is the user's alone.
	mkdir(dir string) error
	// prepareParent creates parent, the directory the cache directory is
	// made in, when it is missing, and says why another user could
	// replace the cache directory or anything on the path to it, or "".
	prepareParent(parent string) (problem string, err error)
	// openDir opens dir without following a symbolic link; a link is
	// reported as errSymlink.
	openDir(dir string) (*os.File, error)
}
