package kubeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/aztoken/aztoken/internal/safefile"
)

// maxFile bounds the file read: kubeconfigs with hundreds of clusters and
// embedded certificates stay well under it.
const maxFile = 16 << 20

// BackupSuffix names the copy of the file as it was before Rewrite.
const BackupSuffix = ".aztoken.bak"

// Path is the file kubectl reads first: flag, else the first entry of
// KUBECONFIG, else ~/.kube/config; getenv reads the environment.
func Path(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	for _, p := range filepath.SplitList(getenv("KUBECONFIG")) {
		if p != "" {
			return p, nil
		}
	}
	home := getenv("HOME")
	if runtime.GOOS == "windows" && getenv("USERPROFILE") != "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", errors.New("there is no KUBECONFIG and no home directory; give the file with --kubeconfig")
	}
	return filepath.Join(home, ".kube", "config"), nil
}

// Rewrite converts the file at path in place: the old content is kept
// next to it (path + BackupSuffix), the new one replaces it atomically
// with the same permissions, so kubectl never reads half a file. A
// symbolic link is followed, and stays a link. When nothing would change
// (run again), nothing is written, so the backup stays the file as it
// was before aztoken first changed it; changed is false then.
func Rewrite(path string, o Options) (done []Converted, changed bool, err error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	data, mode, err := safefile.ReadMode(path, maxFile)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the kubeconfig: %w", err)
	}
	out, done, err := Convert(data, o)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(out, data) {
		return done, false, nil
	}
	if err := safefile.WriteAtomic(path+BackupSuffix, data, mode.Perm()); err != nil {
		return nil, false, fmt.Errorf("cannot keep a copy of the kubeconfig: %w", err)
	}
	if err := safefile.WriteAtomic(path, out, mode.Perm()); err != nil {
		return nil, false, fmt.Errorf("cannot write the kubeconfig: %w", err)
	}
	return done, true, nil
}
