package source

import (
	"errors"
	"fmt"
	"os"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/safefile"
)

// varInput describes one variable for explain, masking secrets.
func varInput(e env.Env, name string, secret bool) chain.Input {
	in := chain.Input{Kind: "variable", Name: name}
	v, ok := e.Lookup(name)
	switch {
	case !ok:
		in.State = "unset"
	case v == "":
		in.State = "set but empty"
	default:
		in.State = "set"
		in.Value = v
		if secret {
			in.Value = Mask(v)
		}
	}
	return in
}

// fileInput describes a file a source would read, without reading it.
func fileInput(path string) chain.Input {
	in := chain.Input{Kind: "file", Name: path}
	// Opened as the sources read it: without blocking on a FIFO, and only
	// a regular file counts as readable.
	f, err := safefile.Open(path, safefile.MaxSize)
	switch {
	case err == nil:
		f.Close()
		in.State = "readable"
	case errors.Is(err, os.ErrNotExist):
		in.State = "missing"
	case errors.Is(err, safefile.ErrNotRegular):
		in.State = "not a regular file"
	case errors.Is(err, safefile.ErrTooLarge):
		in.State = "too large"
	default:
		in.State = "not readable"
	}
	return in
}

// whyNot turns a skip error into explain's sentence.
func whyNot(err error) string {
	if h := chain.HintOf(err); h != "" {
		return err.Error() + "; " + h
	}
	return err.Error()
}

// Describe implements chain.Describer: what the environment source would
// use and send, without sending anything.
func (s *Environment) Describe(req chain.Request) chain.Description {
	e := s.cfg.Env
	d := chain.Description{Inputs: []chain.Input{
		varInput(e, "AZURE_TENANT_ID", false),
		varInput(e, "AZURE_CLIENT_ID", false),
		varInput(e, "AZURE_CLIENT_SECRET", true),
		varInput(e, certVar, false),
	}}
	certPath := e.Get(certVar)
	if certPath != "" {
		d.Inputs = append(d.Inputs, fileInput(certPath))
	}
	d.Inputs = append(d.Inputs,
		varInput(e, "AZURE_CLIENT_CERTIFICATE_PASSWORD", true),
		varInput(e, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", false),
		varInput(e, "AZURE_USERNAME", false),
		varInput(e, "AZURE_PASSWORD", true),
		varInput(e, authorityVar, false),
		varInput(e, "AZURE_ADDITIONALLY_ALLOWED_TENANTS", false),
		varInput(e, "AZURE_REGIONAL_AUTHORITY_NAME", false),
	)
	if e.Get("AZURE_CLIENT_SECRET") != "" && certPath != "" {
		d.Warnings = append(d.Warnings, "both AZURE_CLIENT_SECRET and "+certVar+" are set: the secret wins and the certificate is not used")
	}
	if e.Get("AZURE_USERNAME") != "" && (e.Get("AZURE_CLIENT_SECRET") != "" || certPath != "") {
		d.Warnings = append(d.Warnings, "AZURE_USERNAME is set but not used: a client secret or certificate takes priority")
	}

	set, err := readEnvSettings(e)
	if err != nil {
		d.Verdict, d.Why = chain.WouldSkip, whyNot(err)
		return d
	}
	d.Detail = kindDetail[set.kind]
	if set.kind == kindCertificate {
		cert, err := LoadCertificate(set.certPath, set.certPassword)
		if err != nil {
			d.Verdict, d.Why = chain.WouldSkip, whyNot(err)
			return d
		}
		d.Warnings = append(d.Warnings, certificateWarnings(set.certPath, cert, s.cfg.Clock())...)
	}
	tenant, err := requestTenant(e, set.tenant, req)
	if err != nil {
		d.Verdict, d.Why = chain.WouldStop, whyNot(err)
		return d
	}
	d.Verdict = chain.WouldTry
	switch set.kind {
	case kindSecret:
		d.Why = "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are set"
	case kindCertificate:
		d.Why = fmt.Sprintf("AZURE_TENANT_ID, AZURE_CLIENT_ID and %s are set and the certificate loads", certVar)
	case kindPassword:
		d.Why = "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_USERNAME and AZURE_PASSWORD are set"
	}
	if set.region != "" {
		d.Warnings = append(d.Warnings, fmt.Sprintf("AZURE_REGIONAL_AUTHORITY_NAME=%s sends the token request to a regional endpoint, not the URL shown", set.region))
	}
	user := ""
	if set.kind == kindPassword {
		user = set.username
	}
	d.Requests = append(d.Requests, entraRequests(set.host, tenant, user)...)
	return d
}
