package output

import (
	"errors"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/usage"
)

func TestDetectCI(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want CI
	}{
		{"none", nil, CINone},
		{"github", map[string]string{"GITHUB_ACTIONS": "true"}, CIGitHub},
		{"github false", map[string]string{"GITHUB_ACTIONS": "false"}, CINone},
		{"github empty", map[string]string{"GITHUB_ACTIONS": ""}, CINone},
		{"azure pipelines", map[string]string{"TF_BUILD": "True"}, CIAzurePipelines},
		{"azure pipelines lower case", map[string]string{"TF_BUILD": "true"}, CIAzurePipelines},
		{"azure pipelines false", map[string]string{"TF_BUILD": "False"}, CINone},
		{"both: github first", map[string]string{"GITHUB_ACTIONS": "true", "TF_BUILD": "True"}, CIGitHub},
		{"other CI", map[string]string{"CI": "true", "GITLAB_CI": "true"}, CINone},
	}
	for _, tt := range tests {
		if got := DetectCI(env.Map(tt.vars)); got != tt.want {
			t.Errorf("%s: DetectCI = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMaskLine(t *testing.T) {
	tests := []struct {
		name  string
		ci    CI
		token string
		want  string
	}{
		{"github", CIGitHub, tok, "::add-mask::" + tok + "\n"},
		{"azure pipelines", CIAzurePipelines, tok, "##vso[task.setsecret]" + tok + "\n"},
		{"none", CINone, tok, ""},
		{"unknown runner", CI("jenkins"), tok, ""},
		{"empty token masks nothing", CIGitHub, "", ""},
		// Escapes the runners decode back, so the registered secret is the token.
		{"github escapes", CIGitHub, "a%0Ab\r\nc", "::add-mask::a%250Ab%0D%0Ac\n"},
		{"azure escapes", CIAzurePipelines, "a%0Ab\r\nc]", "##vso[task.setsecret]a%AZP250Ab%0D%0Ac]\n"},
	}
	for _, tt := range tests {
		if got := MaskLine(tt.ci, tt.token); got != tt.want {
			t.Errorf("%s: MaskLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The masking line is part of the format: a statement of that format
// before the token, or refused where the reader parses stdout whole.
func TestWriteTokenWithMask(t *testing.T) {
	tests := []struct {
		format Format
		ci     CI
		want   string
	}{
		{Raw, CIGitHub, "::add-mask::" + tok + "\n" + tok + "\n"},
		{Env, CIGitHub, "echo '::add-mask::" + tok + "'\nexport AZURE_ACCESS_TOKEN='" + tok + "'\n"},
		{EnvNoExport, CIAzurePipelines, "echo '##vso[task.setsecret]" + tok + "'\nAZURE_ACCESS_TOKEN='" + tok + "'\n"},
		{Fish, CIGitHub, "echo '::add-mask::" + tok + "'\nset -gx AZURE_ACCESS_TOKEN '" + tok + "'\n"},
		{PowerShell, CIGitHub, "Write-Output '::add-mask::" + tok + "'\n$Env:AZURE_ACCESS_TOKEN = '" + tok + "'\n"},
		{WindowsCmd, CIGitHub, "echo ::add-mask::" + tok + "\nset AZURE_ACCESS_TOKEN=" + tok + "\n"},
		{Env, CINone, "export AZURE_ACCESS_TOKEN='" + tok + "'\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := WriteToken(&b, tt.format, testToken(), Meta{Mask: tt.ci}); err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s with %q:\n got %q\nwant %q", tt.format, tt.ci, b.String(), tt.want)
		}
	}
	for _, f := range []Format{JSON, Header, ExecCredential} {
		var b strings.Builder
		if err := CheckMask(f); !errors.Is(err, usage.Err) {
			t.Errorf("CheckMask(%s) = %v, want a usage error", f, err)
		}
		if err := WriteToken(&b, f, testToken(), Meta{Mask: CIGitHub}); err == nil || b.Len() != 0 {
			t.Errorf("WriteToken(%s) with a mask: err %v, wrote %q", f, err, b.String())
		}
	}
	if got := strings.Join(Unmaskable(), " "); got != "json header exec-credential" {
		t.Errorf("Unmaskable() = %q", got)
	}
}

func TestWriteVars(t *testing.T) {
	vars := []Var{{"A", "x y"}, {"B", `it's $HOME "q"`}}
	tests := []struct {
		format Format
		want   string
	}{
		{Env, "export A='x y'\nexport B='it'\\''s $HOME \"q\"'\n"},
		{PowerShell, "$Env:A = 'x y'\n$Env:B = 'it''s $HOME \"q\"'\n"},
		// docker's --env-file takes the rest of the line as it is.
		{EnvFile, "A=x y\nB=it's $HOME \"q\"\n"},
		// YAML double quotes; compose interpolates $, so it is doubled.
		{Compose, "    environment:\n      A: \"x y\"\n      B: \"it's $$HOME \\\"q\\\"\"\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := WriteVars(&b, tt.format, vars); err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.format, b.String(), tt.want)
		}
	}
	var b strings.Builder
	if err := WriteVars(&b, EnvFile, []Var{{"A", "ok"}, {"B", "two\nlines"}}); err == nil || b.Len() != 0 {
		t.Errorf("env-file with a line break: err %v, wrote %q", err, b.String())
	}
	if err := WriteVars(&b, JSON, vars); err == nil {
		t.Error("WriteVars accepted json, which assigns nothing")
	}
}
