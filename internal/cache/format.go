package cache

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// A cache file is two text lines and a payload:
//
//	aztoken-cache 1
//	{"key":"<hex>","source":"azcli",...,"enc":"aes-256-gcm","key_id":"...","nonce":"..."}
//	<payload>
//
// The first line is the magic and the format version. The header holds
// what List shows, none of it secret. The payload holds the token: JSON in
// plain files, and in encrypted files that JSON sealed with AES-256-GCM,
// the first two lines as additional data so that no header field (expiry,
// key) can be altered or the file moved under another key's name.
const (
	magic         = "aztoken-cache "
	formatVersion = "1"
	encNone       = "none"
	encAESGCM     = "aes-256-gcm"
	// maxFileSize bounds what is read: a token is a few kilobytes.
	maxFileSize = 256 << 10
)

type header struct {
	Key      string `json:"key"`
	Source   string `json:"source,omitempty"`
	Identity string `json:"identity,omitempty"`
	Tenant   string `json:"tenant,omitempty"`
	// Subscription is az's, for -o json from the cache as from az.
	Subscription string   `json:"subscription,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	ExpiresOn    int64    `json:"expires_on"`
	RefreshOn    int64    `json:"refresh_on,omitempty"`
	CreatedAt    int64    `json:"created_at,omitempty"`
	// Job is the keyed name of the CI job a pipeline token belongs to.
	Job string `json:"job,omitempty"`
	// Chain is the sources the chain was made of, in order (Entry.Chain).
	Chain []string `json:"chain,omitempty"`
	Enc   string   `json:"enc"`
	KeyID string   `json:"key_id,omitempty"`
	Nonce []byte   `json:"nonce,omitempty"`
}

type payload struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type,omitempty"`
}

// errBadEntry is what every decode failure wraps. The reasons are fixed
// words of ours: nothing from the file is quoted, so no token can leak
// into a notice.
var errBadEntry = errors.New("bad cache entry")

type decodeError struct{ reason string }

func (e *decodeError) Error() string { return e.reason }
func (e *decodeError) Unwrap() error { return errBadEntry }

func bad(reason string) error { return &decodeError{reason: reason} }

// encodeEntry renders e as a cache file for key, sealed when s is set.
func encodeEntry(key string, e Entry, s *sealer) ([]byte, error) {
	h := header{
		Key:          key,
		Source:       e.Source,
		Identity:     e.Token.Identity,
		Tenant:       e.Token.Tenant,
		Subscription: e.Token.Subscription,
		Scopes:       e.Scopes,
		ExpiresOn:    unixOrZero(e.Token.ExpiresOn),
		RefreshOn:    unixOrZero(e.Token.RefreshOn),
		CreatedAt:    unixOrZero(e.CreatedAt),
		Job:          e.Job,
		Chain:        e.Chain,
		Enc:          encNone,
	}
	body, err := json.Marshal(payload{AccessToken: e.Token.AccessToken, TokenType: e.Token.TokenType})
	if err != nil {
		return nil, err
	}
	if s != nil {
		h.Enc = encAESGCM
		h.KeyID = s.id
		h.Nonce = make([]byte, s.aead.NonceSize())
		if _, err := rand.Read(h.Nonce); err != nil {
			return nil, err
		}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(magic + formatVersion + "\n")
	buf.Write(hj)
	buf.WriteByte('\n')
	if s != nil {
		aad := buf.Bytes()
		return s.aead.Seal(aad, h.Nonce, body, aad), nil
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

// decodeEntry parses a cache file. wantKey, when set, is the key the file
// must belong to. s is the cache's sealer, nil in plain mode: an encrypted
// file cannot be read without it, and a plain file is refused with it, so
// that turning encryption on leaves no plain token behind for long.
func decodeEntry(data []byte, wantKey string, s *sealer) (Entry, header, error) {
	h, rest, aad, err := decodeHeader(data, wantKey)
	if err != nil {
		return Entry{}, h, err
	}
	var body []byte
	switch h.Enc {
	case encNone:
		if s != nil {
			return Entry{}, h, bad("it is not encrypted, and the cache now encrypts its entries")
		}
		body = rest
	case encAESGCM:
		if s == nil {
			return Entry{}, h, bad("it is encrypted, and the cache key is not available here")
		}
		if h.KeyID != s.id {
			return Entry{}, h, bad("it was written with another cache key")
		}
		if len(h.Nonce) != s.aead.NonceSize() {
			return Entry{}, h, bad("its nonce has the wrong length")
		}
		body, err = s.aead.Open(nil, h.Nonce, rest, aad)
		if err != nil {
			return Entry{}, h, bad("it does not decrypt: it was altered or truncated")
		}
	default:
		return Entry{}, h, bad("its encryption is of an unknown kind")
	}
	var p payload
	if err := strictUnmarshal(body, &p); err != nil {
		return Entry{}, h, bad("its token is not valid JSON (truncated?)")
	}
	if p.AccessToken == "" {
		return Entry{}, h, bad("it holds no token")
	}
	return Entry{
		Token: chain.Token{
			AccessToken:  p.AccessToken,
			TokenType:    p.TokenType,
			ExpiresOn:    timeOrZero(h.ExpiresOn),
			RefreshOn:    timeOrZero(h.RefreshOn),
			Tenant:       h.Tenant,
			Subscription: h.Subscription,
			Identity:     h.Identity,
		},
		Source:    h.Source,
		Scopes:    h.Scopes,
		CreatedAt: timeOrZero(h.CreatedAt),
		Job:       h.Job,
		Chain:     h.Chain,
	}, h, nil
}

// decodeHeader parses the magic line and the header, returning the rest of
// the file and the bytes the payload is bound to.
func decodeHeader(data []byte, wantKey string) (h header, rest, aad []byte, err error) {
	if len(data) > maxFileSize {
		return h, nil, nil, bad("it is too large to be a cache entry")
	}
	if !bytes.HasPrefix(data, []byte(magic)) {
		return h, nil, nil, bad("it is not an aztoken cache file")
	}
	line1 := bytes.IndexByte(data, '\n')
	if line1 < 0 || line1 > len(magic)+8 {
		return h, nil, nil, bad("it is truncated")
	}
	if v := string(data[len(magic):line1]); v != formatVersion {
		return h, nil, nil, bad("it was written by another version of aztoken (format " + printable(v) + ")")
	}
	line2 := bytes.IndexByte(data[line1+1:], '\n')
	if line2 < 0 {
		return h, nil, nil, bad("it is truncated")
	}
	end := line1 + 1 + line2
	if err := strictUnmarshal(data[line1+1:end], &h); err != nil {
		return header{}, nil, nil, bad("its header is not valid")
	}
	if wantKey != "" && h.Key != wantKey {
		return h, nil, nil, bad("it belongs to another key")
	}
	if h.ExpiresOn <= 0 {
		return h, nil, nil, bad("it has no expiry time")
	}
	return h, data[end+1:], data[:end+1], nil
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// printable keeps a version string from a foreign file short and safe.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > 8 {
		s = s[:8]
	}
	return s
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}
