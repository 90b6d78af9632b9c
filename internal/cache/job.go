package cache

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
)

// jobPrefix starts the name of an empty file in the cache directory that
// says a CI job has cached pipeline tokens there: "job-<keyed job name>".
// While the only such file is the current job's, Open has nothing to drop
// and reads no entry.
const jobPrefix = "job-"

// jobOf is what ties an entry written now to the CI job: the pipeline
// source's tokens are valid for one job only, so they carry the job's
// keyed name; every other source's tokens carry none.
func (c *Cache) jobOf(e Entry) string {
	if e.Source == chain.Pipeline {
		return c.job
	}
	return ""
}

// ownJob says whether an entry tied to job may be served in this process.
func (c *Cache) ownJob(job string) bool { return job == "" || job == c.job }

// dropOtherJobs removes the pipeline tokens of every CI job but the
// current one, as the CI tasks clear their credentials when a job ends:
// on a runner that keeps its home directory between jobs, a later job of
// the same user would otherwise list, and could read, an earlier job's
// token.
func (c *Cache) dropOtherJobs() {
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	var others []string
	for _, de := range ents {
		if name := de.Name(); strings.HasPrefix(name, jobPrefix) && name != jobPrefix+c.job {
			others = append(others, name)
		}
	}
	if len(others) == 0 {
		return
	}
	n := 0
	for _, de := range ents {
		key, ok := strings.CutSuffix(de.Name(), entryExt)
		if !ok || checkKey(key) != nil {
			continue
		}
		data, err := readTrusted(c.path(key, entryExt))
		if err != nil {
			continue
		}
		if h, _, _, err := decodeHeader(data, key); err == nil && !c.ownJob(h.Job) && os.Remove(c.path(key, entryExt)) == nil {
			n++
		}
	}
	for _, name := range others {
		_ = os.Remove(c.path(name, ""))
	}
	if n > 0 {
		c.notice(fmt.Sprintf("dropped %d pipeline token(s) of another CI job", n))
	}
}

// markJob records that the current job has cached a pipeline token.
func (c *Cache) markJob() error {
	f, err := os.OpenFile(c.path(jobPrefix+c.job, ""), lockFlags|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}
