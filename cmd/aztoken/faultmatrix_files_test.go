//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/filetest"
)

// The file rows of the fault matrix: every file a user names to aztoken
// (a certificate, a federated token, serve's secret and signing key)
// pointed at something that is not a small regular file. Each must be
// refused by what it is, at once: never a hang on a FIFO, never memory
// spent on /dev/zero or a huge file (issue 16.3).

// fmFileFault is one column: what the path names.
type fmFileFault struct {
	name string
	make func(t *testing.T, dir string) string
	// says is what stderr says about it, for the doc and the check.
	says, stderr string
}

var fmFileFaults = []fmFileFault{
	{name: "FIFO with no writer", says: "… is a named pipe (FIFO), not a regular file", stderr: `is a named pipe \(FIFO\), not a regular file`,
		make: func(t *testing.T, _ string) string { return filetest.FIFO(t) }},
	{name: "/dev/zero", says: "… is a character device, not a regular file", stderr: `is a character device, not a regular file`,
		make: func(*testing.T, string) string { return "/dev/zero" }},
	{name: "2 GiB sparse file", says: "… is larger than 1024 KiB", stderr: `is larger than 1024 KiB`,
		make: func(t *testing.T, _ string) string { return filetest.Sparse(t, 2<<30) }},
	{name: "directory", says: "… is a directory, not a regular file", stderr: `is a directory, not a regular file`,
		make: func(t *testing.T, dir string) string { return dir }},
}

// fmFileSource is one row: the file and the command that reads it.
type fmFileSource struct {
	name, how string
	code      int
	// run returns the arguments and extra environment for path.
	run func(path string) ([]string, []string)
}

var fmFileSources = []fmFileSource{
	{name: "workload token file", how: "`AZURE_FEDERATED_TOKEN_FILE`; `get --source workload`", code: 4,
		run: func(p string) ([]string, []string) {
			return []string{"get", "--no-cache", "--timeout", fmTimeout.String(), "--source", "workload"},
				[]string{"AZURE_TENANT_ID=fm-tenant", "AZURE_CLIENT_ID=fm-app", "AZURE_FEDERATED_TOKEN_FILE=" + p,
					"AZURE_AUTHORITY_HOST=https://" + closedPort() + "/"}
		}},
	{name: "certificate file", how: "`AZURE_CLIENT_CERTIFICATE_PATH`; `get --source env`", code: 3,
		run: func(p string) ([]string, []string) {
			return []string{"get", "--no-cache", "--timeout", fmTimeout.String(), "--source", "env"},
				[]string{"AZURE_TENANT_ID=fm-tenant", "AZURE_CLIENT_ID=fm-app", "AZURE_CLIENT_CERTIFICATE_PATH=" + p,
					"AZURE_AUTHORITY_HOST=https://" + closedPort() + "/"}
		}},
	{name: "serve --secret-file", how: "`serve --emulate --secret-file FILE`", code: 2,
		run: func(p string) ([]string, []string) {
			return []string{"serve", "--emulate", "--quiet", "--secret-file", p}, nil
		}},
	{name: "serve --emulate-key", how: "`serve --emulate --emulate-key FILE`", code: 2,
		run: func(p string) ([]string, []string) {
			return []string{"serve", "--emulate", "--quiet", "--emulate-key", p}, nil
		}},
}

func TestFaultMatrixFiles(t *testing.T) {
	e := newFMEnv(t)
	for _, src := range fmFileSources {
		for _, f := range fmFileFaults {
			t.Run(src.name+"/"+f.name, func(t *testing.T) {
				path := f.make(t, t.TempDir())
				args, extra := src.run(path)
				// A backstop far past the limit, so a hang fails this
				// cell rather than the whole test binary.
				ctx, cancel := context.WithTimeout(context.Background(), 4*fmTimeout)
				defer cancel()
				cmd := exec.CommandContext(ctx, e.aztoken, args...)
				cmd.Env = append(e.baseEnv(), extra...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				start := time.Now()
				err := cmd.Run()
				took := time.Since(start)
				code := fmExitCode(t, err)
				what := fmt.Sprintf("aztoken %s  # %s", strings.Join(args, " "), path)
				if took > fmTimeout+fmSlack {
					t.Errorf("%s: took %v, more than --timeout + %v", what, took.Round(10*time.Millisecond), fmSlack)
				}
				if code != src.code || stdout.Len() != 0 || !regexp.MustCompile(f.stderr).MatchString(stderr.String()) {
					t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant exit %d, no stdout, stderr matching %q",
						what, code, fmClip(stdout.String()), stderr.String(), src.code, f.stderr)
				}
			})
		}
	}
}

// fmFileDoc renders the file rows for docs/fault-matrix.md.
func fmFileDoc() string {
	var b strings.Builder
	b.WriteString("\n### Files\n\n")
	b.WriteString("Each file aztoken is told to read, pointed at something that is not a small regular file (`TestFaultMatrixFiles`). ")
	b.WriteString("Files are opened without blocking, must be regular files and are read only up to 1 MiB; every cell ends at once.\n\n")
	b.WriteString("| file | how it is named | exit |")
	for _, f := range fmFileFaults {
		b.WriteString(" " + f.name + " |")
	}
	b.WriteString("\n|---|---|---|")
	for range fmFileFaults {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, s := range fmFileSources {
		fmt.Fprintf(&b, "| %s | %s | %d (%s) |", s.name, s.how, s.code, fmFileStatus(s.code))
		for _, f := range fmFileFaults {
			b.WriteString(" " + f.says + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func fmFileStatus(code int) string {
	if code == 2 {
		return "usage"
	}
	return fmStatus(code)
}
