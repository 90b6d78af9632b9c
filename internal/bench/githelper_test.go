package bench

import (
	"fmt"
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
		w := newHelperWorld(b, e, repos.CACertPEM())
		envFor := func(cache string) []string { return w.env(cache, "dev.azure.com:443="+repos.Addr()) }
		warm := envFor(filepath.Join(w.home, "cache"))
		const request = "protocol=https\nhost=dev.azure.com\npath=contoso/web/_git/web\n\n"
		helperGet := func(env []string) *exec.Cmd {
			c := command(bins.aztoken, env, "git", "credential", "get")
			c.Stdin = strings.NewReader(request)
			return c
		}
		printsPassword := answers("\npassword=eyJ", "git's credential")
		get := &variant{name: "aztoken get (cache), Azure DevOps in the org's tenant", cmd: func(int) *exec.Cmd {
			return command(bins.aztoken, warm, "get", "--resource", fakeazure.AzureDevOpsResource, "--tenant", e.TenantID())
		}}
		helperWarm := &variant{name: "aztoken git credential get (token and tenant cached)", check: printsPassword,
			cmd: func(int) *exec.Cmd { return helperGet(warm) }}
		helperCold := &variant{name: "aztoken git credential get (nothing cached)", check: printsPassword,
			cmd: func(round int) *exec.Cmd {
				return helperGet(envFor(filepath.Join(w.home, fmt.Sprintf("cold-%d", round))))
			}}

		return helperBench{item: "10", helper: "git helper", get: get, warm: helperWarm, cold: helperCold,
			service: "discovery", metric: "requests-cold-org",
			warmSent: "%d discovery requests reached the organization while its tenant was remembered",
			sent:     func() int { return len(repos.Requests()) }}.run(b, bins, e)
	})
}
