package source

import "testing"

// A line that fails to decode must not lend its fields to the answer.
func TestParsePwshIgnoresRejectedLine(t *testing.T) {
	t.Parallel()
	out := []byte(`{"Token":"from-rejected-line","ExpiresOn":5,"TenantId":1}` + "\n{}\n")
	tok, err := parsePwshToken(out)
	if err == nil || tok.AccessToken != "" {
		t.Fatalf("parsePwshToken() = %q, %v; want an error and no token", tok.AccessToken, err)
	}
}
