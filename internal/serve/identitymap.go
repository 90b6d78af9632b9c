package serve

import (
	"fmt"
	"strings"
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
		switch strings.ToLower(kind) {
		case "client_id", "clientid":
			key.ClientID = id
		case "object_id", "principal_id":
			key.ObjectID = id
		case "mi_res_id", "msi_res_id", "resource_id":
			key.ResourceID = id
		default:
			return identityMap{}, fmt.Errorf("--map-identity: unknown kind %q; use client_id, object_id, principal_id, mi_res_id or msi_res_id", bounded(kind, 50))
		}
		m.ids[key] = true
	}
	return m, nil
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
