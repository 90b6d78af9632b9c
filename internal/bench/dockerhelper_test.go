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
		w := newHelperWorld(b, e, acr.CACertPEM())
		helper := filepath.Join(w.dir, "docker-credential-aztoken")
		if err := os.Symlink(bins.aztoken, helper); err != nil {
			b.Fatal(err)
		}
		// The registry under an ACR login server's name.
		envFor := func(cache string) []string {
			return w.env(cache, acrBenchHost+":443="+acr.Host(), "DOCKER_CONFIG="+filepath.Join(w.home, "docker"))
		}
		warm := envFor(filepath.Join(w.home, "cache"))
		helperGet := func(env []string) *exec.Cmd {
			c := command(helper, env, "get")
			c.Stdin = strings.NewReader(acrBenchHost + "\n")
			return c
		}
		printsCreds := answers(`"Username":"00000000-0000-0000-0000-000000000000","Secret":"eyJ`, "docker's credentials")

		get := &variant{name: "aztoken get (cache), the registry scope", cmd: func(int) *exec.Cmd {
			return command(bins.aztoken, warm, "get", "--scope", acrScope)
		}}
		helperWarm := &variant{name: "docker-credential-aztoken get (refresh token cached)", check: printsCreds,
			cmd: func(int) *exec.Cmd { return helperGet(warm) }}
		helperCold := &variant{name: "docker-credential-aztoken get (nothing cached)", check: printsCreds,
			cmd: func(round int) *exec.Cmd {
				return helperGet(envFor(filepath.Join(w.home, fmt.Sprintf("cold-%d", round))))
			}}

		return helperBench{item: "9", helper: "helper", get: get, warm: helperWarm, cold: helperCold,
			service: "exchange", metric: "requests-cold-acr",
			warmSent: "%d exchanges reached the registry while the refresh token was cached",
			sent:     func() int { return acr.Count(fakeazure.ACRExchange) }}.run(b, bins, e)
	})
}
