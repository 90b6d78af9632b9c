package preset

import (
	"net/url"
	"testing"

	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/resources"
)

// TestTable pins what each client reads: a wrong variable name would give
// the client no password and fail only against a real server.
func TestTable(t *testing.T) {
	for _, tt := range []struct {
		name, vars, resource string
	}{
		{"psql", "PGPASSWORD", "https://ossrdbms-aad.database.windows.net"},
		{"PSQL", "PGPASSWORD", "https://ossrdbms-aad.database.windows.net"},
		{"mysql", "MYSQL_PWD", "https://ossrdbms-aad.database.windows.net"},
		{"sqlcmd", "SQLCMDPASSWORD", "https://database.windows.net"},
	} {
		p, ok := Lookup(tt.name)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", tt.name)
		}
		if len(p.Vars) != 1 || p.Vars[0] != tt.vars {
			t.Errorf("%s: Vars = %q, want %q", tt.name, p.Vars, tt.vars)
		}
		if got := resources.Expand(p.Resource); got != tt.resource {
			t.Errorf("%s: resource = %q, want %q", tt.name, got, tt.resource)
		}
	}
	if _, ok := Lookup("psq"); ok {
		t.Error("Lookup found a preset for a name that has none")
	}
}

// TestRowsAreComplete: every row must name valid variables, a resource
// that passes the request rules, and say what user the server expects.
func TestRowsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range All() {
		if seen[p.Name] {
			t.Errorf("%s: two rows", p.Name)
		}
		seen[p.Name] = true
		if p.Clients == "" || p.User == "" || len(p.Vars) == 0 {
			t.Errorf("%s: Clients, User and Vars must be set", p.Name)
		}
		for _, v := range p.Vars {
			if err := output.ValidEnvName(v); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
		if err := resources.CheckWord(p.Resource); err != nil {
			t.Errorf("%s: resource %q: %v", p.Name, p.Resource, err)
		}
	}
}

func TestValues(t *testing.T) {
	p, _ := Lookup("psql")
	got, err := p.Values(Input{Token: "tok", Names: []string{"PGPASSWORD", "OTHER"}})
	if err != nil || len(got) != 2 || got["PGPASSWORD"] != "tok" || got["OTHER"] != "tok" {
		t.Errorf("Values = %v, %v", got, err)
	}
	feed, _ := url.Parse("https://pkgs.dev.azure.com/contoso/_packaging/web/pypi/simple/")
	if _, err := p.Values(Input{Token: "tok", Names: []string{"PGPASSWORD"}, Feeds: []*url.URL{feed}}); err == nil {
		t.Error("psql took a --feed")
	}
}
