package serve

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/safefile"
)

// Identity is the managed identity a client asked for. All fields empty
// means the system-assigned identity; at most one is set.
type Identity struct {
	ClientID   string
	ObjectID   string
	ResourceID string
}

// IsZero reports whether the identity is the system-assigned one.
func (id Identity) IsZero() bool { return id == Identity{} }

// String describes the identity for the access log; ids are not secrets.
func (id Identity) String() string {
	switch {
	case id.ClientID != "":
		return "client_id=" + id.ClientID
	case id.ObjectID != "":
		return "object_id=" + id.ObjectID
	case id.ResourceID != "":
		return "resource_id=" + id.ResourceID
	}
	return "system-assigned"
}

// key is the identity's part of a cache key. Ids are compared without
// regard to case, as Azure compares GUIDs and resource ids.
func (id Identity) key() string {
	return strings.ToLower(id.ClientID) + "|" + strings.ToLower(id.ObjectID) + "|" + strings.ToLower(id.ResourceID)
}

// Provider gives the tokens the server hands out: the host's credential
// chain in proxy mode, the Emulator in emulator mode, a Relay. It is asked
// for a resource as a client named it (a v1 resource, checked by the
// server), and for the identity the client asked for.
type Provider interface {
	Token(ctx context.Context, resource string, id Identity) (chain.Token, error)
}

// IMDSMode says how the IMDS protocol is served.
type IMDSMode int

const (
	// IMDSAuto serves IMDS without a secret on a loopback listener, as
	// Azure's IMDS does, and requires the secret on any other listener.
	IMDSAuto IMDSMode = iota
	// IMDSRequireSecret always requires the X-IDENTITY-HEADER secret.
	IMDSRequireSecret
	// IMDSOff does not serve IMDS.
	IMDSOff
	// IMDSOpen serves IMDS with no secret, as Azure's own, and is allowed
	// only on a loopback or link-local listener: every container on the
	// docker network whose gateway is the listen address may then ask
	// (clients in the prefix of the listen address's interface, see
	// link.go).
	IMDSOpen
)

// Options configure a Server.
type Options struct {
	// Addr is the host:port to listen on; "" means 127.0.0.1:0 (any free
	// port on loopback).
	Addr string
	// AllowRemote permits a listener on an address other than loopback.
	AllowRemote bool
	// AllowHosts are extra names clients may put in the Host header (a
	// compose service name, say). The listen address, localhost,
	// 127.0.0.1 and [::1] are always accepted; host.docker.internal and
	// gateway.docker.internal where Docker maps them to this listener or
	// the hosts file maps them. IMDS without a secret answers only the
	// first four.
	AllowHosts []string

	// Provider gives the tokens. Exactly one of Provider and Emulate is set.
	Provider Provider
	// ProviderName says in the banner where tokens come from; "" means
	// the credential chain.
	ProviderName string
	// Emulate, when set, serves emulated tokens signed by a local key and
	// the documents that verify them.
	Emulate *EmulatorOptions

	// Secret is the value clients must present. When Secret, SecretFile
	// and SecretEnv are all empty, a new random secret is made.
	Secret string
	// SecretFile names a file whose contents (trailing white space
	// trimmed) are the secret.
	SecretFile string
	// SecretEnv names an environment variable that holds the secret,
	// looked up with LookupEnv.
	SecretEnv string
	// LookupEnv reads the environment; nil means the process environment.
	LookupEnv func(string) (string, bool)

	// AllowResources, when not empty, is the only resources served
	// (compared without a trailing slash and without regard to case).
	AllowResources []string
	// IMDS says how the IMDS protocol is served.
	IMDS IMDSMode
	// MapIdentities are user-assigned identities answered with the
	// provider's own (system-assigned) identity, as KIND=ID (client_id,
	// object_id, principal_id, mi_res_id, msi_res_id) or "*" for all.
	// Other user-assigned identities go to the provider as asked, and a
	// provider that cannot honour one answers ErrIdentityNotFound.
	MapIdentities []string

	// UpstreamTimeout bounds one acquisition from the Provider; zero
	// means 60 s.
	UpstreamTimeout time.Duration
	// MaxUpstream bounds the acquisitions running at once; zero means
	// DefaultMaxUpstream.
	MaxUpstream int
	// MaxEntries bounds the cached tokens; zero means DefaultMaxEntries.
	MaxEntries int
	// MaxConns bounds the open client connections; zero means
	// DefaultMaxConns. Past it, new connections wait in the kernel's
	// queue until one closes.
	MaxConns int
	// MaxConnsPerAddr bounds the connections one remote address may hold
	// open; past it, its new connections are closed at once. Zero means
	// DefaultMaxConnsPerAddr, or half of MaxConns when that is smaller.
	MaxConnsPerAddr int
	// ShutdownTimeout bounds how long a graceful stop waits for requests
	// in flight; zero means 10 s. Then they are cut off.
	ShutdownTimeout time.Duration

	// Stderr receives the start banner and warnings; nil discards them.
	Stderr io.Writer
	// AccessLog receives one line a request; nil discards them.
	AccessLog io.Writer

	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Limits on what a client may send.
const (
	// maxHeaderBytes bounds a request's line and headers; a managed
	// identity request is a few hundred bytes.
	maxHeaderBytes = 8 << 10
	// maxBodyBytes bounds a Cloud Shell form body ("resource=...").
	maxBodyBytes = 4 << 10
	// minSecretLen keeps a hand-chosen secret from being guessable.
	minSecretLen = 16
	maxSecretLen = 512
)

// loadSecret picks the secret from the options, or makes one.
func loadSecret(o *Options) (string, error) {
	set := 0
	for _, s := range []string{o.Secret, o.SecretFile, o.SecretEnv} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		return "", errors.New("give the secret one way only: as a value, a file, or a variable")
	}
	var secret, from string
	switch {
	case o.Secret != "":
		secret, from = o.Secret, "the given secret"
	case o.SecretFile != "":
		b, err := safefile.Read(o.SecretFile, safefile.MaxSize)
		if err != nil {
			return "", fmt.Errorf("reading the secret file failed: %w; check the path, or leave it out to have a secret generated", err)
		}
		secret, from = strings.TrimRight(string(b), " \t\r\n"), "the secret file "+o.SecretFile
	case o.SecretEnv != "":
		lookup := o.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		v, _ := lookup(o.SecretEnv)
		if v == "" {
			return "", fmt.Errorf("the variable %s, which should hold the secret, is unset or empty; set it, or leave it out to have a secret generated", o.SecretEnv)
		}
		secret, from = v, "the variable "+o.SecretEnv
	default:
		return newSecret()
	}
	if err := validSecret(secret); err != nil {
		return "", fmt.Errorf("%s %w", from, err)
	}
	return secret, nil
}

// newSecret makes 32 random bytes, base64url without padding (43 chars).
func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating the secret failed: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// validSecret keeps the secret usable in a header and in a URL path
// without escaping: URL-unreserved characters only. The error never
// contains the secret.
func validSecret(s string) error {
	if len(s) < minSecretLen || len(s) > maxSecretLen {
		return fmt.Errorf("is %d characters long; a secret needs %d to %d", len(s), minSecretLen, maxSecretLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
			return errors.New("holds a character other than A-Z, a-z, 0-9, '-', '.', '_' and '~'; a secret must fit in a header and a URL unescaped (base64url does)")
		}
	}
	return nil
}
