package gitcred

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// URLs are the URL patterns the helper is configured for: git applies
// credential.<url>.* to every URL under them, and '*' matches one label.
var URLs = []string{"https://dev.azure.com", "https://*.visualstudio.com"}

// httpPathURL is where useHttpPath is set: dev.azure.com's organization
// is in the path, which git leaves out of its request without it.
const httpPathURL = "https://dev.azure.com"

// Git runs the user's git to read and write its global configuration, so
// that git's own rules decide where that is (GIT_CONFIG_GLOBAL,
// ~/.gitconfig or $XDG_CONFIG_HOME/git/config) and how it is quoted.
type Git struct {
	// Path is the git executable.
	Path string
	// Timeout bounds each git command.
	Timeout time.Duration
}

// FindGit finds git on PATH.
func FindGit() (Git, error) {
	p, err := exec.LookPath("git")
	if err != nil {
		return Git{}, errors.New("git is not on PATH; install git first, then run this again")
	}
	return Git{Path: p, Timeout: 10 * time.Second}, nil
}

func (g Git) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.Path, append([]string{"config", "--global"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && len(args) > 0 && args[0] == "--get-all" {
		return "", nil // no such key
	}
	if err != nil {
		return "", fmt.Errorf("git config --global %s failed: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// ourHelper recognises the helper lines aztoken writes, whatever the path
// and flags: "<path>/aztoken[.exe] git credential ...", quoted or not.
// Compiled on first use, not at every start of aztoken.
var ourHelper = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|[/\\'"!])aztoken(\.exe)?['"]? git credential( |$)`)
})

// IsOurs reports whether a credential.helper value is aztoken's.
func IsOurs(helper string) bool { return ourHelper().MatchString(helper) }

// HelperLine is the credential.helper value that runs exe (aztoken) as
// the helper with args (chain flags). git runs it through a shell, with
// the action (get, store, erase) appended; a path git does not see as
// absolute must start with '!' to be run as it is.
func HelperLine(exe string, args ...string) string {
	exe = filepath.ToSlash(exe)
	words := []string{shellQuote(exe), "git", "credential"}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	line := strings.Join(words, " ")
	if strings.HasPrefix(line, "'") {
		return "!" + line
	}
	return line
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Setting is one line of git configuration, for telling the user.
type Setting struct{ Key, Value string }

func helperKey(url string) string { return "credential." + url + ".helper" }

// Configure writes helper for every URL in URLs into the global
// configuration, and useHttpPath for dev.azure.com. Unless keepOthers, an
// empty helper line comes first: git then asks no helper configured
// before it (a store helper would otherwise answer with an expired token
// and save every new one in plain text). Other helpers on the same URLs
// are kept, after aztoken's; running it again changes nothing.
func Configure(ctx context.Context, g Git, helper string, keepOthers bool) ([]Setting, error) {
	var wrote []Setting
	for _, u := range URLs {
		key := helperKey(u)
		others, ours, err := g.helpers(ctx, key)
		if err != nil {
			return wrote, err
		}
		want := []string{}
		if !keepOthers {
			want = append(want, "")
		}
		want = append(want, helper)
		want = append(want, others...)
		if err := g.replace(ctx, key, len(others)+len(ours) > 0, want); err != nil {
			return wrote, err
		}
		for _, v := range want[:len(want)-len(others)] {
			wrote = append(wrote, Setting{key, v})
		}
	}
	if _, err := g.run(ctx, "credential."+httpPathURL+".useHttpPath", "true"); err != nil {
		return wrote, err
	}
	return append(wrote, Setting{"credential." + httpPathURL + ".useHttpPath", "true"}), nil
}

// Unconfigure removes aztoken's helper lines, and the empty line before
// them, from every URL in URLs; other helpers stay as they were.
// useHttpPath stays: other Azure Repos helpers want it too, and it only
// makes git tell helpers the path. It returns the lines removed.
func Unconfigure(ctx context.Context, g Git) ([]Setting, error) {
	var removed []Setting
	for _, u := range URLs {
		key := helperKey(u)
		others, ours, err := g.helpers(ctx, key)
		if err != nil {
			return removed, err
		}
		if !slices.ContainsFunc(ours, IsOurs) {
			continue
		}
		// key has values: ours holds aztoken's line.
		if err := g.replace(ctx, key, true, others); err != nil {
			return removed, err
		}
		for _, v := range ours {
			removed = append(removed, Setting{key, v})
		}
	}
	return removed, nil
}

// helpers splits key's values into others' (non-empty, not aztoken's) and
// aztoken's own (with the empty reset lines, which configure writes).
func (g Git) helpers(ctx context.Context, key string) (others, ours []string, err error) {
	out, err := g.run(ctx, "--get-all", key)
	if err != nil {
		return nil, nil, err
	}
	if out == "" {
		return nil, nil, nil
	}
	for _, v := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if v == "" || IsOurs(v) {
			ours = append(ours, v)
		} else {
			others = append(others, v)
		}
	}
	return others, ours, nil
}

// replace makes values key's values, in order. had says whether key has
// values now, as helpers just read them: git config --unset-all fails
// (status 5) on a key without any.
func (g Git) replace(ctx context.Context, key string, had bool, values []string) error {
	if had {
		if _, err := g.run(ctx, "--unset-all", key); err != nil {
			return err
		}
	}
	for _, v := range values {
		if _, err := g.run(ctx, "--add", key, v); err != nil {
			return err
		}
	}
	return nil
}
