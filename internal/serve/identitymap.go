package serve

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
)

// identityMap holds the user-assigned identities the user chose to answer
// with the upstream's own identity (--map-identity). A proxy cannot give
// a token for a user-assigned identity it does not hold, and handing out
// another identity's token unasked would quietly change whose token an
// app gets; mapping makes that choice explicit, one identity at a time.
type identityMap struct {
	any bool
	ids map[Identity]bool // lower-cased, one field set
}

// parseIdentityMap reads --map-identity values: KIND=ID, where KIND is a
// parameter name a client sends (client_id; object_id or principal_id;
// mi_res_id or msi_res_id), or "*" for every user-assigned identity.
func parseIdentityMap(values []string) (identityMap, error) {
	m := identityMap{ids: map[Identity]bool{}}
	for _, v := range values {
		if v == "*" {
			m.any = true
			continue
		}
		kind, id, ok := strings.Cut(v, "=")
		id = strings.ToLower(strings.TrimSpace(id))
		if !ok || id == "" || len(id) > 512 || strings.ContainsAny(id, " \t\r\n\"") {
			return identityMap{}, fmt.Errorf("--map-identity %q is not KIND=ID (client_id=..., object_id=..., mi_res_id=...) or *", bounded(v, 100))
		}
		var key Identity
		var rule string // the kind CheckIdentityID knows
		switch k := strings.ToLower(kind); {
		case k == "clientid" || anyProtocolNames(k, func(n identityParams) []string { return n.client }):
			key.ClientID, rule = id, "client_id"
		case anyProtocolNames(k, func(n identityParams) []string { return n.object }):
			key.ObjectID, rule = id, "object_id"
		case k == "resource_id" || anyProtocolNames(k, func(n identityParams) []string { return n.resource }):
			key.ResourceID, rule = id, "resource_id"
		default:
			return identityMap{}, fmt.Errorf("--map-identity: unknown kind %q; use %s", bounded(kind, 50), strings.Join(identityParamNames(), ", "))
		}
		// Clients' ids pass this rule (identityFrom); a mapping that
		// cannot would never match.
		if err := resources.CheckIdentityID(rule, id); err != nil {
			return identityMap{}, fmt.Errorf("--map-identity %s %s", human.Quote(bounded(v, 100)), err)
		}
		m.ids[key] = true
	}
	return m, nil
}

// anyProtocolNames reports whether some protocol spells one kind of id
// (which picks) as name.
func anyProtocolNames(name string, which func(identityParams) []string) bool {
	for _, p := range protocols {
		if slices.Contains(which(p.ids), name) {
			return true
		}
	}
	return false
}

// identityParamNames are every protocol's identity parameter names, each
// once: client ids, then object ids, then resource ids.
func identityParamNames() []string {
	var out []string
	for _, which := range []func(identityParams) []string{
		func(n identityParams) []string { return n.client },
		func(n identityParams) []string { return n.object },
		func(n identityParams) []string { return n.resource },
	} {
		for _, p := range protocols {
			for _, n := range which(p.ids) {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// maps reports whether requests for id get the upstream's own identity.
func (m identityMap) maps(id Identity) bool {
	if id.IsZero() {
		return false
	}
	if m.any {
		return true
	}
	return m.ids[Identity{ClientID: strings.ToLower(id.ClientID), ObjectID: strings.ToLower(id.ObjectID), ResourceID: strings.ToLower(id.ResourceID)}]
}
