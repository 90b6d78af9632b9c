package source

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoginFingerprint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	sub := filepath.Join(dir, "auth")
	fp := func() string { return loginFingerprint([]string{a, b}, []string{sub}) }

	seen := map[string]string{}
	step := func(name string) {
		t.Helper()
		got := fp()
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: same fingerprint as %s", name, prev)
		}
		seen[got] = name
		if fp() != got {
			t.Errorf("%s: fingerprint not stable", name)
		}
	}
	step("nothing")
	os.WriteFile(a, []byte("x"), 0o600)
	step("a written")
	os.WriteFile(a, []byte("y"), 0o600)
	step("a changed")
	// The same bytes moved from one file to another is a different state.
	os.Remove(a)
	os.WriteFile(b, []byte("y"), 0o600)
	step("moved to b")
	os.WriteFile(a, []byte(""), 0o600)
	step("a empty")
	os.MkdirAll(filepath.Join(sub, "deep"), 0o700)
	os.WriteFile(filepath.Join(sub, "deep", "c"), []byte("1"), 0o600)
	step("dir file")
	os.WriteFile(filepath.Join(sub, "deep", "c"), []byte("2"), 0o600)
	step("dir file changed")
	// A directory where a file was expected counts as absent.
	os.RemoveAll(sub)
	os.MkdirAll(b, 0o700)
	os.Remove(b)
	os.Mkdir(b, 0o700)
	withDir := fp()
	os.Remove(b)
	if fp() != withDir {
		t.Error("a directory in a login file's place does not count as absent")
	}
}

func BenchmarkLoginFingerprint(b *testing.B) {
	dir := b.TempDir()
	files := joinAll(dir, azLoginFiles)
	for i, f := range files[:3] {
		os.WriteFile(f, make([]byte, 20<<10*(i+1)), 0o600)
	}
	for b.Loop() {
		loginFingerprint(files, nil)
	}
}
