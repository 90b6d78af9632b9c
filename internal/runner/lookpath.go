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
}

func (e *NotFoundError) Error() string {
	if !e.PathSet {
		return fmt.Sprintf("%s was not found: the environment has no PATH", e.Name)
	}
	return fmt.Sprintf("%s was not found on PATH", e.Name)
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
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		for _, c := range candidates(name, environ) {
			if p := filepath.Join(dir, c); isExecutable(p) {
				return p, nil
			}
		}
	}
	return "", &NotFoundError{Name: name, PathSet: true}
}
