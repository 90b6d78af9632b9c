package fakeazure

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aztoken/aztoken/internal/mint"
)

// TestPostgresAcceptsOnlyValidEntraTokens signs in with pgx's own client
// (psql is exercised in cmd/aztoken's scripts) under each of Azure's rules.
func TestPostgresAcceptsOnlyValidEntraTokens(t *testing.T) {
	m, err := mint.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := mint.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	const oid = "11111111-2222-3333-4444-555555555555"
	pg, err := NewPostgres(PostgresOptions{Issuer: m, Roles: map[string]string{"migrator": oid}})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pg.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(pg.Addr())
	now := time.Now()
	token := func(mm *mint.Minter, aud, oid string, exp time.Time) string {
		tok, err := mm.Mint(map[string]any{"aud": aud, "oid": oid, "iat": now.Unix(), "exp": exp.Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hour := now.Add(time.Hour)
	for _, tt := range []struct {
		name, user, password, sslmode, refusal string
	}{
		{"valid", "migrator", token(m, OSSRDBMSAudience, oid, hour), "verify-full", ""},
		{"another audience", "migrator", token(m, "https://database.windows.net", oid, hour), "verify-full", "not a valid token"},
		{"expired", "migrator", token(m, OSSRDBMSAudience, oid, now.Add(-time.Minute)), "verify-full", "not a valid token"},
		{"another key", "migrator", token(other, OSSRDBMSAudience, oid, hour), "verify-full", "not a valid token"},
		{"another principal", "migrator", token(m, OSSRDBMSAudience, "99999999-2222-3333-4444-555555555555", hour), "verify-full", "another principal"},
		{"unknown role", "nobody", token(m, OSSRDBMSAudience, oid, hour), "verify-full", `no role "nobody"`},
		{"empty password", "migrator", "", "verify-full", "not a valid token"},
		{"no TLS", "migrator", token(m, OSSRDBMSAudience, oid, hour), "disable", "no TLS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			before := len(pg.Refused())
			cfg, err := pgconn.ParseConfig("host=" + host + " port=" + port + " user=" + tt.user + " dbname=postgres sslmode=" + tt.sslmode + " sslrootcert=" + filepath.ToSlash(ca)) // libpq's syntax reads a backslash as an escape
			if err != nil {
				t.Fatal(err)
			}
			cfg.Password = tt.password
			conn, err := pgconn.ConnectConfig(ctx, cfg)
			if tt.refusal != "" {
				if err == nil {
					conn.Close(ctx)
					t.Fatal("the server accepted the sign-in")
				}
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Severity != "FATAL" {
					t.Fatalf("err = %v, want a FATAL from the server", err)
				}
				got := pg.Refused()
				if len(got) != before+1 || !strings.Contains(got[before], tt.refusal) {
					t.Fatalf("refusals = %q, want one more saying %q", got, tt.refusal)
				}
				return
			}
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(ctx)
			res, err := conn.Exec(ctx, "SELECT current_user").ReadAll()
			if err != nil || len(res) != 1 || len(res[0].Rows) != 1 || string(res[0].Rows[0][0]) != "migrator" {
				t.Fatalf("SELECT current_user = %v, %v", res, err)
			}
		})
	}
	if pg.Accepted() != 1 {
		t.Errorf("Accepted = %d, want 1", pg.Accepted())
	}
}
