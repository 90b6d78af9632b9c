package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The JSON of a report escapes what the text views quote: C1 controls, DEL
// and bidirectional formatting characters, which encoding/json writes raw.
// The JSON still reads back as the same value.
func TestWriteReportEscapesHiddenCharacters(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"evil\u202egnp.exe", `"evil\u202egnp.exe"`},
		{"isolate\u2066x\u2069", `"isolate\u2066x\u2069"`},
		{"csi\u009b2J", `"csi\u009b2J"`},
		{"del\x7f", `"del\u007f"`},
		{"esc\x1b[2J", `"esc\u001b[2J"`},
		{"plain é ü", `"plain é ü"`},
	} {
		var b bytes.Buffer
		v := map[string]string{"k": c.in}
		if err := WriteReport(&b, ReportJSON, v, nil); err != nil {
			t.Fatal(err)
		}
		want := "{\n  \"k\": " + c.want + "\n}\n"
		if b.String() != want {
			t.Errorf("%q: got %q, want %q", c.in, b.String(), want)
		}
		var back map[string]string
		if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["k"] != c.in {
			t.Errorf("%q: reads back as %q, %v", c.in, back["k"], err)
		}
		if strings.ContainsAny(b.String(), "\u202e\u2066\u009b\x7f") {
			t.Errorf("%q: a hidden character is written raw: %q", c.in, b.String())
		}
	}
}
