package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func write(t *testing.T, root, rel, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/m\n")
	write(t, root, "root_test.go", `package m
import "testing"
func FuzzRoot(f *testing.F) {}
`)
	write(t, root, "internal/b/b_test.go", `package b
import "testing"
func FuzzB(f *testing.F) {}
func FuzzA(f *testing.F) {}
func Fuzz(f *testing.F) {}
func Fuzz_under(f *testing.F) {}
func Fuzzy(f *testing.F) {}             // lower case after Fuzz: not a target
func FuzzTwo(f *testing.F, n int) {}    // two parameters
func FuzzT(t *testing.T) {}             // not *testing.F
func FuzzRet(f *testing.F) error { return nil }
func FuzzGen[T any](f *testing.F) {}
type x struct{}
func (x) FuzzMethod(f *testing.F) {}
// func FuzzCommented(f *testing.F) {}
`)
	write(t, root, "internal/a/a_test.go", `package a
import tt "testing"
func FuzzRenamed(f *tt.F) {}
`)
	write(t, root, "internal/a/a.go", `package a
import "testing"
func FuzzNotATestFile(f *testing.F) {}
`)
	write(t, root, "internal/c/c_test.go", `package c
import other "example.com/testing"
func FuzzOther(f *other.F) {}
`)
	for _, skipped := range []string{"internal/a/testdata/t_test.go", "vendor/v/v_test.go", ".hidden/h_test.go", "_skip/s_test.go", "nested/n_test.go"} {
		write(t, root, skipped, "package s\nimport \"testing\"\nfunc FuzzSkipped(f *testing.F) {}\n")
	}
	write(t, root, "nested/go.mod", "module example.com/nested\n")

	got, err := find(root)
	if err != nil {
		t.Fatal(err)
	}
	// Sorted byte-wise, so "./..." comes before ".:".
	want := []string{
		"./internal/a:FuzzRenamed",
		"./internal/b:Fuzz",
		"./internal/b:FuzzA",
		"./internal/b:FuzzB",
		"./internal/b:Fuzz_under",
		".:FuzzRoot",
	}
	if !slices.Equal(got, want) {
		t.Errorf("find:\n got %q\nwant %q", got, want)
	}
}

func TestFindReportsUnparsableFile(t *testing.T) {
	root := t.TempDir()
	write(t, root, "x/x_test.go", "package x\nfunc (\n")
	if _, err := find(root); err == nil {
		t.Error("find accepted a file that does not parse; want an error naming it")
	}
}
