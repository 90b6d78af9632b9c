package runner

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNotFound means the executable is not on the PATH the run was given.
var ErrNotFound = errors.New("executable not found on PATH")

// NotFoundError names the executable that is missing and says where we looked.
type NotFoundError struct {
	Name string
	// PathSet is false when the environment had no PATH at all.
	PathSet bool
	// Also are the directories looked in after PATH (launchdDirs).
	Also []string
}

func (e *NotFoundError) Error() string {
	if !e.PathSet {
		return fmt.Sprintf("%s was not found: the environment has no PATH", e.Name)
	}
	if len(e.Also) > 0 {
		return fmt.Sprintf("%s was not found on PATH, nor in %s", e.Name, strings.Join(e.Also, " or "))
	}
	return fmt.Sprintf("%s was not found on PATH", e.Name)
}

// launchdDirs are where a Mac's package managers put az, azd and pwsh
// (Homebrew: /opt/homebrew/bin on Apple silicon, /usr/local/bin on
// Intel, where the official pkg installers link them too), looked in
// only when PATH is launchd's minimal one (/usr/bin:/bin:/usr/sbin:/sbin):
// an app started from the Dock, and a kubectl exec plugin it runs, has
// no shell profile to add them. Any PATH with a directory of its own is
// taken as meant, so a test's fake tools are never passed over for real
// ones.
func launchdDirs(goos, path string) []string {
	if goos != "darwin" || path == "" {
		return nil
	}
	// A macOS PATH, split on ':' whatever OS the tests run on.
	for _, dir := range strings.Split(path, ":") {
		switch dir {
		case "/usr/bin", "/bin", "/usr/sbin", "/sbin":
		default:
			return nil
		}
	}
	return []string{"/opt/homebrew/bin", "/usr/local/bin"}
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// PathOf returns the value of PATH in environ (KEY=VALUE entries; the last
// entry wins, as it does for the child). On Windows the name is matched
// without regard to case, as Windows does: there it is usually "Path".
func PathOf(environ []string) (string, bool) {
	return lookupVar(environ, "PATH")
}

// lookupVar finds key in environ; the last entry wins.
func lookupVar(environ []string, key string) (string, bool) {
	val, found := "", false
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (k == key || (runtime.GOOS == "windows" && strings.EqualFold(k, key))) {
			val, found = v, true
		}
	}
	return val, found
}

// LookPath finds name in the PATH of environ, not in this process's own
// PATH, so that what a source runs is what its configuration says. Empty
// and relative PATH entries are skipped: they name the working directory,
// and a token tool found there could be anything.
func LookPath(name string, environ []string) (string, error) {
	if hasDir(name) {
		if filepath.IsAbs(name) {
			for _, c := range candidates(name, environ) {
				if isExecutable(c) {
					return c, nil
				}
			}
		}
		return "", &NotFoundError{Name: name, PathSet: true}
	}
	path, ok := PathOf(environ)
	if !ok {
		return "", &NotFoundError{Name: name}
	}
	return lookIn(name, environ, filepath.SplitList(path), launchdDirs(runtime.GOOS, path))
}

// lookIn looks for name in dirs, then in also.
func lookIn(name string, environ, dirs, also []string) (string, error) {
	for _, dir := range append(dirs, also...) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		for _, c := range candidates(name, environ) {
			if p := filepath.Join(dir, c); isExecutable(p) {
				return p, nil
			}
		}
	}
	return "", &NotFoundError{Name: name, PathSet: true, Also: also}
}
