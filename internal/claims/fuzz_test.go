package claims

import (
	"regexp"
	"testing"
	"time"
)

// Every error Decode can return, so that the fuzzer proves no error ever
// carries input: each must be one of these fixed sentences.
var knownError = regexp.MustCompile(`^the input is not a JWT: (it is empty|expected three dot-separated parts, found \d+|expected three dot-separated parts, found 5 \(an encrypted token, JWE, cannot be read without its key\)|the (header|payload) is (not valid base64url|not JSON|not JSON: it has text after its object|not a JSON object))$`)

func FuzzDecode(f *testing.F) {
	f.Add(jwt(rs256, userV1))
	f.Add(jwt(rs256, appV2))
	f.Add("Bearer " + jwt(`{}`, stringTimes) + "\n")
	f.Add("a.b.c")
	f.Add("a.b.c.d.e")
	f.Add("")
	f.Add(jwt(`{}`, `{"exp":1e400,"nbf":-1e30,"iat":"NaN"}`))
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Decode(in)
		if err != nil {
			if !knownError.MatchString(err.Error()) {
				t.Fatalf("unexpected error text %q", err)
			}
			return
		}
		if c.Raw == nil || c.Header == nil {
			t.Fatal("a decoded token has a header and claims")
		}
		// Whatever the claims, showing them must not fail or panic.
		now := time.Unix(1741060000, 0)
		_ = Summarize(c, now)
		if err := Render(discard{}, c, now); err != nil {
			t.Fatal(err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
