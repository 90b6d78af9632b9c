package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// acrBenchHost is the registry the helper is asked about; the ACR fake
// answers for it through AZTOKEN_TEST_RESOLVE.
const acrBenchHost = "azdbench.azurecr.io"

// acrScope is the Entra ID scope of a registry's token exchange.
const acrScope = "https://containerregistry.azure.net/.default"

// 9. docker's credential helper (issue 19): docker-credential-aztoken get
// answered from its cached refresh token, beside aztoken get answered
// from the cache for the same scope; and a cold helper get (both caches
// empty): one Entra ID request and one exchange.
func BenchmarkDockerHelper(b *testing.B) {
	measured(b, func(b *testing.B) metrics {
		bins := build(b)
		e, _ := newEntra(b)
		acr, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: e, Hosts: []string{acrBenchHost}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(acr.Close)
		dir := b.TempDir()
		bundle := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(bundle, append(e.CACertPEM(), acr.CACertPEM()...), 0o600); err != nil {
			b.Fatal(err)
		}
		helper := filepath.Join(dir, "docker-credential-aztoken")
		if err := os.Symlink(bins.aztoken, helper); err != nil {
			b.Fatal(err)
		}
		home := homeDir(b)
		// Entra ID under its public name, so a cold token is one request
		// (as item 8), and the registry under an ACR login server's name.
		envFor := func(cache string) []string {
			return append(baseEnv(home, cache, secretEnv(e, bundle)...),
				"AZURE_AUTHORITY_HOST=https://"+cloudHost+"/",
				"AZTOKEN_TEST_RESOLVE="+cloudHost+":443="+strings.TrimPrefix(e.URL(), "https://")+","+acrBenchHost+":443="+acr.Host(),
				"DOCKER_CONFIG="+filepath.Join(home, "docker"))
		}
		warm := envFor(filepath.Join(home, "cache"))
		helperGet := func(env []string) *exec.Cmd {
			c := command(helper, env, "get")
			c.Stdin = strings.NewReader(acrBenchHost + "\n")
			return c
		}
		printsCreds := func(r result) error {
			if err := okWithOutput(r); err != nil {
				return err
			}
			if !strings.Contains(r.stdout, `"Username":"00000000-0000-0000-0000-000000000000","Secret":"eyJ`) {
				return fmt.Errorf("stdout is not docker's credentials (%d bytes)", len(r.stdout))
			}
			return nil
		}

		get := &variant{name: "aztoken get (cache), the registry scope", cmd: func(int) *exec.Cmd {
			return command(bins.aztoken, warm, "get", "--scope", acrScope)
		}}
		helperWarm := &variant{name: "docker-credential-aztoken get (refresh token cached)", check: printsCreds,
			cmd: func(int) *exec.Cmd { return helperGet(warm) }}
		helperCold := &variant{name: "docker-credential-aztoken get (nothing cached)", check: printsCreds,
			cmd: func(round int) *exec.Cmd {
				return helperGet(envFor(filepath.Join(home, fmt.Sprintf("cold-%d", round))))
			}}

		// One cold call alone: its requests.
		e.Reset()
		runOne(b, bins, helperCold, -1)
		coldEntra, coldCounts := 0, e.Counts()
		for _, n := range coldCounts {
			coldEntra += n
		}
		coldExchanges := acr.Count(fakeazure.ACRExchange)

		// The warm-up fills the warm cache; after it, no call may send
		// anything, or the figures would not be cache hits.
		measure(b, 1, false, get, helperWarm)
		get.walls, helperWarm.walls = nil, nil
		e.Reset()
		before := acr.Count(fakeazure.ACRExchange)
		measure(b, *rounds, true, get, helperWarm)
		if n := e.Count(fakeazure.EndpointToken); n != 0 {
			b.Errorf("%d token requests reached Entra while the caches were warm", n)
		}
		if n := acr.Count(fakeazure.ACRExchange) - before; n != 0 {
			b.Errorf("%d exchanges reached the registry while the refresh token was cached", n)
		}
		measure(b, *rounds, true, helperCold)

		g, h, c := medianDur(get.walls), medianDur(helperWarm.walls), medianDur(helperCold.walls)
		recordTimes("9", get, helperWarm, helperCold)
		recordTarget("9", "helper get, warm / aztoken get, cached", fmt.Sprintf("%.2fx (%s / %s)", ratio(h, g), fmtDur(h), fmtDur(g)), "≤ 1.5x", ratio(h, g) <= 1.5)
		recordTarget("9", "requests of a cold helper get", fmt.Sprintf("Entra ID %d %v, exchange %d", coldEntra, coldCounts, coldExchanges), "Entra 1 + exchange 1", coldEntra == 1 && coldExchanges == 1)
		return metrics{
			"ms/median-get-cached":  ms(g),
			"ms/median-helper-warm": ms(h),
			"ms/median-helper-cold": ms(c),
			"ratio":                 ratio(h, g),
			"requests-cold-entra":   float64(coldEntra),
			"requests-cold-acr":     float64(coldExchanges),
		}
	})
}
