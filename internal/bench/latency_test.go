package bench

import (
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

var latency = flag.Duration("latency", 40*time.Millisecond, "how long the Entra fake waits before answering each request in the latency benchmark (a far Entra ID)")

// cloudHost is the name the latency benchmark's programs use for Entra
// ID. Both dial it at the fake (aztoken through AZTOKEN_TEST_RESOLVE,
// sdkcred through SDKCRED_RESOLVE), so each takes the path it takes on the
// public cloud; the fake's certificate is valid for it.
const cloudHost = "login.microsoftonline.com"

// 8. A cold token from a far Entra ID: every request to the fake waits
// -latency (40 ms) before it is answered, as a round trip from a pipeline
// agent or a laptop would. aztoken and the SDK program both address the
// public cloud's host, as users run them; each one's requests and
// connections are counted on the fake, from one run alone.
func BenchmarkColdTokenLatency(b *testing.B) {
	measured(b, func(b *testing.B) metrics {
		bins := build(b)
		e, ca := newEntra(b)
		for _, ep := range fakeazure.EntraEndpoints {
			e.SetFault(ep, fakeazure.Fault{Delay: *latency})
		}
		home := homeDir(b)
		addr := strings.TrimPrefix(e.URL(), "https://")
		cloud := append(baseEnv(home, filepath.Join(home, "cache"), secretEnv(e, ca)...),
			"AZURE_AUTHORITY_HOST=https://"+cloudHost+"/",
			"AZTOKEN_TEST_RESOLVE="+cloudHost+":443="+addr,
			"SDKCRED_RESOLVE="+cloudHost+":443="+addr,
			"SDKCRED_DISCOVERY=on")
		custom := baseEnv(home, filepath.Join(home, "cache"), secretEnv(e, ca)...)
		get := []string{"get", "--no-cache", "--source", "env", "--scope", benchScope}

		az := &variant{name: fmt.Sprintf("aztoken get --no-cache (env, secret, %s, +%s a request)", cloudHost, *latency),
			cmd: func(int) *exec.Cmd { return command(bins.aztoken, cloud, get...) }}
		sdk := &variant{name: fmt.Sprintf("SDK DefaultAzureCredential (env, secret, %s, +%s a request)", cloudHost, *latency),
			cmd: func(int) *exec.Cmd { return command(bins.sdkcred, cloud, benchScope) }}
		// Not a target: an authority aztoken does not know, which it asks
		// for its OpenID configuration first.
		azCustom := &variant{name: "aztoken get --no-cache, custom AZURE_AUTHORITY_HOST (for comparison)",
			cmd: func(int) *exec.Cmd { return command(bins.aztoken, custom, get...) }}

		azReqs, azCounts, azConns := countCold(b, bins, e, az)
		sdkReqs, sdkCounts, sdkConns := countCold(b, bins, e, sdk)
		customReqs, _, _ := countCold(b, bins, e, azCustom)
		if azReqs != 1 {
			b.Errorf("aztoken sent %d requests to the public cloud for one cold token (%v); want 1", azReqs, azCounts)
		}

		measure(b, *rounds, true, az, sdk, azCustom)
		a, s := medianDur(az.walls), medianDur(sdk.walls)
		recordTimes("8", az, sdk, azCustom)
		recordTarget("8", fmt.Sprintf("cold get / SDK, +%s a request", *latency), fmt.Sprintf("%.2fx (%s / %s)", ratio(a, s), fmtDur(a), fmtDur(s)), "≤ 0.5x", ratio(a, s) <= 0.5)
		recordTarget("8", "requests (connections) per cold token",
			fmt.Sprintf("aztoken %d %v (%d); SDK %d %v (%d); aztoken, custom host %d", azReqs, azCounts, azConns, sdkReqs, sdkCounts, sdkConns, customReqs),
			"aztoken 1 (1)", azReqs == 1 && azConns == 1)
		return metrics{
			"ms/median-aztoken":        ms(a),
			"ms/median-sdk":            ms(s),
			"ms/median-aztoken-custom": ms(medianDur(azCustom.walls)),
			"ratio":                    ratio(a, s),
			"requests-aztoken":         float64(azReqs),
			"requests-sdk":             float64(sdkReqs),
			"connections-aztoken":      float64(azConns),
			"connections-sdk":          float64(sdkConns),
		}
	})
}

// countCold runs v once on its own and returns the requests that reached
// e, by endpoint, and the connections it opened.
func countCold(b *testing.B, bins binaries, e *fakeazure.Entra, v *variant) (int, map[string]int, int) {
	b.Helper()
	before := e.Connections()
	n, counts := countRequests(b, bins, e, v)
	return n, counts, e.Connections() - before
}
