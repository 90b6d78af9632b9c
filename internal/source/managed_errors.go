package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/redact"
)

// miNotIMDSHint is for an answer at IMDS's address that IMDS never gives.
const miNotIMDSHint = "a proxy or another service answers at IMDS's address; on a developer machine sign in with az login, or exclude managed identity with --exclude mi"

// classifyManaged turns MSAL's error into one the chain acts on, by the
// SDKs' rule (credential-chain.md, section 2): IMDS answers that show
// there is no usable IMDS make the source unavailable; anything else
// after a request stops the chain. Messages never carry MSAL's error
// text for HTTP answers, which quotes the body, nor a body of a 2xx
// answer, which may hold a token.
func classifyManaged(p managedPlan, cfg Config, tr *miTrace, err error) error {
	var ce *chain.SourceError
	if errors.As(err, &ce) {
		return err
	}
	title := p.kind.Title()
	attempts, status, ctype, body := tr.last()
	chained := cfg.ProbeIMDS && p.kind == ManagedIMDS
	// Nothing to connect to at IMDS's address means no managed identity
	// here, probed or not: unavailable (exit 3), not a failure.
	var op *net.OpError
	if p.kind == ManagedIMDS && errors.As(err, &op) && op.Op == "dial" {
		hint := miProbeHint
		switch {
		case httpx.Refused(err) && cfg.ProbeIMDS:
			hint = miRefusedHint
		case httpx.Refused(err):
			hint = miAloneRefusedHint
		case !cfg.ProbeIMDS:
			hint = miAloneHint
		}
		if op.Timeout() && !cfg.ProbeIMDS {
			return chain.Unavailable(hint, "nothing answers at IMDS's address %s: no connection within --imds-timeout %s", p.host(), imdsTimeoutOf(cfg))
		}
		return chain.Unavailable(hint, "nothing answers at IMDS's address %s: %s", p.host(), scrubMI(miNetReason(err), cfg.Env))
	}
	// (Before the deadline check: a dial timeout matches
	// context.DeadlineExceeded too.)
	if errors.Is(err, context.DeadlineExceeded) {
		return chain.TimedOut("raise --timeout", "the %s endpoint did not answer before the deadline", title)
	}
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		msg := fmt.Sprintf("the %s endpoint at %s sent an answer larger than %d KiB, which no token endpoint does", title, p.host(), httpx.MaxBody>>10)
		if chained {
			return chain.Unavailable(miNotIMDSHint, "%s", msg)
		}
		return chain.Failed(nil, "check what listens at "+p.host(), "%s", msg)
	}

	var callErr msalerrors.CallErr
	if errors.As(err, &callErr) && callErr.Resp != nil {
		status = callErr.Resp.StatusCode
		what := miDescribeErrorBody(ctype, body, cfg.Env)
		after := ""
		if attempts > 1 {
			after = fmt.Sprintf(" after %d attempts", attempts)
		}
		if p.kind == ManagedIMDS {
			switch status {
			case 400:
				if p.id.kind != "" {
					return chain.Failed(nil,
						"check "+p.id.from+" against the identities assigned to this resource (az vm identity show), or drop it to use the system-assigned identity",
						"the requested identity isn't assigned to this resource: IMDS answered 400 for %s (from %s)%s", p.id, p.id.from, what)
				}
				return chain.Unavailable("enable the resource's system-assigned identity, or pass --client-id for a user-assigned one",
					"IMDS has no system-assigned identity for this resource: it answered 400%s", what)
			case 403:
				if strings.Contains(string(body), "unreachable") {
					return chain.Unavailable(miDockerHint, "a proxy answered for IMDS at %s that the network is unreachable (403)", p.host())
				}
			}
		}
		if status >= 300 && status < 400 {
			where := ""
			if loc, err := callErr.Resp.Location(); err == nil {
				where = " to " + loc.Host
			}
			return chain.Failed(nil, "check what listens at "+p.host()+": no managed-identity endpoint redirects",
				"the %s endpoint answered with a redirect (%d)%s, which aztoken does not follow so that the secret header cannot travel with it", title, status, where)
		}
		return chain.Failed(nil, miStatusHint(p.kind, status), "the %s endpoint answered %d%s%s", title, status, after, what)
	}

	var jsonErr msalerrors.InvalidJsonErr
	if errors.As(err, &jsonErr) {
		got := miDescribeBadToken(ctype, body, jsonErr)
		if chained {
			return chain.Unavailable(miNotIMDSHint, "something other than IMDS answers at %s: it sent %s", p.host(), got)
		}
		return chain.Failed(nil, "check what listens at "+p.host(), "the %s endpoint answered %d with %s, not a token response", title, status, got)
	}

	var nl *httpx.ErrNotLoopback
	if errors.As(err, &nl) {
		return chain.Failed(nil, "", "%s", nl)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		hint := "check that the " + title + " endpoint is running"
		if p.kind == ManagedIMDS {
			hint = miProbeHint
		}
		return chain.Failed(nil, hint,
			"the %s endpoint at %s could not be reached: %s", title, p.host(), scrubMI(miNetReason(err), cfg.Env))
	}
	// MSAL's own checks (Azure Arc's key file, Service Fabric's
	// certificate, a user-assigned identity Arc did not confirm) say
	// nothing secret; the secrets we know are scrubbed all the same.
	return chain.Failed(nil, "", "%s managed identity: %s", title, scrubMI(err.Error(), cfg.Env))
}

func miStatusHint(k ManagedKind, status int) string {
	switch {
	case status == 401 || status == 403:
		if k == ManagedAppService || k == ManagedServiceFabric || k == ManagedAzureML {
			return "the endpoint refused the secret header; restart the app so it gets a fresh one"
		}
		return "the endpoint refused the request; check that the identity is enabled on this resource"
	case status == 429 || status >= 500:
		return "the endpoint is throttling or unwell; try again later"
	case status == 404 && k == ManagedIMDS:
		return "IMDS answers 404 while an identity is being assigned; try again in a minute"
	}
	return ""
}

// miDescribeErrorBody summarises an error answer's body: the error's
// description when it is JSON, else what kind of body it was.
func miDescribeErrorBody(ctype string, body []byte, e env.Env) string {
	if len(strings.TrimSpace(string(body))) == 0 {
		return ""
	}
	var v struct {
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Message          string          `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		desc := v.ErrorDescription
		if desc == "" {
			desc = v.Message
		}
		if desc == "" && len(v.Error) > 0 {
			// App Service nests it: {"error":{"code":…,"message":…}}.
			var nested struct{ Code, Message string }
			var flat string
			if json.Unmarshal(v.Error, &nested) == nil && nested.Message != "" {
				desc = nested.Message
			} else if json.Unmarshal(v.Error, &flat) == nil {
				desc = flat
			}
		}
		if desc != "" {
			return ": " + redact.Excerpt(desc, 300, miSecrets(e)...)
		}
	}
	return " with " + miBodyKind(ctype, body)
}

// miDescribeBadToken says what came instead of a token, without quoting a
// body that may hold one.
func miDescribeBadToken(ctype string, body []byte, jsonErr msalerrors.InvalidJsonErr) string {
	kind := miBodyKind(ctype, body)
	if json.Valid(body) && jsonErr.Err != nil {
		why := strings.TrimPrefix(jsonErr.Err.Error(), "error parsing the json error: ")
		return kind + " that MSAL cannot read (" + redact.Excerpt(why, 200) + ")"
	}
	return kind
}

func miBodyKind(ctype string, body []byte) string {
	t := strings.ToLower(strings.TrimSpace(string(body)))
	switch {
	case strings.Contains(strings.ToLower(ctype), "html") || strings.HasPrefix(t, "<!doctype html") || strings.HasPrefix(t, "<html"):
		return fmt.Sprintf("an HTML page (%d bytes)", len(body))
	case len(body) == 0:
		return "an empty body"
	case json.Valid(body):
		return fmt.Sprintf("JSON (%d bytes)", len(body))
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return fmt.Sprintf("incomplete JSON (%d bytes)", len(body))
	}
	return fmt.Sprintf("%d bytes of text", len(body))
}

// scrubMI removes the values of the secret variables managed identity
// sends as headers, should an endpoint echo them back.
func scrubMI(s string, e env.Env) string { return redact.Scrub(s, miSecrets(e)...) }

// miSecrets are the values managed identity sends to authenticate itself.
func miSecrets(e env.Env) []string {
	return []string{e.Get(envIdentityHeader), e.Get(envMSISecret)}
}
