package tenantdiscovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aztoken/aztoken/internal/httpx"
)

// Timeout bounds Discover's request when the caller's context does not
// bound it sooner.
const Timeout = 5 * time.Second

// ErrNoTenant means the service answered but named no tenant (an
// organization backed by Microsoft accounts, or a service that does not
// say); the caller falls back to the chain's default tenant.
var ErrNoTenant = errors.New("the service's answer names no Entra ID tenant")

// NewClient returns a client for Discover: httpx's (bounded bodies,
// requests recorded for -v, the loopback guard), with Timeout.
func NewClient() *http.Client { return httpx.NewClient(httpx.Options{Timeout: Timeout}) }

// Discover sends one HEAD without credentials to target (an https URL, such
// as an Azure DevOps organization's) and reads the tenant from the answer's
// headers, whatever its status: a 401 is the expected answer. A redirect is
// not followed; its own headers are read like any other answer's.
func Discover(ctx context.Context, client *http.Client, target string) (string, Source, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", "", fmt.Errorf("tenant discovery asks only https URLs without user information, not %q", httpx.RedactURL(u))
	}
	// Whatever client it is given, a redirect is answered, not followed.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return "", "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("asking %s which tenant it belongs to failed: %w", u.Host, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t, src, ok := FromHeader(resp.Header)
	if !ok {
		return "", "", ErrNoTenant
	}
	return t, src, nil
}
