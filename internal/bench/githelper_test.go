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

// 10. git's credential helper (issue 19): aztoken git credential get for
// an Azure Repos URL, answered from the cache (the token and the
// organization's tenant remembered), beside aztoken get answered from the
// cache for the same resource and tenant; and a cold helper get (nothing
// cached or remembered): one discovery request to the organization and
// one Entra ID request.
func BenchmarkGitHelper(b *testing.B) {
	measured(b, func(b *testing.B) metrics {
		bins := build(b)
		e, _ := newEntra(b)
		repos, err := fakeazure.NewAzureRepos(fakeazure.AzureReposOptions{Tenant: e.TenantID(), Issuer: e.Minter()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(repos.Close)
		dir := b.TempDir()
		bundle := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(bundle, append(e.CACertPEM(), repos.CACertPEM()...), 0o600); err != nil {
			b.Fatal(err)
		}
		home := homeDir(b)
		envFor := func(cache string) []string {
			return append(baseEnv(home, cache, secretEnv(e, bundle)...),
				"AZURE_AUTHORITY_HOST=https://"+cloudHost+"/",
				"AZTOKEN_TEST_RESOLVE="+cloudHost+":443="+strings.TrimPrefix(e.URL(), "https://")+",dev.azure.com:443="+repos.Addr())
		}
		warm := envFor(filepath.Join(home, "cache"))
		const request = "protocol=https\nhost=dev.azure.com\npath=contoso/web/_git/web\n\n"
		helperGet := func(env []string) *exec.Cmd {
			c := command(bins.aztoken, env, "git", "credential", "get")
			c.Stdin = strings.NewReader(request)
			return c
		}
		printsPassword := func(r result) error {
			if err := okWithOutput(r); err != nil {
				return err
			}
			if !strings.Contains(r.stdout, "\npassword=eyJ") {
				return fmt.Errorf("stdout is not git's credential (%d bytes)", len(r.stdout))
			}
			return nil
		}
		get := &variant{name: "aztoken get (cache), Azure DevOps in the org's tenant", cmd: func(int) *exec.Cmd {
			return command(bins.aztoken, warm, "get", "--resource", fakeazure.AzureDevOpsResource, "--tenant", e.TenantID())
		}}
		helperWarm := &variant{name: "aztoken git credential get (token and tenant cached)", check: printsPassword,
			cmd: func(int) *exec.Cmd { return helperGet(warm) }}
		helperCold := &variant{name: "aztoken git credential get (nothing cached)", check: printsPassword,
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
		coldDiscovery := len(repos.Requests())

		measure(b, 1, false, get, helperWarm)
		get.walls, helperWarm.walls = nil, nil
		e.Reset()
		before := len(repos.Requests())
		measure(b, *rounds, true, get, helperWarm)
		if n := e.Count(fakeazure.EndpointToken); n != 0 {
			b.Errorf("%d token requests reached Entra while the cache was warm", n)
		}
		if n := len(repos.Requests()) - before; n != 0 {
			b.Errorf("%d discovery requests reached the organization while its tenant was remembered", n)
		}
		measure(b, *rounds, true, helperCold)

		g, h, c := medianDur(get.walls), medianDur(helperWarm.walls), medianDur(helperCold.walls)
		recordTimes("10", get, helperWarm, helperCold)
		recordTarget("10", "git helper get, warm / aztoken get, cached", fmt.Sprintf("%.2fx (%s / %s)", ratio(h, g), fmtDur(h), fmtDur(g)), "≤ 1.5x", ratio(h, g) <= 1.5)
		recordTarget("10", "requests of a cold git helper get", fmt.Sprintf("Entra ID %d %v, discovery %d", coldEntra, coldCounts, coldDiscovery), "Entra 1 + discovery 1", coldEntra == 1 && coldDiscovery == 1)
		return metrics{
			"ms/median-get-cached":  ms(g),
			"ms/median-helper-warm": ms(h),
			"ms/median-helper-cold": ms(c),
			"ratio":                 ratio(h, g),
			"requests-cold-entra":   float64(coldEntra),
			"requests-cold-org":     float64(coldDiscovery),
		}
	})
}
