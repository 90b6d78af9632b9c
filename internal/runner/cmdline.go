package runner

import (
	"fmt"
	"strings"
)

// On Windows az is a batch file (az.cmd), and CreateProcess cannot run a
// batch file by itself: it hands it to cmd.exe, whose parser knows nothing
// of the quoting rules Go's os/exec writes for C programs (this is the
// "BatBadBut" class of bugs, CVE-2024-24576 and friends). So a batch file
// is run the way the Azure SDKs run az, through cmd.exe /c, but with a
// command line we write ourselves and that no input can get out of:
//
//   - /d skips the AutoRun commands in the registry; /v:off turns delayed
//     expansion off whatever the registry says, so '!' is an ordinary
//     character; /s makes cmd strip exactly the outer pair of quotes
//     around the rest of the line and keep everything inside as is.
//   - The batch file's path and every argument are put in double quotes.
//     Inside double quotes cmd treats & | < > ^ ( ) and spaces as text.
//   - What double quotes do not protect is refused before anything runs:
//     '"' (it would end the quoting), '%' (cmd expands %VAR% even inside
//     quotes, and a command line has no escape for it) and control
//     characters (a line break ends the command). That is all the path of
//     the batch file must avoid.
//   - Arguments are held to a narrower set still, letters, digits and
//     " ._-/:=,@+", because the batch file passes them on (%*) to a
//     program whose C runtime reads backslashes before quotes as escapes.
//     Every argument aztoken passes fits: scopes, resources, tenants and
//     subscriptions are checked against tighter rules before they get here.

// batchArgOK says whether one argument may be passed to a batch file.
func batchArgOK(s string) bool {
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune(" ._-/:=,@+", r):
		default:
			return false
		}
	}
	return true
}

// batchPathOK says whether the batch file's own path may go on the line.
func batchPathOK(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '"' || r == '%' || r < 0x20 || r == 0x7f
	})
}

// BatchCommandLine is the whole command line (argv[0] included, as
// CreateProcess wants it) that runs the batch file at path with args
// through the cmd.exe at shell, or an error naming the first argument that
// cmd.exe's parser could read as something other than text.
func BatchCommandLine(shell, path string, args []string) (string, error) {
	if !batchPathOK(shell) {
		return "", fmt.Errorf("the command interpreter's path %q holds a character cmd.exe would not read as text", shell)
	}
	if !batchPathOK(path) {
		return "", fmt.Errorf("%q cannot be run through cmd.exe safely: its path holds '\"', '%%' or a control character", path)
	}
	var b strings.Builder
	b.WriteString(`"` + shell + `" /d /v:off /s /c ""` + path + `"`)
	for _, a := range args {
		if !batchArgOK(a) {
			return "", fmt.Errorf("will not pass %q to %s through cmd.exe: only letters, digits, spaces and . _ - / : = , @ + are allowed there", a, path)
		}
		b.WriteString(` "` + a + `"`)
	}
	b.WriteString(`"`)
	return b.String(), nil
}

// isBatch says whether path names a batch file, which only cmd.exe runs.
func isBatch(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".cmd") || strings.HasSuffix(p, ".bat")
}
