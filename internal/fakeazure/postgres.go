package fakeazure

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/aztoken/aztoken/internal/mint"
)

// The PostgreSQL wire protocol is spoken with pgx's pgproto3, a
// maintained implementation of both sides of it, rather than by hand: the
// fake's job is Azure's authentication rules, and a framing mistake of
// ours would only test our own reading of the protocol.

// OSSRDBMSAudience is the aud of a token Azure Database for PostgreSQL
// (and MySQL) accepts.
const OSSRDBMSAudience = "https://ossrdbms-aad.database.windows.net"

// PostgresOptions configures a fake Azure Database for PostgreSQL.
type PostgresOptions struct {
	// Issuer verifies tokens: the Entra fake's signing key.
	Issuer *mint.Minter
	// Roles maps each database role to the object id of the Entra
	// principal it was created for (pgaadauth_create_principal does this
	// on Azure). A token is accepted for a role only when its oid is that
	// one.
	Roles map[string]string
}

// Postgres is a loopback server that speaks the PostgreSQL protocol the
// way Azure Database for PostgreSQL does for Entra ID sign-ins: it
// requires TLS, asks for a cleartext password, and accepts only an Entra
// access token, signed by Issuer, for OSSRDBMSAudience, not expired, whose
// oid is the role's. It answers the simple query "SELECT current_user".
type Postgres struct {
	ln   net.Listener
	cert *serverCert
	opts PostgresOptions
	wg   sync.WaitGroup

	mu       sync.Mutex
	accepted int
	refused  []string
}

// NewPostgres starts a fake on 127.0.0.1, on a free port.
func NewPostgres(opts PostgresOptions) (*Postgres, error) {
	if opts.Issuer == nil {
		return nil, errors.New("fakeazure: a Postgres fake needs the issuer whose key verifies tokens")
	}
	cert, err := newServerCert("postgres")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Postgres{ln: ln, cert: cert, opts: opts}
	p.wg.Go(p.serve)
	return p, nil
}

// Addr is the host:port the fake listens on.
func (p *Postgres) Addr() string { return p.ln.Addr().String() }

// CACertPEM is the certificate a client must trust (PGSSLROOTCERT).
func (p *Postgres) CACertPEM() []byte { return p.cert.PEM() }

// Accepted is how many sign-ins succeeded.
func (p *Postgres) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Refused lists why each refused sign-in was refused.
func (p *Postgres) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// Close stops the fake and waits for its connections to end.
func (p *Postgres) Close() {
	p.ln.Close()
	p.wg.Wait()
}

func (p *Postgres) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			p.session(c)
		})
	}
}

// session is one connection, from the startup packet to Terminate.
func (p *Postgres) session(c net.Conn) {
	be := pgproto3.NewBackend(c, c)
	secure := false
	var startup *pgproto3.StartupMessage
	for startup == nil {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if secure {
				return
			}
			if _, err := c.Write([]byte{'S'}); err != nil {
				return
			}
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{p.cert.tls}, MinVersion: tls.VersionTLS12})
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			be = pgproto3.NewBackend(c, c)
		case *pgproto3.GSSEncRequest:
			if _, err := c.Write([]byte{'N'}); err != nil {
				return
			}
		case *pgproto3.StartupMessage:
			startup = m
		default:
			return
		}
	}
	user := startup.Parameters["user"]
	if !secure {
		// Azure's words for a client that did not ask for TLS.
		p.fatal(be, "28000", "SSL connection is required. Please specify SSL options and retry.", "no TLS")
		return
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return
	}
	msg, err := be.Receive()
	if err != nil {
		return
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return
	}
	if reason := p.check(user, pw.Password); reason != "" {
		p.fatal(be, "28P01", fmt.Sprintf("password authentication failed for user %q", user), reason)
		return
	}
	p.mu.Lock()
	p.accepted++
	p.mu.Unlock()
	be.Send(&pgproto3.AuthenticationOk{})
	for _, kv := range [][2]string{
		{"server_version", "16.4"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"}, {"is_superuser", "off"}, {"session_authorization", user},
	} {
		be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	be.Send(&pgproto3.BackendKeyData{ProcessID: 4242, SecretKey: []byte{1, 2, 3, 4}})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if be.Flush() != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			p.answer(be, user, m.String)
		case *pgproto3.Terminate:
			return
		default:
			p.fatal(be, "0A000", "the fake server speaks only the simple query protocol", "")
			return
		}
		if be.Flush() != nil {
			return
		}
	}
}

// check says why password is not a token the server accepts for role, or
// "" when it is.
func (p *Postgres) check(role, password string) string {
	claims, err := Verify(p.opts.Issuer, password)
	switch {
	case err != nil:
	case claims["aud"] != OSSRDBMSAudience:
		err = fmt.Errorf("its audience is %v", claims["aud"])
	case claims["exp"] == nil:
		err = errors.New("it has no expiry")
	}
	if err != nil {
		return "not a valid token for " + OSSRDBMSAudience + ": " + err.Error()
	}
	oid, _ := claims["oid"].(string)
	want, ok := p.opts.Roles[role]
	if !ok {
		return fmt.Sprintf("no role %q", role)
	}
	if oid != want {
		return fmt.Sprintf("role %q belongs to another principal", role)
	}
	return ""
}

// answer answers one simple query.
func (p *Postgres) answer(be *pgproto3.Backend, user, query string) {
	q := strings.ToLower(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(query), ";")))
	if q != "select current_user" {
		be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "0A000", Message: "the fake server answers only SELECT current_user"})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		return
	}
	const textOID = 25
	be.Send(&pgproto3.RowDescription{Fields: []pgproto3.FieldDescription{{Name: []byte("current_user"), DataTypeOID: textOID, DataTypeSize: -1, TypeModifier: -1}}})
	be.Send(&pgproto3.DataRow{Values: [][]byte{[]byte(user)}})
	be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
}

// fatal ends the session with an error, and records why (never the
// password itself).
func (p *Postgres) fatal(be *pgproto3.Backend, code, msg, reason string) {
	if reason != "" {
		p.mu.Lock()
		p.refused = append(p.refused, reason)
		p.mu.Unlock()
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = be.Flush()
}

// ServicePrincipalOID is the object id the Entra fake gives the service
// principal of clientID in its tokens, for PostgresOptions.Roles.
func ServicePrincipalOID(clientID string) string { return stableID("sp", strings.ToLower(clientID)) }
