package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// explain echoes the variables it finds; a value with an escape sequence
// reaches the terminal without it (issue 16.7).
func TestExplainStripsEscapes(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	e := env.Map(map[string]string{
		"AZURE_CLIENT_ID":                   "id\x1b]0;owned\x07-1\x1b[2J",
		"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9",
	})
	if code := Run(context.Background(), &App{IO: io, Env: e}, []string{"explain", "--source", "mi"}); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("explain wrote control characters: %q", out.String())
	}
	if !strings.Contains(out.String(), "id-1") {
		t.Errorf("the value's text is gone: %q", out.String())
	}
}
