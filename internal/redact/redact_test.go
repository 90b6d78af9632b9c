package redact

import (
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/redact/redacttest"
)

func TestScrub(t *testing.T) {
	for _, c := range []struct {
		text    string
		secrets []string
		want    string
	}{
		{"secret s3cr3t-value here", []string{"s3cr3t-value"}, "secret [REDACTED] here"},
		{"twice ab12 and ab12", []string{"ab12"}, "twice [REDACTED] and [REDACTED]"},
		{"short abc stays", []string{"abc"}, "short abc stays"},
		{"empty secret", []string{""}, "empty secret"},
		{"two Alpha1 Beta22", []string{"Alpha1", "Beta22"}, "two [REDACTED] [REDACTED]"},
		// A secret that is a plain word is a value only where the text
		// echoes a request; elsewhere the words are the service's own
		// (issue 21.6).
		{"invalid_client: Invalid client secret provided.", []string{"client"}, "invalid_client: Invalid client secret provided."},
		{"invalid_client: Invalid client secret provided.", []string{"secret"}, "invalid_client: Invalid client secret provided."},
		{"AADSTS7000215: Invalid client secret provided.", []string{"Invalid"}, "AADSTS7000215: Invalid client secret provided."},
		{"a mysecretword stays", []string{"secret"}, "a mysecretword stays"},
		{"sent client_secret=secret&scope=x", []string{"secret"}, "sent client_secret=[REDACTED]&scope=x"},
		{`{"password":"hunter","user":"hunter2"}`, []string{"hunter"}, `{"password":"[REDACTED]","user":"hunter2"}`},
		{"the password 'hunter' is wrong", []string{"hunter"}, "the password '[REDACTED]' is wrong"},
		{"secret=secret", []string{"secret"}, "secret=[REDACTED]"},
		// Anything that is not a plain word goes wherever it is.
		{"invalid_client1x", []string{"client1"}, "invalid_[REDACTED]x"},
		{"key abcdefghijklmnopqrstuvwxyzab here", []string{"abcdefghijklmnopqrstuvwxyzab"}, "key [REDACTED] here"},
	} {
		if got := Scrub(c.text, c.secrets...); got != c.want {
			t.Errorf("Scrub(%q, %q) = %q, want %q", c.text, c.secrets, got, c.want)
		}
	}
}

func TestExcerptFoldsAndCuts(t *testing.T) {
	for _, c := range []struct {
		text string
		max  int
		want string
	}{
		{"  a\n\tb  c ", 10, "a b c"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcdef…"},
		{"ééééé", 3, "ééé…"}, // characters, not bytes
	} {
		if got := Excerpt(c.text, c.max); got != c.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", c.text, c.max, got, c.want)
		}
	}
}

// TestExcerptNeverShowsPartOfASecret moves a secret across the cut one
// character at a time: whatever the padding, no piece of it is shown.
// Cutting before scrubbing failed here with every padding that put the cut
// inside the secret.
func TestExcerptNeverShowsPartOfASecret(t *testing.T) {
	const secret = "Zq8~kVw2-xYuT5.nbR3mL"
	const max = 40
	for pad := 0; pad <= max+len(secret); pad++ {
		for _, ws := range []string{"", "\n  "} { // white space folded before the cut
			text := strings.Repeat("p", pad) + ws + secret + " trailing words of the answer"
			got := Excerpt(text, max, secret)
			if leak := redacttest.Leaked(got, secret); leak != "" {
				t.Fatalf("padding %d: Excerpt = %q shows %q of the secret", pad, got, leak)
			}
		}
	}
}
