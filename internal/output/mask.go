package output

import (
	"strings"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/usage"
)

// CI names a CI system that can be told to mask a value in its logs. (Not
// to be confused with package runner, which runs az, azd and pwsh.)
type CI string

// The CI systems --mask knows.
const (
	CINone           CI = ""
	CIGitHub         CI = "github"
	CIAzurePipelines CI = "azure-pipelines"
)

// MaskChoices are the values of --mask: a CI system's name, or auto to
// detect it (ResolveCI).
var MaskChoices = []string{"auto", string(CIGitHub), string(CIAzurePipelines)}

// ResolveCI reads a --mask value: a CI system's name, or auto to detect it
// from the system's own variables (none detected: CINone, so the same
// script works on a laptop).
func ResolveCI(choice string, e env.Env) CI {
	if choice == "auto" {
		return DetectCI(e)
	}
	return CI(choice)
}

// CheckMask refuses --mask with a format whose reader parses stdout whole
// (JSON, kubectl's ExecCredential, an HTTP header): a masking line first
// would make it something else. GitHub Actions and Azure Pipelines read
// workflow commands from stderr too (actions/runner's ScriptHandler
// passes stderr through its OutputManager; the Azure Pipelines agent's
// handlers subscribe ErrorDataReceived to the same OnDataReceived), but
// the line holds the token, and a token never goes to stderr. The caller
// checks whether or not a CI system is detected, so a script that works
// on a laptop does not break only in CI.
func CheckMask(f Format) error {
	r, ok := rules[f]
	if !ok || r.echo != nil {
		return nil
	}
	return usage.Errorf("--mask cannot be used with -o %s: the masking line would come first and the output would no longer be %s; %s.", f, f, r.refusal)
}

// DetectCI tells which CI system, if any, this process runs under, from
// the variable each one sets in every step: GITHUB_ACTIONS=true on GitHub
// Actions, TF_BUILD=True on Azure Pipelines (matched without regard to
// case, as the agent's own scripts do).
func DetectCI(e env.Env) CI {
	if e.Get("GITHUB_ACTIONS") == "true" {
		return CIGitHub
	}
	if strings.EqualFold(e.Get("TF_BUILD"), "true") {
		return CIAzurePipelines
	}
	return CINone
}

// MaskLine returns the line, ending in a newline, that makes ci hide token
// in the rest of the job's log, or "" when there is no CI system.
//
//   - GitHub Actions: the workflow command "::add-mask::<token>". The runner
//     reads workflow commands from both stdout and stderr, so the line can go
//     to stderr and stdout stays the token alone.
//   - Azure Pipelines: the logging command "##vso[task.setsecret]<token>",
//     the one that registers a value as a secret without creating a
//     variable (task.setvariable with issecret=true would also create one).
//     The agent documents that it scans stdout for logging commands; its
//     script handlers also read stderr, but the caller should check its own
//     task type before relying on that.
//
// Each runner decodes a few escapes in a command's data, so the token is
// escaped the way that runner's own toolkit escapes it; a token that held
// "%0A" would otherwise be registered as a different string.
func MaskLine(ci CI, token string) string {
	if token == "" {
		return ""
	}
	switch ci {
	case CIGitHub:
		esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
		return "::add-mask::" + esc.Replace(token) + "\n"
	case CIAzurePipelines:
		esc := strings.NewReplacer("%", "%AZP25", "\r", "%0D", "\n", "%0A")
		return "##vso[task.setsecret]" + esc.Replace(token) + "\n"
	}
	return ""
}

// Unmaskable lists the token formats that cannot take --mask, for help.
func Unmaskable() []string {
	var out []string
	for _, f := range formats {
		if rules[f].echo == nil {
			out = append(out, string(f))
		}
	}
	return out
}
