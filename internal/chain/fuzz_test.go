package chain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aztoken/aztoken/internal/usage"
)

// splitList turns one fuzzed string into a flag's values, one a line, as
// repeated --source flags would give them; "" is no flag at all.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// FuzzSelect feeds Select what users type: AZURE_TOKEN_CREDENTIALS and
// the --source and --exclude lists.
func FuzzSelect(f *testing.F) {
	f.Add("", false, "", "")
	f.Add("dev", true, "", "")
	f.Add(" PROD ", true, "", "azcli")
	f.Add("AzureCLICredential", true, "", "")
	f.Add("", true, "", "")
	f.Add("", false, "env,mi\nazd", "managed")
	f.Add("bogus\x1b[31m", true, "", "")
	f.Add("", false, "az,,pwsh", "")
	f.Fuzz(func(t *testing.T, tc string, set bool, include, exclude string) {
		sel := Selection{TokenCredentials: tc, TokenCredentialsSet: set, Include: splitList(include), Exclude: splitList(exclude)}
		names, err := Select(sel)
		if err != nil {
			if !errors.Is(err, usage.Err) {
				t.Fatalf("Select returned %T, want a usage error: %v", err, err)
			}
			if names != nil {
				t.Fatalf("Select returned names %q with an error", names)
			}
			msg := err.Error()
			// A fixed sentence, the names, and the bad value quoted: %q
			// writes no byte as more than \U0010ffff (10 characters).
			if limit := 1024 + 10*max(len(tc), len(include), len(exclude)); len(msg) > limit {
				t.Fatalf("error text is %d bytes, over %d: %.200q", len(msg), limit, msg)
			}
			for _, r := range msg {
				if unicode.IsControl(r) {
					t.Fatalf("error text holds control character %U: %q", r, msg)
				}
			}
			return
		}
		if len(names) == 0 {
			t.Fatal("Select succeeded with no names")
		}
		last := -1
		for _, n := range names {
			i := slices.IndexFunc(Order, func(s SourceInfo) bool { return s.Name == n })
			if i < 0 {
				t.Fatalf("%q is not a canonical name (result %q)", n, names)
			}
			if i <= last {
				t.Fatalf("names are duplicated or out of chain order: %q", names)
			}
			last = i
		}
		// What the result holds must follow from the selection.
		if set {
			switch v := strings.ToLower(strings.TrimSpace(tc)); v {
			case "dev", "prod":
				for _, n := range names {
					if info, _ := Info(n); info.Prod != (v == "prod") {
						t.Fatalf("AZURE_TOKEN_CREDENTIALS=%q let %q through", tc, n)
					}
				}
			default:
				want, ok := Resolve(v)
				if !ok || len(names) != 1 || names[0] != want {
					t.Fatalf("AZURE_TOKEN_CREDENTIALS=%q gave %q", tc, names)
				}
			}
		}
		for _, n := range names {
			if sel.Include != nil && !listNames(t, sel.Include, n) {
				t.Fatalf("%q was not asked for by --source %q", n, sel.Include)
			}
			if sel.Exclude != nil && listNames(t, sel.Exclude, n) {
				t.Fatalf("%q was excluded by --exclude %q", n, sel.Exclude)
			}
		}
	})
}

// listNames reports whether a flag's values, which Select accepted, name n.
func listNames(t *testing.T, values []string, n string) bool {
	t.Helper()
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			got, ok := Resolve(part)
			if !ok {
				t.Fatalf("Select accepted %q, which Resolve does not", part)
			}
			if got == n {
				return true
			}
		}
	}
	return false
}
