package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
// entry wins, as it does for the child).
func PathOf(environ []string) (string, bool) {
	val, found := "", false
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
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
	if strings.ContainsRune(name, filepath.Separator) {
		if filepath.IsAbs(name) && isExecutable(name) {
			return name, nil
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
		p := filepath.Join(dir, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", &NotFoundError{Name: name, PathSet: true}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
