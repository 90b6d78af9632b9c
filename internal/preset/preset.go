// Package preset is the table behind aztoken exec --for: for each client
// that reads a token (or a password that may be a token) from its
// environment, the variables it reads and the resource the token must be
// for, so that users need not remember either. A row is all a new client
// needs; the command reads the table and knows no client by name.
package preset

import (
	"fmt"
	"net/url"
	"strings"
)

// GenericVar is the variable exec fills when neither --for nor --env
// names one: the name the Azure CLI's and azd's own documentation use for
// a token in scripts, and get -o env's default.
const GenericVar = "AZURE_ACCESS_TOKEN"

// Preset is what exec --for NAME sets up for one client.
type Preset struct {
	// Name is what --for takes.
	Name string
	// Clients are the programs that read Vars, for help.
	Clients string
	// Vars are the variables the child gets the token in, unless --env
	// names others.
	Vars []string
	// Resource is the alias or resource the token is asked for, unless
	// --resource or --scope says otherwise (sovereign clouds do).
	Resource string
	// User says which user name the server expects with such a token.
	User string
	// Note is what else the client needs, or nothing.
	Note string
	// Feeds says whether the preset takes --feed: the package managers
	// of Azure Artifacts (feeds.go).
	Feeds FeedUse
	// Make turns the token (and the feeds) into the variables' values;
	// nil puts the token as it is in each of the names.
	Make func(in Input) (map[string]string, error)
}

// FeedUse says what a preset does with --feed.
type FeedUse int

const (
	// NoFeed: the preset takes no --feed.
	NoFeed FeedUse = iota
	// FeedOptional: --feed only finds the feed's tenant.
	FeedOptional
	// OneFeed: exactly one --feed, which the values name.
	OneFeed
	// SomeFeeds: one --feed or more, which the values name.
	SomeFeeds
)

// Input is what a preset makes the child's variables from.
type Input struct {
	Token string
	// Names are the variables: --env's, or the preset's Vars.
	Names []string
	// Feeds are --feed's URLs, checked (https, a feed host, no user
	// information).
	Feeds []*url.URL
}

// table is every preset: the database clients here, the package managers
// of Azure Artifacts in feeds.go. The clients were chosen by what they read:
// libpq (psql, pg_dump, pg_restore, and every program built on it) reads
// PGPASSWORD; MySQL's and MariaDB's client library read MYSQL_PWD;
// go-sqlcmd reads SQLCMDPASSWORD, and takes it as an access token with
// --authentication-method ActiveDirectoryServicePrincipalAccessToken.
var table = []Preset{
	{
		Name:     "psql",
		Clients:  "psql, pg_dump, pg_restore and every libpq program (Azure Database for PostgreSQL)",
		Vars:     []string{"PGPASSWORD"},
		Resource: "ossrdbms",
		User:     "the Entra principal's name as the server knows it (pgaadauth_create_principal): a user's UPN, a group's or a managed identity's display name",
		Note:     "the server asks for the password over TLS (sslmode=require or verify-full)",
	},
	{
		Name:     "mysql",
		Clients:  "mysql, mysqldump and other MySQL or MariaDB clients (Azure Database for MySQL)",
		Vars:     []string{"MYSQL_PWD"},
		Resource: "ossrdbms",
		User:     "the Entra user's UPN, or the name given to a group or managed identity when it was added to the server",
		Note:     "the token is sent as a cleartext password: MySQL's client needs --enable-cleartext-plugin; MYSQL_PWD is deprecated in MySQL 8 but still read",
	},
	{
		Name:     "sqlcmd",
		Clients:  "go-sqlcmd (Azure SQL Database, SQL Managed Instance)",
		Vars:     []string{"SQLCMDPASSWORD"},
		Resource: "sql",
		User:     "none: the token names the principal, which needs a user in the database (CREATE USER ... FROM EXTERNAL PROVIDER)",
		Note:     "run sqlcmd with --authentication-method ActiveDirectoryServicePrincipalAccessToken; releases up to 1.10.0 drop the token (go-sqlcmd issue 757)",
	},
	npmRow, pipRow, nugetRow,
}

// Lookup finds a preset by name, in any case.
func Lookup(name string) (Preset, bool) {
	for _, p := range table {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// All returns the table, for documentation.
func All() []Preset { return append([]Preset(nil), table...) }

// Values are the child's variables for in, or an error that says what
// --feed the preset needs.
func (p Preset) Values(in Input) (map[string]string, error) {
	switch n := len(in.Feeds); {
	case p.Feeds == NoFeed && n > 0 && p.Name == "":
		return nil, fmt.Errorf("--feed goes with --for npm, pip or nuget")
	case p.Feeds == NoFeed && n > 0:
		return nil, fmt.Errorf("--for %s takes no --feed", p.Name)
	case p.Feeds == OneFeed && n != 1:
		return nil, fmt.Errorf("--for %s needs exactly one --feed: the feed's index URL", p.Name)
	case p.Feeds == SomeFeeds && n == 0:
		return nil, fmt.Errorf("--for %s needs --feed: the feed's URL (repeatable)", p.Name)
	}
	if p.Make != nil {
		return p.Make(in)
	}
	return each(in.Names, in.Token), nil
}

// each is value in every one of names.
func each(names []string, value string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = value
	}
	return out
}
