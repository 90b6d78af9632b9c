package source

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/redact"
)

// EntraError is what Entra ID said when it refused a request. It is the
// cause of the chain.Failed errors TranslateMSAL returns, for callers that
// want the code.
type EntraError struct {
	Status int    // HTTP status
	Code   string // OAuth error, such as "invalid_client"
	AADSTS string // "AADSTS7000215", or "" when the answer had none
	// Summary is the first sentence of error_description, without the code.
	Summary string
}

func (e *EntraError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.AADSTS != "" {
		s += " " + e.AADSTS
	}
	if e.Summary != "" {
		s += ": " + e.Summary
	}
	return s
}

// aadstsHints say what to do about the codes users meet most.
var aadstsHints = map[string]string{
	"AADSTS7000215": "the client secret is wrong: set AZURE_CLIENT_SECRET to the secret's Value (not its Secret ID) from the app registration's Certificates & secrets page",
	"AADSTS7000222": "the client secret has expired: add a new secret to the app registration and put its value in AZURE_CLIENT_SECRET",
	"AADSTS700016":  "check AZURE_CLIENT_ID, and that the app is registered in, or consented to, the tenant in AZURE_TENANT_ID",
	"AADSTS90002":   "check AZURE_TENANT_ID (a directory id or a domain such as contoso.onmicrosoft.com) and that AZURE_AUTHORITY_HOST is the right cloud",
	"AADSTS50126":   "check AZURE_USERNAME and AZURE_PASSWORD",
	"AADSTS50076":   "the account needs multi-factor authentication, which the username/password flow cannot do; use a service principal (AZURE_CLIENT_SECRET or a certificate) or `az login`",
	"AADSTS50079":   "the account must register for multi-factor authentication, which the username/password flow cannot do; use a service principal (AZURE_CLIENT_SECRET or a certificate) or `az login`",
	"AADSTS700024":  "the federated token in AZURE_FEDERATED_TOKEN_FILE has expired or is not yet valid; check that Kubernetes still projects and rotates the service account token",
	"AADSTS70021":   "no federated identity credential on the app matches the token's issuer, subject and audience; compare the iss, sub and aud that 'aztoken decode < \"$AZURE_FEDERATED_TOKEN_FILE\"' prints with the federated credential configured on the app or managed identity",
	"AADSTS700027":  "the certificate is not registered on the app, or has expired: upload the certificate's public part to the app registration's Certificates & secrets page",
	"AADSTS700213":  "no federated identity credential on the app matches the token's subject; compare the service account with the federated credential's subject",
}

// aadstsRe is compiled on first use, when an error is read, not at every
// start.
var aadstsRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`AADSTS\d+`) })

// oauthError is the body Entra ID sends with a 4xx.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// TranslateMSAL turns an error from an MSAL call into one sentence for
// users, classified for the chain: a deadline stays a timeout, everything
// else failed after a request was sent and stops the chain. secrets are
// values that must never appear in the message, should Entra ID or a
// proxy echo them; MSAL's own error text is never shown because its
// verbose form dumps the request, body and all.
func TranslateMSAL(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var ce *chain.SourceError
	if errors.As(err, &ce) {
		// Our own words, from an assertion callback: already a sentence.
		return ce
	}
	msg, hint, cause := describeMSAL(err, secrets)
	return chain.Failed(cause, hint, "%s", msg)
}

// describeMSAL words an MSAL error. Our own sentences and hints are written
// as they are; every piece of text that came from outside (Entra ID's
// description, a proxy's page, MSAL's message), which is where a secret
// could be echoed, is scrubbed whole by ext before anything cuts it (a first
// line, a first sentence, redact.Excerpt), so no piece of a secret survives
// at a cut. Scrubbing our own words instead turned a secret
// that is a common word ("secret") into "Certificates & [REDACTED]s page".
func describeMSAL(err error, secrets []string) (msg, hint string, cause error) {
	ext := func(text string) string { return redact.Scrub(text, secrets...) }
	if errors.Is(err, context.DeadlineExceeded) {
		where := ""
		if host := hostOf(err); host != "" {
			where = " from " + host
		}
		return "timed out waiting for an answer" + where, "raise --timeout, or check that the authority host answers from this network", context.DeadlineExceeded
	}
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled", "", context.Canceled
	}
	var call msalerrors.CallErr
	if errors.As(err, &call) && call.Resp != nil {
		return describeCallErr(call, secrets)
	}
	var nl *httpx.ErrNotLoopback
	if errors.As(err, &nl) {
		return nl.Error(), "point AZURE_AUTHORITY_HOST at a loopback fake, or unset " + httpx.LoopbackOnlyEnv, nl
	}
	if host := hostOf(err); host != "" {
		return describeConnErr(ext(host), err, ext)
	}
	text := err.Error()
	switch {
	case strings.Contains(text, "missing access_token"):
		return "the token endpoint answered 200 without an access token", "check AZURE_AUTHORITY_HOST: whatever answers there is not Entra ID, or is misbehaving", errors.New("no access_token")
	case errors.Is(err, httpx.ErrBodyTooLarge), strings.Contains(text, httpx.ErrBodyTooLarge.Error()):
		return "the token endpoint sent an answer larger than any token response", "check AZURE_AUTHORITY_HOST: whatever answers there is not Entra ID", httpx.ErrBodyTooLarge
	case strings.Contains(text, "json decode error"), strings.Contains(text, "unexpected end of JSON"):
		return "the token endpoint answered with something other than a token response (an HTML page, or JSON cut short)",
			"check AZURE_AUTHORITY_HOST: a proxy or captive portal may be answering for Entra ID; run with -v to see the request", errors.New("not a token response")
	case strings.Contains(text, "could not read the body"), strings.Contains(text, "connection reset"):
		return "the connection to the token endpoint broke while its answer was being read",
			"try again; if it keeps happening, a proxy or firewall between here and AZURE_AUTHORITY_HOST is cutting connections", errors.New("answer cut off")
	case strings.Contains(text, "TenantDiscoveryResponse"):
		return "the authority's openid-configuration document is not usable: " + firstLine(ext(text)), "check AZURE_AUTHORITY_HOST and AZURE_TENANT_ID", errors.New("bad openid-configuration")
	}
	// MSAL's remaining errors are about its inputs, not the server's answer.
	return "MSAL refused the request: " + firstLine(ext(text)), "", errors.New(firstLine(ext(text)))
}

func describeCallErr(call msalerrors.CallErr, secrets []string) (msg, hint string, cause error) {
	ext := func(text string) string { return redact.Scrub(text, secrets...) }
	ee := &EntraError{Status: call.Resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(call.Resp.Body, httpx.MaxBody))
	var oe oauthError
	what := "Entra ID"
	if call.Req != nil && call.Req.URL != nil {
		what = "Entra ID at " + call.Req.URL.Host
	}
	if json.Unmarshal(body, &oe) == nil && (oe.Error != "" || oe.Description != "") {
		ee.Code = ext(oe.Error)
		ee.AADSTS = aadstsRe().FindString(oe.Description)
		if ee.AADSTS == "" && len(oe.Codes) > 0 {
			ee.AADSTS = fmt.Sprintf("AADSTS%d", oe.Codes[0])
		}
		ee.Summary = firstSentence(strings.TrimPrefix(strings.TrimSpace(ext(oe.Description)), ee.AADSTS+":"))
		msg = fmt.Sprintf("%s refused the request (HTTP %d", what, ee.Status)
		if ee.Code != "" {
			msg += " " + ee.Code
		}
		msg += ")"
		if ee.AADSTS != "" {
			msg += ": " + ee.AADSTS
			if ee.Summary != "" {
				msg += " " + ee.Summary
			}
		} else if ee.Summary != "" {
			msg += ": " + ee.Summary
		}
		return msg, aadstsHints[ee.AADSTS], ee
	}
	// Not Entra ID's JSON: a proxy page, a gateway error. A short excerpt
	// usually says who answered.
	msg = fmt.Sprintf("HTTP %d from %s %s", ee.Status, call.Req.Method, ext(httpx.RedactURL(call.Req.URL)))
	if ex := redact.Excerpt(string(body), excerptLen, secrets...); ex != "" {
		msg += ": " + ex
	}
	return msg, "check AZURE_AUTHORITY_HOST and any proxy (HTTPS_PROXY) between here and it", ee
}

func describeConnErr(host string, err error, ext func(string) string) (msg, hint string, cause error) {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &ua):
		return "could not connect to " + host + ": its TLS certificate is not signed by a trusted authority",
			tlsTrustHint, ua
	case errors.As(err, &hn):
		return "could not connect to " + host + ": its TLS certificate is for another host", "check AZURE_AUTHORITY_HOST", hn
	case errors.As(err, &dns):
		return "could not connect to " + host + ": the name does not resolve", "check AZURE_AUTHORITY_HOST and DNS", dns
	case errors.As(err, &op):
		// "connection refused" on every OS, without "connect: "
		why := httpx.ConnReason(op.Err)
		return "could not connect to " + host + ": " + ext(why), "check AZURE_AUTHORITY_HOST and the network; " + proxyHint, op
	}
	return "could not get an answer from " + host, "check AZURE_AUTHORITY_HOST and the network; " + proxyHint, errors.New("connection failed")
}

// hostOf finds the host of the request an error is about.
func hostOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Host
		}
	}
	return ""
}

// firstSentence keeps Entra ID's first sentence: the rest is trace and
// correlation ids, which -v shows with the requests.
func firstSentence(s string) string {
	s = firstLine(strings.TrimSpace(s))
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// excerptLen bounds how much of an outside answer a message quotes.
const excerptLen = 120
