package source

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
)

// miProbeHint is what to do when nothing answers at IMDS: on a laptop there
// is no managed identity, and on a slow VM the probe's time may be short.
const miProbeHint = "on a developer machine there is no managed identity: sign in with az login (or exclude it with --exclude mi); on an Azure VM, raise --imds-timeout"

// miRefusedHint and miAloneRefusedHint are the hints when nothing listens
// at IMDS's address: waiting longer cannot help, so no --imds-timeout.
const (
	miRefusedHint      = "nothing listens at IMDS's address, so there is no managed identity here: on a developer machine sign in with az login (or exclude it with --exclude mi)"
	miAloneRefusedHint = "nothing listens at IMDS's address, so there is no managed identity here: use another source (drop --source mi, or sign in with az login)"
)

// miDockerHint explains Docker Desktop's 403.
const miDockerHint = "this is Docker Desktop's proxy, not IMDS: containers on a laptop have no managed identity; sign in with az login or use a service principal"

// miAloneHint is miProbeHint for managed identity as the only source,
// where excluding it would leave nothing to try.
const miAloneHint = "there is no managed identity here: on a developer machine, use another source (drop --source mi, or sign in with az login); on an Azure VM, raise --imds-timeout"

func (m *Managed) imdsTimeout() time.Duration { return imdsTimeoutOf(m.cfg) }

func imdsTimeoutOf(cfg Config) time.Duration {
	if cfg.IMDSTimeout > 0 {
		return cfg.IMDSTimeout
	}
	return defaultIMDSTimeout
}

// probe checks that something answers at IMDS before asking it for a
// token, as the SDKs' default chains do: a bare GET of the token path,
// with neither query nor Metadata header so that no real IMDS would issue
// anything, within --imds-timeout and without retries. Any HTTP answer
// means IMDS is there. Concurrent probes of one host share one request.
func (m *Managed) probe(ctx context.Context, p managedPlan) error {
	timeout := m.imdsTimeout()
	_, err, _ := m.flights.Do("probe|"+p.host()+"|"+timeout.String(), func() (any, error) {
		return nil, m.runProbe(ctx, p, timeout)
	})
	return err
}

func (m *Managed) runProbe(ctx context.Context, p managedPlan, timeout time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, imdsTokenURL, nil)
	if err != nil {
		return chain.Unavailable("", "the IMDS probe could not be built: %s", err)
	}
	client := m.cfg.HTTPClient(httpx.Options{Rewrite: imdsRewrite(p.imdsTarget)})
	resp, err := client.Do(req)
	if err != nil {
		var nl *httpx.ErrNotLoopback
		switch {
		case errors.As(err, &nl):
			return chain.Unavailable("", "IMDS was not probed: %s", nl)
		case ctx.Err() != nil:
			return miDeadlineError(ctx, ManagedIMDS, "while probing")
		case pctx.Err() != nil || miIsTimeout(err):
			return chain.Unavailable(miProbeHint, "IMDS did not answer within %s", timeout)
		case httpx.Refused(err):
			return chain.Unavailable(miRefusedHint, "nothing listens at %s", p.host())
		}
		return chain.Unavailable(miProbeHint, "IMDS at %s could not be reached: %s", p.host(), miNetReason(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusForbidden {
		// A 403 body is short; what is read is enough to spot Docker's.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if strings.Contains(string(b), "unreachable") {
			return chain.Unavailable(miDockerHint, "a proxy answered for IMDS at %s that the network is unreachable (403)", p.host())
		}
	}
	return nil
}

func miIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// miNetReason is the innermost part of a network error, such as
// "connection refused", without the URL and operation around it.
func miNetReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return httpx.ConnReason(op.Err)
	}
	return err.Error()
}
