package cli

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/iostreams"
	"github.com/aztoken/aztoken/internal/output"
)

// complete asks cobra's hidden __complete command, as the generated shell
// scripts do, and returns the values offered (descriptions dropped) and
// the directive that ends the answer.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	return completeIn(t, nil, args...)
}

// completeIn is complete in a process environment of environ.
func completeIn(t *testing.T, environ []string, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	// Completing runs no command, but nothing here may reach the network
	// if that ever changes.
	httpx.RestrictToLoopback()
	io, _, out, errOut := iostreams.Test()
	a := &App{IO: io, Env: env.FromList(environ)}
	if code := Run(context.Background(), a, append([]string{cobra.ShellCompRequestCmd}, args...)); code != ExitOK {
		t.Fatalf("__complete %q: exit %d, stderr:\n%s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("__complete %q: answer does not end with a :directive line:\n%s", args, out)
	}
	d, err := strconv.Atoi(last[1:])
	if err != nil {
		t.Fatalf("__complete %q: directive %q is not a number", args, last)
	}
	var values []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, cobra.ShellCompDirective(d)
}

func TestCompletionFlagValues(t *testing.T) {
	sources := []string{"env", "workload", "pipeline", "mi", "azcli", "azd", "pwsh"}
	aliases := []string{"arm", "graph", "vault", "storage", "sql", "ossrdbms", "devops"}
	tests := []struct {
		args  []string
		want  []string // each must be offered
		exact bool     // and nothing else
	}{
		{[]string{"get", "--source", ""}, sources, true},
		{[]string{"get", "--exclude", ""}, sources, true},
		{[]string{"probe", "--source", ""}, sources, true},
		{[]string{"explain", "--exclude", ""}, sources, true},
		{[]string{"whoami", "--source", ""}, sources, true},
		{[]string{"get", "-o", ""}, output.Formats(), true},
		{[]string{"get", "--output", ""}, []string{"raw", "json", "env", "env-no-export", "powershell", "fish", "windows-cmd", "header", "exec-credential"}, true},
		{[]string{"get", "--resource", ""}, aliases, false},
		{[]string{"probe", "--resource", ""}, aliases, false},
		{[]string{"get", "--scope", ""}, []string{"https://vault.azure.net/.default", "https://graph.microsoft.com/.default", "https://management.azure.com/.default"}, false},
		{[]string{"get", "--mask="}, []string{"auto", "github", "azure-pipelines"}, true},
		{[]string{"probe", "-o", ""}, []string{"table", "json"}, true},
		{[]string{"explain", "-o", ""}, []string{"text", "json"}, true},
		{[]string{"whoami", "-o", ""}, []string{"text", "json"}, true},
		{[]string{"decode", "-o", ""}, []string{"text", "json"}, true},
		{[]string{"cache", "list", "-o", ""}, []string{"table", "json"}, true},
		{[]string{"serve", "--print-env", ""}, []string{"env", "env-file", "powershell", "compose"}, true},
		{[]string{"serve", "--imds", ""}, []string{"auto", "secret", "open", "off"}, true},
		{[]string{"serve", "--allow-resource", ""}, aliases, false},
		{[]string{"serve", "--source", ""}, sources, true},
		{[]string{""}, []string{"get", "probe", "explain", "whoami", "decode", "cache", "version", "completion"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, d := complete(t, tt.args...)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("offered %q, which lacks %q", got, w)
				}
			}
			if tt.exact && len(got) != len(tt.want) {
				t.Errorf("offered %q, want exactly %q", got, tt.want)
			}
			if d&cobra.ShellCompDirectiveNoFileComp == 0 {
				t.Errorf("directive %d lets the shell offer file names too", d)
			}
		})
	}
}

// Free-form values have nothing to offer, and file names would be wrong.
func TestCompletionFreeFormValuesOfferNoFiles(t *testing.T) {
	for _, args := range [][]string{
		{"get", "--tenant", ""},
		{"get", "--client-id", ""},
		{"get", "--timeout", ""},
		{"get", "--cli-timeout", ""},
		{"get", "--min-validity", ""},
		{"get", "--env-name", ""},
		{"explain", "--imds-timeout", ""},
		{"whoami", "--resource-id", ""},
		{"serve", "--addr", ""},
		{"serve", "--emulate-lifetime", ""},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got, d := complete(t, args...)
			if len(got) != 0 {
				t.Errorf("offered %q, want nothing", got)
			}
			if d&cobra.ShellCompDirectiveNoFileComp == 0 {
				t.Errorf("directive %d lets the shell offer file names", d)
			}
		})
	}
}

// Flags that name a file leave completion to the shell's file names.
func TestCompletionFileFlagsOfferFiles(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--secret-file", ""},
		{"serve", "--emulate-key", ""},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got, d := complete(t, args...)
			if len(got) != 0 || d != cobra.ShellCompDirectiveDefault {
				t.Errorf("offered %q with directive %d; want nothing, directive %d (the shell's file names)", got, d, cobra.ShellCompDirectiveDefault)
			}
		})
	}
}

func TestCompletionSecretEnvOffersVariableNames(t *testing.T) {
	got, d := completeIn(t, []string{"MY_SECRET=s3cr3t-value", "HOME=/home/u", "=C:=C:\\"}, "serve", "--secret-env", "")
	if !slices.Equal(got, []string{"MY_SECRET", "HOME"}) {
		t.Errorf("offered %q, want the variable names MY_SECRET and HOME", got)
	}
	for _, v := range got {
		if strings.Contains(v, "s3cr3t") {
			t.Errorf("completion offered a variable's value: %q", v)
		}
	}
	if d&cobra.ShellCompDirectiveNoFileComp == 0 {
		t.Errorf("directive %d lets the shell offer file names", d)
	}
}

// Every flag that takes a value must say what completes it, so that a new
// flag cannot ship offering the shell's file names by accident. A flag
// that does take a file registers a function returning
// cobra.ShellCompDirectiveDefault (or FilterFileExt) to say so.
func TestCompletionEveryValueFlagIsRegistered(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	root := NewRootCmd(&App{IO: io, Env: env.Map(nil)})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() == "bool" || f.Hidden {
				return
			}
			if _, ok := c.GetFlagCompletionFunc(f.Name); !ok {
				t.Errorf("%s --%s has no completion; register one with cmd.RegisterFlagCompletionFunc (cobra.NoFileCompletions for free-form values)", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
