package fakeazure

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// arc answers Azure Arc's two-round protocol. The first request (no
// Authorization) gets a 401 whose WWW-Authenticate realm names a key
// file the fake has just written; the second sends the file's contents
// as "Authorization: Basic <contents>" and gets the token. Each key is
// good for one token: the file is removed once used, so a benchmark does
// not fill the directory.
//
// To drive MSAL's Arc source a test must set the Env(SourceArc) variables
// and construct the fake with ArcKeyDir: ArcTokenDirLinux, because MSAL
// v1.10.1 reads the realm only from that directory (and only files ending
// in ".key", at most 4096 bytes).
func (m *Managed) arc(x *exchange) reply {
	r := x.r
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") {
		return imdsError(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
	}
	q := r.URL.Query()
	if rep, ok := requireQuery(q, ArcAPIVersion, imdsBadRequest); !ok {
		return rep
	}
	x.rec.Resource = q.Get("resource")

	auth := r.Header.Get("Authorization")
	if auth == "" {
		return m.arcChallenge(r)
	}
	key, ok := strings.CutPrefix(auth, "Basic ")
	if !ok || !m.takeArcKey(key) {
		return imdsError(http.StatusUnauthorized, "invalid_request", "The Authorization header does not hold a key this agent issued.")
	}
	kind, value := imdsSelector(q)
	id, msg, ok := m.findIdentity(kind, value)
	if !ok {
		return imdsError(http.StatusBadRequest, "invalid_request", msg)
	}
	return m.imdsStyleToken(x, id, q.Get("resource"), kind)
}

// arcChallenge writes a fresh key file and points the client at it.
func (m *Managed) arcChallenge(r *http.Request) reply {
	secret := randomHex(32)
	path := filepath.Join(m.arcDir, randomHex(8)+".key")
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return imdsError(http.StatusInternalServerError, "server_error", "The agent could not write its key file: "+err.Error())
	}
	m.arcMu.Lock()
	m.arcKeys[secret] = path
	m.arcMu.Unlock()
	rep := imdsError(http.StatusUnauthorized, "unauthorized_client", "Authorization is required; read the key file named in WWW-Authenticate.")
	rep.header.Set("WWW-Authenticate", "Basic realm="+path)
	return rep
}

// takeArcKey reports whether key was issued and not yet used, and uses it.
func (m *Managed) takeArcKey(key string) bool {
	m.arcMu.Lock()
	defer m.arcMu.Unlock()
	path, ok := m.arcKeys[key]
	if !ok {
		return false
	}
	delete(m.arcKeys, key)
	_ = os.Remove(path)
	return true
}
