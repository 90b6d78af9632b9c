package credprovider

import (
	"bytes"
	"strings"
	"testing"
)

// TestParseGolden: both argument styles the provider's callers use.
func TestParseGolden(t *testing.T) {
	const feed = "https://pkgs.dev.azure.com/contoso/_packaging/shared/pypi/simple/"
	for _, tt := range []struct {
		name string
		args []string
		want Request
	}{
		{"artifacts-keyring", []string{"-Uri", feed, "-IsRetry", "False", "-NonInteractive", "True", "-CanShowDialog", "True", "-OutputFormat", "Json"},
			Request{URI: feed, NonInteractive: true, CanShowDialog: true, OutputFormat: "json"}},
		{"artifacts-keyring retry", []string{"-Uri", feed, "-IsRetry", "True", "-NonInteractive", "False", "-CanShowDialog", "True", "-OutputFormat", "Json"},
			Request{URI: feed, IsRetry: true, CanShowDialog: true, OutputFormat: "json"}},
		{"short switches", []string{"-U", feed, "-N", "-I", "-F", "Json"},
			Request{URI: feed, NonInteractive: true, IsRetry: true, OutputFormat: "json"}},
		{"any case, colon values, two dashes", []string{"--uri:" + feed, "-noninteractive:true", "-OUTPUTFORMAT", "JSON", "-V", "Minimal", "-R"},
			Request{URI: feed, NonInteractive: true, RedactPassword: true, Verbosity: "Minimal", OutputFormat: "json"}},
		{"default format", []string{"-U", feed},
			Request{URI: feed, OutputFormat: "humanreadable"}},
		{"help", []string{"--help"}, Request{OutputFormat: "humanreadable", Help: true}},
		{"provider's help", []string{"-?"}, Request{OutputFormat: "humanreadable", Help: true}},
	} {
		got, err := Parse(tt.args)
		if err != nil || got != tt.want {
			t.Errorf("%s: Parse = %+v, %v\nwant %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "-Uri is required"},
		{[]string{"-N"}, "-Uri is required"},
		{[]string{"-Uri"}, "needs a value"},
		{[]string{"-U", "x", "-Bogus"}, "unknown option"},
		{[]string{"-U", "x", "extra"}, "unexpected argument"},
		{[]string{"-U", "x", "-IsRetry:maybe"}, "True or False"},
		{[]string{"-U", "x", "-Plugin"}, "not supported"},
	} {
		if _, err := Parse(tt.args); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", tt.args, err, tt.want)
		}
	}
}

// TestAnswerGolden is the JSON artifacts-keyring parses (parsed["Username"],
// parsed["Password"]).
func TestAnswerGolden(t *testing.T) {
	var b bytes.Buffer
	if err := (Answer{Username: "aztoken", Password: "eyJ.x.y"}).Write(&b); err != nil {
		t.Fatal(err)
	}
	if want := `{"Username":"aztoken","Password":"eyJ.x.y"}` + "\n"; b.String() != want {
		t.Errorf("Write = %q, want %q", b.String(), want)
	}
}

func TestRefusal(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   string // "" for no refusal
	}{
		{200, "", ""},
		{404, "", ""},
		{403, `{"message":"TF400813: The user 'x' is not authorized to access this resource."}`, "(HTTP 403, TF400813): give that identity the feed's Reader role"},
		{401, ``, "(HTTP 401): give that identity the feed's Reader role"},
		{403, `{"message":"TF401444: Please sign-in at least once as x in a web browser"}`, "sign in to it once in a browser first (TF401444)"},
	} {
		got := Refusal(tt.status, []byte(tt.body), "ada@contoso.com")
		if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Refusal(%d, %q) = %q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
}
