package output

import (
	"testing"

	"github.com/aztoken/aztoken/internal/env"
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
