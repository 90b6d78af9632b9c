package cache

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// A pipeline token is tied to the CI job that cached it: another job, or
// no job, on the same machine neither gets it nor finds it in the
// directory, as the CI tasks clear credentials at the end of a job. The
// other sources' tokens stay.
func TestPipelineTokensStayInTheirJob(t *testing.T) {
	tc := openTest(t, ModePlain)
	open := func(job string) *Cache {
		c, err := Open(testEnv(tc.dir, ModePlain), Options{Notice: tc.notes.add, Job: job})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	now := time.Now()
	pipe := testEntry(now)
	pipe.Source = chain.Pipeline
	pipeKey, azKey := testKey("pipeline"), testKey("azcli")

	job1 := open("github\x00run-1\x001\x00build")
	if err := job1.Put(t.Context(), pipeKey, pipe); err != nil {
		t.Fatal(err)
	}
	if err := job1.Put(t.Context(), azKey, testEntry(now)); err != nil {
		t.Fatal(err)
	}
	if _, ok := open("github\x00run-1\x001\x00build").Get(pipeKey, time.Minute); !ok {
		t.Fatal("the same job does not get its own pipeline token")
	}

	for _, next := range []string{"github\x00run-2\x001\x00build", ""} {
		c := open(next)
		if _, ok := c.Get(pipeKey, time.Minute); ok {
			t.Errorf("job %q got the pipeline token of run-1", next)
		}
		if _, err := os.Stat(c.path(pipeKey, entryExt)); !os.IsNotExist(err) {
			t.Errorf("job %q: the pipeline token of run-1 is still on disk (%v)", next, err)
		}
		if _, ok := c.Get(azKey, time.Minute); !ok {
			t.Errorf("job %q lost az's token", next)
		}
		infos, _ := c.List()
		if len(infos) != 1 || infos[0].Source != "azcli" {
			t.Errorf("job %q lists %+v, want az's entry alone", next, infos)
		}
		// A pipeline token cached again for the next check.
		if err := job1.Put(t.Context(), pipeKey, pipe); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(strings.Join(tc.notes.all(), "\n"), "dropped 1 pipeline token(s) of another CI job") {
		t.Errorf("no notice of the dropped token: %q", tc.notes.all())
	}
	// The job's name reaches the disk only keyed, as entry names do.
	ents, _ := os.ReadDir(tc.dir)
	for _, de := range ents {
		if strings.Contains(de.Name(), "run-1") {
			t.Errorf("a file names the job: %s", de.Name())
		}
	}
	data, _ := os.ReadFile(job1.path(pipeKey, entryExt))
	if strings.Contains(string(data), "run-1") {
		t.Error("the entry names the job in the clear")
	}
}
