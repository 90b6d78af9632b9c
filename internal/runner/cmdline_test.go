package runner

import (
	"strings"
	"testing"
)

const testShell = `C:\Windows\System32\cmd.exe`

// TestBatchCommandLine pins how a batch file's command line is written:
// every part quoted, and anything cmd.exe could read as syntax refused.
func TestBatchCommandLine(t *testing.T) {
	az := `C:\Program Files (x86)\Microsoft SDKs\Azure\CLI2\wbin\az.cmd`
	for _, tt := range []struct {
		name    string
		path    string
		args    []string
		want    string
		wantErr string
	}{
		{"az", az, []string{"account", "get-access-token", "-o", "json", "--resource", "https://management.azure.com/"},
			`"` + testShell + `" /d /v:off /s /c ""` + az + `" "account" "get-access-token" "-o" "json" "--resource" "https://management.azure.com/""`, ""},
		{"subscription with spaces", az, []string{"--subscription", "My Sub 1"},
			`"` + testShell + `" /d /v:off /s /c ""` + az + `" "--subscription" "My Sub 1""`, ""},
		{"empty argument", az, []string{""}, `"` + testShell + `" /d /v:off /s /c ""` + az + `" """`, ""},
		{"no arguments", az, nil, `"` + testShell + `" /d /v:off /s /c ""` + az + `""`, ""},
		{"ampersand", az, []string{"a&calc"}, "", `"a&calc"`},
		{"pipe", az, []string{"a|calc"}, "", "only letters"},
		{"redirect", az, []string{"a>x"}, "", "only letters"},
		{"caret", az, []string{"a^b"}, "", "only letters"},
		{"percent", az, []string{"%PATH%"}, "", "only letters"},
		{"bang", az, []string{"!x!"}, "", "only letters"},
		{"quote", az, []string{`a" & calc & "`}, "", "only letters"},
		{"backslash", az, []string{`a\`}, "", "only letters"},
		{"parentheses", az, []string{"(x)"}, "", "only letters"},
		{"newline", az, []string{"a\r\ncalc"}, "", "only letters"},
		{"tab", az, []string{"a\tb"}, "", "only letters"},
		{"non-ASCII", az, []string{"é"}, "", "only letters"},
		{"percent in path", `C:\%TEMP%\az.cmd`, nil, "", "its path"},
		{"quote in path", `C:\a"b\az.cmd`, nil, "", "its path"},
		{"newline in path", "C:\\a\nb\\az.cmd", nil, "", "its path"},
		{"empty path", "", nil, "", "its path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BatchCommandLine(testShell, tt.path, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BatchCommandLine = %q, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("BatchCommandLine =\n%s, %v\nwant\n%s", got, err, tt.want)
			}
		})
	}
	if _, err := BatchCommandLine(`C:\%x%\cmd.exe`, az, nil); err == nil {
		t.Error("a shell path with '%' was accepted")
	}
}

// TestBatchArgAllowsWhatAztokenPasses: every character the scope, tenant
// and subscription rules allow must pass, or az could never run on
// Windows; everything cmd.exe treats specially must not.
func TestBatchArgAllowsWhatAztokenPasses(t *testing.T) {
	ok := "abcxyzABCXYZ0189 ._-/:=,@+"
	if !batchArgOK(ok) {
		t.Errorf("batchArgOK(%q) = false", ok)
	}
	for _, r := range "\"%!^&|<>()\\'`;*?[]{}$#~\t\r\n\x00\x7f" {
		if batchArgOK(string(r)) {
			t.Errorf("batchArgOK(%q) = true", r)
		}
	}
}

func TestIsBatch(t *testing.T) {
	for p, want := range map[string]bool{`C:\x\az.cmd`: true, `C:\x\AZ.CMD`: true, `x.bat`: true, `C:\x\azd.exe`: false, `az`: false, `az.cmd.exe`: false} {
		if got := isBatch(p); got != want {
			t.Errorf("isBatch(%q) = %v", p, got)
		}
	}
}

func TestWithExtensions(t *testing.T) {
	for _, tt := range []struct {
		name, pathext, want string
	}{
		{"az", "", "az.com az.exe az.bat az.cmd"},
		{"az", ".EXE;.CMD", "az.exe az.cmd"},
		{"az", ".exe; ;.CMD;;noext", "az.exe az.cmd"},
		{"az.cmd", "", "az.cmd"},
		{"az.CMD", ".EXE;.CMD", "az.CMD"},
		{"pwsh.exe", ".CMD", "pwsh.exe.cmd"},
		{"python3.11", ".EXE", "python3.11.exe"},
	} {
		if got := strings.Join(withExtensions(tt.name, tt.pathext), " "); got != tt.want {
			t.Errorf("withExtensions(%q, %q) = %q, want %q", tt.name, tt.pathext, got, tt.want)
		}
	}
}
