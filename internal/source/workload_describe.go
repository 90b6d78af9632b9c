package source

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// Describe implements chain.Describer for workload identity.
func (w *Workload) Describe(req chain.Request) chain.Description {
	e := w.cfg.Env
	d := chain.Description{Detail: "federated token", Inputs: []chain.Input{
		varInput(e, "AZURE_CLIENT_ID", false),
		varInput(e, "AZURE_TENANT_ID", false),
		varInput(e, tokenFileVar, false),
	}}
	if p := e.Get(tokenFileVar); p != "" {
		d.Inputs = append(d.Inputs, fileInput(p))
	}
	d.Inputs = append(d.Inputs,
		varInput(e, authorityVar, false),
		varInput(e, "AZURE_ADDITIONALLY_ALLOWED_TENANTS", false),
	)
	set, err := readWorkloadSettings(e)
	if err != nil {
		d.Verdict, d.Why = chain.WouldSkip, whyNot(err)
		return d
	}
	tenant, err := requestTenant(e, set.tenant, req)
	if err != nil {
		d.Verdict, d.Why = chain.WouldStop, whyNot(err)
		return d
	}
	// Read the file as GetToken would, but through a fresh cache: explain
	// must report the file as it is now.
	probe := &Workload{cfg: w.cfg}
	assertion, err := probe.readAssertion(set.file)
	if err != nil {
		d.Verdict, d.Why = chain.WouldStop, whyNot(err)
		return d
	}
	if warn := federatedTokenWarning(set.file, assertion, w.cfg.Clock()); warn != "" {
		d.Warnings = append(d.Warnings, warn)
	}
	d.Verdict = chain.WouldTry
	d.Why = "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are set and the token file is readable"
	d.Requests = entraRequests(set.host, tenant, "")
	return d
}

// federatedTokenWarning looks at the token's exp claim. It decodes the
// payload only: the signature is Entra ID's business, and the token itself
// never appears in the warning.
func federatedTokenWarning(path, jwt string, now time.Time) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return fmt.Sprintf("the federated token in %s is not a JWT; Entra ID will refuse it", path)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return fmt.Sprintf("the federated token in %s has a payload that is not base64url; Entra ID will refuse it", path)
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == nil {
		return ""
	}
	exp, err := claims.Exp.Float64()
	if err != nil {
		return ""
	}
	at := time.Unix(int64(exp), 0)
	if !at.After(now) {
		return fmt.Sprintf("the federated token in %s expired at %s; Kubernetes should have rotated it, so check the projected service account token volume (Entra ID will answer AADSTS700024)",
			path, at.UTC().Format(time.RFC3339))
	}
	return ""
}
