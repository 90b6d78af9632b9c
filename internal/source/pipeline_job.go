package source

import (
	"strings"

	"github.com/aztoken/aztoken/internal/env"
)

// CIJob names the CI job this process runs in, or "" outside one:
// GitHub's run id, attempt and job (and the job's own OIDC request token,
// which tells apart the legs of a matrix), Azure Pipelines' plan and job
// ids, GitLab's job id. The cache ties the pipeline source's tokens to it
// and drops them once another job, or no job, runs on the same machine, as
// the CI tasks clear their credentials at the end of a job.
//
// It may hold a secret (the request token): the cache keys it before it
// keeps it, and it is never shown.
func CIJob(e env.Env) string {
	switch {
	case e.Get(ghActions) == "true":
		return strings.Join([]string{"github", e.Get("GITHUB_RUN_ID"), e.Get("GITHUB_RUN_ATTEMPT"), e.Get("GITHUB_JOB"), e.Get(ghTokenVar)}, "\x00")
	case strings.EqualFold(e.Get("TF_BUILD"), "true"):
		return strings.Join([]string{"azure-pipelines", e.Get("SYSTEM_PLANID"), e.Get("SYSTEM_JOBID")}, "\x00")
	case e.Get("GITLAB_CI") == "true":
		return strings.Join([]string{"gitlab", e.Get("CI_JOB_ID")}, "\x00")
	}
	return ""
}
