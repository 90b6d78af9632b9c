package source

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aztoken/aztoken/internal/httpx"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/runner"
)

// The fuzz targets here cover what the developer tools and the managed
// identity endpoints send back: the outside input this package reads
// itself rather than through MSAL.

// fuzzZone picks the zone az's expiresOn is read in: UTC at 0, else a
// whole quarter hour offset within the ±14 h real zones use.
func fuzzZone(z int8) *time.Location {
	if z == 0 || z > 56 || z < -56 {
		return time.UTC
	}
	return time.FixedZone("fuzz", int(z)*15*60)
}

// errorTemplates holds the fixed words of the parsers' errors: a token
// made only of those words could show up in an error without a leak.
const errorTemplates = "its field is not of the expected type what it printed bytes is not JSON " +
	"its answer has no accessToken its expires_on is neither a number nor a string is not a number of seconds " +
	"its answer has neither expires_on nor expiresOn its expiresOn is not a time like 2006-01-02 15:04:05.000000 " +
	"its answer has no token is not an RFC 3339 time holds no JSON line its answer has no Token its ExpiresOn"

// tokenInError fails the test when err quotes tok. Short tokens are
// skipped, and so are tokens that are also in a value the error may
// rightly quote: that is the input's own doing, not a leak.
func tokenInError(t *testing.T, err error, tok string, quotable ...string) {
	t.Helper()
	if len(tok) < 16 || strings.Contains(errorTemplates, tok) {
		return
	}
	for _, q := range quotable {
		if strings.Contains(q, tok) {
			return
		}
	}
	if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), strconv.Quote(tok)[1:len(strconv.Quote(tok))-1]) {
		t.Fatalf("error quotes the token: %v", err)
	}
}

// checkParsed is what every successful parse must give.
func checkParsed(t *testing.T, tok chain.Token) {
	t.Helper()
	if tok.AccessToken == "" {
		t.Fatal("parse succeeded with an empty token")
	}
	if tok.ExpiresOn.IsZero() {
		t.Fatalf("parse succeeded with a zero expiry (the chain reads zero as unknown, not expired)")
	}
	if tok.ExpiresOn.Location() != time.UTC {
		t.Fatalf("expiry %v is not in UTC", tok.ExpiresOn)
	}
	if tok.TokenType == "" {
		t.Fatal("parse succeeded without a token type")
	}
}

func FuzzParseAzToken(f *testing.F) {
	f.Add([]byte(`{"accessToken":"eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcm0ifQ.c2ln","expires_on":1700000000,"expiresOn":"2023-11-14 22:13:20.000000","subscription":"s","tenant":"t","tokenType":"Bearer"}`), int8(0))
	f.Add([]byte(`{"accessToken":"tok","expires_on":"1700000000"}`), int8(22))
	f.Add([]byte(`{"accessToken":"tok","expiresOn":"2023-11-15 03:13:20.123456"}`), int8(-32))
	f.Add([]byte("\xef\xbb\xbf{\"accessToken\":\"tok\",\"expires_on\":1.7e9}"), int8(0))
	f.Fuzz(func(t *testing.T, out []byte, zone int8) {
		tok, err := parseAzToken(out, fuzzZone(zone))
		if err != nil {
			var seen azToken
			_ = json.Unmarshal(out, &seen)
			tokenInError(t, err, seen.AccessToken, seen.ExpiresOn, string(seen.ExpiresOnEpoch))
			return
		}
		checkParsed(t, tok)
	})
}

func FuzzParseAzdToken(f *testing.F) {
	f.Add([]byte(`{"token":"eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcm0ifQ.c2ln","expiresOn":"2025-03-04T05:06:07Z"}`))
	f.Add([]byte(`{"token":"tok","expiresOn":"2025-03-04T05:06:07.123456789+01:00"}`))
	f.Add([]byte(`{"token":"tok","expiresOn":1741064767}`))
	f.Fuzz(func(t *testing.T, out []byte) {
		tok, err := parseAzdToken(out)
		if err != nil {
			var seen struct{ Token, ExpiresOn string }
			_ = json.Unmarshal(out, &seen)
			tokenInError(t, err, seen.Token, seen.ExpiresOn)
			return
		}
		checkParsed(t, tok)
	})
}

// pwshError is every error parsePwshToken may return: none quotes what
// pwsh printed.
var pwshError = regexp.MustCompile(`^(what it printed \(\d+ bytes\) holds no JSON line|its answer has no Token|its ExpiresOn is not a number of seconds)$`)

func FuzzParsePwshToken(f *testing.F) {
	f.Add([]byte(`{"Token":"eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcm0ifQ.c2ln","ExpiresOn":1741064767,"TenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47"}` + "\r\n"))
	f.Add([]byte("WARNING: profile says hello\n{\"Token\":\"tok\",\"ExpiresOn\":\"1741064767\",\"TenantId\":\"\"}\n"))
	f.Add([]byte(`{"Token":"tok","ExpiresOn":-1}`))
	f.Fuzz(func(t *testing.T, out []byte) {
		tok, err := parsePwshToken(out)
		if err != nil {
			if !pwshError.MatchString(err.Error()) {
				t.Fatalf("unexpected error text %q", err)
			}
			return
		}
		checkParsed(t, tok)
	})
}

// jwtStart finds where a JWT-shaped string may begin; jwtAt is the
// shortest JWT-shaped string from there: header and payload whole, and
// the first character of the signature.
var (
	jwtStart = regexp.MustCompile(`eyJ`)
	jwtAt    = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]`)
)

// leakedJWT returns a JWT-shaped string that is in both in and out, or
// "". Any JWT-shaped string common to both holds such a shortest one.
func leakedJWT(in, out string) string {
	for _, loc := range jwtStart.FindAllStringIndex(out, -1) {
		if m := jwtAt.FindString(out[loc[0]:]); m != "" && strings.Contains(in, m) {
			return m
		}
	}
	return ""
}

// FuzzToolStderr sends a tool's stderr through the scrubber and then
// through what turns a failed run into the chain's error, for each tool.
func FuzzToolStderr(f *testing.F) {
	f.Add("ERROR: AADSTS70043: The refresh token has expired. Please run 'az login' to setup account.\n", uint8(0), 1)
	f.Add(`{"type":"consoleMessage","timestamp":"2025-01-01T00:00:00Z","data":{"message":"\nERROR: fetching token: not logged in, run `+"`azd auth login`"+` to login\n"}}`+"\n", uint8(1), 1)
	f.Add(`{"error":"failed: refresh token eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln"}`, uint8(1), 1)
	f.Add(pwshNoModule+"\n", uint8(2), 3)
	f.Add("'pwsh' is not recognized as an internal or external command", uint8(2), 127)
	f.Fuzz(func(t *testing.T, stderr string, tool uint8, code int) {
		scrubbed := scrubToolOutput(stderr, nil)
		if m := leakedJWT(stderr, scrubbed); m != "" {
			t.Fatalf("scrubbed stderr still holds %q: %q", m, scrubbed)
		}
		var d devTool
		switch tool % 3 {
		case 0:
			d = NewAzureCLI(Config{}).tool
		case 1:
			d = NewAzureDevCLI(Config{}).tool
		default:
			d = NewPowerShell(Config{}).tool
		}
		err := d.classify(scrubbed, &runner.ExitError{Code: code, State: "signal: killed"}, "contoso.onmicrosoft.com")
		var ce *chain.SourceError
		if !errors.As(err, &ce) {
			t.Fatalf("classify returned %T, want *chain.SourceError: %v", err, err)
		}
		for _, s := range []string{ce.Msg, ce.Hint} {
			if m := leakedJWT(stderr, s); m != "" {
				t.Fatalf("the error shown to users holds %q: %q", m, s)
			}
		}
		// One line, a few hundred characters of the tool's words.
		if strings.ContainsAny(ce.Msg, "\n") {
			t.Fatalf("error is not one line: %q", ce.Msg)
		}
		if n := utf8.RuneCountInString(ce.Msg); n > 600 {
			t.Fatalf("error is %d characters long: %q", n, ce.Msg)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC).Unix()
	f.Add("120", now)
	f.Add("Tue, 04 Mar 2025 05:08:07 GMT", now)
	f.Add("Monday, 03-Mar-25 05:06:07 GMT", now)
	f.Add("-1", now)
	f.Add("99999999999999999999", now)
	f.Fuzz(func(t *testing.T, v string, nowUnix int64) {
		at := time.Unix(nowUnix, 0)
		d, ok := httpx.ParseRetryAfter(v, at)
		if !ok {
			if d != 0 {
				t.Fatalf("httpx.ParseRetryAfter(%q) = %v, false; a refusal waits 0", v, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("httpx.ParseRetryAfter(%q) = %v: negative", v, d)
		}
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if d != min(time.Duration(n), 1<<31)*time.Second {
				t.Fatalf("httpx.ParseRetryAfter(%q) = %v, want %d s capped at 2^31 s", v, d, n)
			}
			return
		}
		when, err := http.ParseTime(s)
		if err != nil {
			t.Fatalf("httpx.ParseRetryAfter(%q) accepted what is neither seconds nor an HTTP date", v)
		}
		if want := max(when.Sub(at), 0); d != want {
			t.Fatalf("httpx.ParseRetryAfter(%q) = %v, want %v", v, d, want)
		}
	})
}

// FuzzMIErrorBody feeds an endpoint's error answer to what describes it
// to users; the endpoint may echo the secret header it was sent.
func FuzzMIErrorBody(f *testing.F) {
	const header, msiSecret = "8d4f9a6e-2b1c-4f7e-9a3d-5c6b7e8f9a0b", "cloudshell-msi-secret-value"
	f.Add("application/json", []byte(`{"error":"invalid_request","error_description":"Identity not found"}`))
	f.Add("application/json; charset=utf-8", []byte(`{"statusCode":400,"message":"Unable to load the proper Managed Identity."}`))
	f.Add("application/json", []byte(`{"error":{"code":"AuthenticationFailed","message":"X-IDENTITY-HEADER 8d4f9a6e-2b1c-4f7e-9a3d-5c6b7e8f9a0b is not valid"}}`))
	f.Add("text/html", []byte("<!DOCTYPE html><html><body>Bad Gateway</body></html>"))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		e := env.Map(map[string]string{envIdentityHeader: header, envMSISecret: msiSecret})
		out := miDescribeErrorBody(ctype, body, e)
		if strings.Contains(out, header) || strings.Contains(out, msiSecret) {
			t.Fatalf("the description holds a secret: %q", out)
		}
		if strings.ContainsAny(out, "\r\n") {
			t.Fatalf("the description is not one line: %q", out)
		}
		if utf8.Valid(body) && !utf8.ValidString(out) {
			t.Fatalf("the description of a UTF-8 body is not UTF-8: %q", out)
		}
		if len(out) > 320 {
			t.Fatalf("the description is %d bytes long", len(out))
		}
		if out != "" && !strings.HasPrefix(out, ": ") && !strings.HasPrefix(out, " with ") {
			t.Fatalf("the description %q does not fit after the status it follows", out)
		}
	})
}
