package output

import (
	"testing"

	"github.com/aztoken/aztoken/internal/env"
)

func TestDetectRunner(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want Runner
	}{
		{"none", nil, RunnerNone},
		{"github", map[string]string{"GITHUB_ACTIONS": "true"}, RunnerGitHub},
		{"github false", map[string]string{"GITHUB_ACTIONS": "false"}, RunnerNone},
		{"github empty", map[string]string{"GITHUB_ACTIONS": ""}, RunnerNone},
		{"azure pipelines", map[string]string{"TF_BUILD": "True"}, RunnerAzurePipelines},
		{"azure pipelines lower case", map[string]string{"TF_BUILD": "true"}, RunnerAzurePipelines},
		{"azure pipelines false", map[string]string{"TF_BUILD": "False"}, RunnerNone},
		{"both: github first", map[string]string{"GITHUB_ACTIONS": "true", "TF_BUILD": "True"}, RunnerGitHub},
		{"other CI", map[string]string{"CI": "true", "GITLAB_CI": "true"}, RunnerNone},
	}
	for _, tt := range tests {
		if got := DetectRunner(env.Map(tt.vars)); got != tt.want {
			t.Errorf("%s: DetectRunner = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMaskLine(t *testing.T) {
	tests := []struct {
		name   string
		runner Runner
		token  string
		want   string
	}{
		{"github", RunnerGitHub, tok, "::add-mask::" + tok + "\n"},
		{"azure pipelines", RunnerAzurePipelines, tok, "##vso[task.setsecret]" + tok + "\n"},
		{"none", RunnerNone, tok, ""},
		{"unknown runner", Runner("jenkins"), tok, ""},
		{"empty token masks nothing", RunnerGitHub, "", ""},
		// Escapes the runners decode back, so the registered secret is the token.
		{"github escapes", RunnerGitHub, "a%0Ab\r\nc", "::add-mask::a%250Ab%0D%0Ac\n"},
		{"azure escapes", RunnerAzurePipelines, "a%0Ab\r\nc]", "##vso[task.setsecret]a%AZP250Ab%0D%0Ac]\n"},
	}
	for _, tt := range tests {
		if got := MaskLine(tt.runner, tt.token); got != tt.want {
			t.Errorf("%s: MaskLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
