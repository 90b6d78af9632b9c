// Package claims reads the claims of an access token without verifying
// it, for whoami, decode and probe: who the token is for, for what, from
// which tenant, and until when.
//
// Nothing here checks a signature. The claims say what the token asserts,
// which is what someone debugging "why 403?" needs; whether to trust it is
// the resource's job. Errors never contain the token or any part of it.
package claims

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotJWT is matched (errors.Is) by every error Decode returns.
var ErrNotJWT = errors.New("the input is not a JWT")

// decodeError says what is wrong in a fixed sentence, so that it can never
// carry any of the input; the causes from encoding/json and
// encoding/base64 are dropped because they may quote input bytes.
type decodeError struct{ why string }

func (e *decodeError) Error() string        { return "the input is not a JWT: " + e.why }
func (e *decodeError) Is(target error) bool { return target == ErrNotJWT }

func notJWT(why string) error { return &decodeError{why: why} }

// Normalize strips what commonly surrounds a token when it is pasted or
// piped: surrounding white space, an HTTP header name ("Authorization:",
// as aztoken get -o header prints it) and a "Bearer " prefix, in any case.
func Normalize(token string) string {
	s := strings.TrimSpace(token)
	s = trimPrefixFold(s, "authorization:")
	s = trimPrefixFold(s, "bearer ")
	return s
}

func trimPrefixFold(s, prefix string) string {
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):])
	}
	return s
}

// Decode reads the header and claims of a JWT (JWS compact form) without
// verifying its signature.
func Decode(token string) (Claims, error) {
	s := Normalize(token)
	parts := strings.Split(s, ".")
	switch {
	case s == "":
		return Claims{}, notJWT("it is empty")
	case len(parts) == 5:
		return Claims{}, notJWT("expected three dot-separated parts, found 5 (an encrypted token, JWE, cannot be read without its key)")
	case len(parts) != 3:
		return Claims{}, notJWT(fmt.Sprintf("expected three dot-separated parts, found %d", len(parts)))
	}

	header, err := decodePart(parts[0], "header")
	if err != nil {
		return Claims{}, err
	}
	payload, err := decodePart(parts[1], "payload")
	if err != nil {
		return Claims{}, err
	}
	c := Claims{Header: header, Raw: payload}
	c.fill()
	return c, nil
}

// decodePart base64url-decodes one part and reads it as a JSON object.
func decodePart(part, name string) (map[string]any, error) {
	// Some encoders pad base64url although RFC 7515 says not to.
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return nil, notJWT("the " + name + " is not valid base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay text, so exp parses the same whether written 1700000000 or 1.7e9
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, notJWT("the " + name + " is not JSON")
	}
	if dec.More() {
		return nil, notJWT("the " + name + " is not JSON: it has text after its object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, notJWT("the " + name + " is not a JSON object")
	}
	return m, nil
}
