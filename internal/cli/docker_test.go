package cli

import (
	"runtime"
	"slices"
	"testing"
)

func TestCommandLinePicksTheHelperByName(t *testing.T) {
	helper := []string{"docker", "credential-helper", "get"}
	cases := []struct {
		argv []string
		want []string
	}{
		{[]string{"/usr/local/bin/aztoken", "get"}, []string{"get"}},
		{[]string{"/usr/local/bin/docker-credential-aztoken", "get"}, helper},
		{[]string{"docker-credential-aztoken", "get"}, helper},
		{[]string{"/usr/local/bin/docker-credential-aztoken-old", "get"}, []string{"get"}},
		{[]string{"/opt/docker-credential-aztoken/aztoken", "get"}, []string{"get"}},
		{nil, nil},
	}
	if runtime.GOOS == "windows" {
		cases = append(cases,
			struct{ argv, want []string }{[]string{`C:\bin\docker-credential-aztoken.exe`, "get"}, helper},
			struct{ argv, want []string }{[]string{`C:\bin\Docker-Credential-AzToken.EXE`, "get"}, helper},
		)
	}
	for _, c := range cases {
		if got := CommandLine(c.argv); !slices.Equal(got, c.want) {
			t.Errorf("CommandLine(%q) = %q, want %q", c.argv, got, c.want)
		}
	}
}
