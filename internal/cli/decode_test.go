package cli

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// On a terminal decode says what it waits for and reads one line, so a
// pasted token needs Enter, not Ctrl-D; from a pipe it says nothing and
// reads everything, as scripts expect.
func TestDecodeStdin(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	tok := b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"upn":"ada@contoso.com"}`)) + ".sig"
	const prompt = "reading a token from stdin; paste it and press Enter"
	// More than decode reads: only a reader that goes past the first line
	// sees it.
	tail := strings.Repeat("x", maxJWT+1)
	for _, tt := range []struct {
		name       string
		tty        bool
		input      string
		wantCode   int
		wantPrompt bool
	}{
		{"terminal: one line is enough", true, tok + "\n", ExitOK, true},
		{"terminal: what follows the first line is not read", true, tok + "\n" + tail, ExitOK, true},
		{"terminal: no newline before EOF", true, tok, ExitOK, true},
		{"pipe: no prompt", false, tok + "\n", ExitOK, false},
		{"pipe: reads to the end", false, tok + "\n" + tail, ExitUsage, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			io, in, out, errOut := iostreams.Test()
			io.SetStdinTTY(tt.tty)
			in.WriteString(tt.input)
			code := Run(context.Background(), &App{IO: io, Env: env.Map(nil)}, []string{"decode"})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut)
			}
			if got := strings.Contains(errOut.String(), prompt); got != tt.wantPrompt {
				t.Errorf("prompt shown = %v, want %v; stderr:\n%s", got, tt.wantPrompt, errOut)
			}
			if code == ExitOK && !strings.Contains(out.String(), "ada@contoso.com") {
				t.Errorf("the claims were not printed:\n%s", out)
			}
		})
	}
}
