// Command fuzzlist prints every Go fuzz target in the module, one
// "./pkg/path:FuzzName" a line, sorted, for make fuzz to run each in turn.
//
// A fuzz target is a top-level func FuzzXxx(f *testing.F) in a _test.go
// file, the shape go test -fuzz accepts. Files are parsed rather than
// grepped so that a commented-out target or a helper with another
// signature is not listed. testdata, vendor and hidden directories, and
// directories holding a go.mod of their own, are not part of the module
// and are skipped, as the go command skips them.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

func main() {
	root := "."
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: fuzzlist [MODULE_DIR]")
		os.Exit(2)
	}
	if len(os.Args) == 2 {
		root = os.Args[1]
	}
	targets, err := find(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fuzzlist: %v\n", err)
		os.Exit(1)
	}
	for _, t := range targets {
		fmt.Println(t)
	}
}

// find walks the module rooted at root and returns its fuzz targets as
// "./rel/dir:FuzzName", sorted.
func find(root string) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(path, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), "_test.go") || strings.HasPrefix(d.Name(), "_") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("cannot parse %s: %w", path, err)
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(rel)
		if rel == "." {
			pkg = "."
		}
		for _, name := range fuzzTargets(f) {
			out = append(out, pkg+":"+name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// skipDir reports whether the go command would leave the directory out of
// the module: testdata, vendor, names starting with . or _, and nested
// modules.
func skipDir(path, name string) bool {
	if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// fuzzTargets returns the names of the file's fuzz targets: top-level
// functions, not methods, named Fuzz followed by nothing or a character
// that is not a lower-case letter, with one parameter of type *testing.F
// and no results.
func fuzzTargets(f *ast.File) []string {
	testingName := importName(f, "testing")
	if testingName == "" {
		return nil
	}
	var names []string
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Type.TypeParams != nil || !isFuzzName(fn.Name.Name) {
			continue
		}
		if fn.Type.Results != nil && len(fn.Type.Results.List) > 0 {
			continue
		}
		params := fn.Type.Params.List
		if len(params) != 1 || len(params[0].Names) > 1 {
			continue
		}
		star, ok := params[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		sel, ok := star.X.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "F" {
			continue
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == testingName {
			names = append(names, fn.Name.Name)
		}
	}
	return names
}

// isFuzzName applies go test's rule: "Fuzz" alone, or "Fuzz" followed by
// a character that is not a lower-case letter (FuzzDecode, not Fuzzy).
func isFuzzName(name string) bool {
	rest, ok := strings.CutPrefix(name, "Fuzz")
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLower(r)
}

// importName is the name the file uses for the package at path, or ""
// when the file does not import it (or imports it as _ or .).
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if strings.Trim(imp.Path.Value, "`\"") != path {
			continue
		}
		if imp.Name == nil {
			return filepath.Base(path)
		}
		if imp.Name.Name == "_" || imp.Name.Name == "." {
			return ""
		}
		return imp.Name.Name
	}
	return ""
}
