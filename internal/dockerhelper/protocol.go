package dockerhelper

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// NotFound is the answer docker's helper client recognises as "this helper
// has no credentials for that server" (credentials.errCredentialsNotFound):
// written to stdout, with a non-zero exit. docker then goes on without
// credentials instead of failing.
const NotFound = "credentials not found in native keychain"

// maxRequest bounds what is read from stdin: a server address, or for
// store a small JSON object.
const maxRequest = 64 << 10

// ReadServerURL reads the server address docker writes to a helper's stdin
// for get and erase.
func ReadServerURL(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRequest+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxRequest {
		return "", errors.New("the server address on stdin is longer than 64 KiB")
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", errors.New("no server address on stdin; docker writes one, as in: echo myregistry.azurecr.io | docker-credential-aztoken get")
	}
	return s, nil
}

// Credentials is the answer to get.
type Credentials struct {
	ServerURL string
	Username  string
	Secret    string
}

// Marshal renders c as docker reads it, with a final newline, so that it
// goes out in one write.
func (c Credentials) Marshal() []byte {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(struct {
		ServerURL string `json:"ServerURL"`
		Username  string `json:"Username"`
		Secret    string `json:"Secret"`
	}{c.ServerURL, c.Username, c.Secret})
	return b.Bytes()
}
