package cache

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/gofrs/flock"
)

// TestAcquireGoroutines: fifty callers, each with its own Cache on one
// directory as separate processes would have, reach the source once.
func TestAcquireGoroutines(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		key := testKey("goroutines")
		var fetches atomic.Int32
		fetch := func(ctx context.Context) (Entry, error) {
			fetches.Add(1)
			time.Sleep(50 * time.Millisecond) // long enough for the others to queue
			e := testEntry(time.Now())
			e.Token.Identity = "fetched"
			return e, nil
		}
		const n = 50
		caches := make([]*Cache, n)
		for i := range caches {
			caches[i] = tc.reopen(t)
		}
		start := make(chan struct{})
		var fromSource atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				e, fromCache, err := caches[i].Acquire(t.Context(), key, DefaultMinValidity, fetch)
				if err != nil || e.Token.Identity != "fetched" || e.Token.AccessToken != secret {
					t.Errorf("Acquire = %q, %v", e.Token.Identity, err)
				}
				if !fromCache {
					fromSource.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if fetches.Load() != 1 || fromSource.Load() != 1 {
			t.Errorf("%d fetches, %d answers not from the cache; want 1 and 1", fetches.Load(), fromSource.Load())
		}
		tc.checkNoSecret(t)
	})
}

func TestAcquireWaitEndsWithContext(t *testing.T) {
	tc := openTest(t, ModePlain)
	key := testKey("held")
	held, err := tc.lock(t.Context(), key+lockExt)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err = tc.Acquire(ctx, key, 0, func(context.Context) (Entry, error) {
		t.Error("fetched while another process held the lock")
		return Entry{}, errors.New("no")
	})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for another aztoken") {
		t.Errorf("Acquire = %v, want a deadline error that says what it waited for", err)
	}
}

func TestAcquireFetchFailure(t *testing.T) {
	tc := openTest(t, ModePlain)
	start := time.Now().Truncate(time.Second)
	clock := start
	tc.now = func() time.Time { return clock }
	key := testKey("stale")
	e := testEntry(start)
	e.Token.RefreshOn = start.Add(10 * time.Minute)
	if err := tc.Put(t.Context(), key, e); err != nil {
		t.Fatal(err)
	}
	clock = start.Add(20 * time.Minute) // past refresh, 40 min left
	boom := errors.New("the source failed")
	_, fromCache, err := tc.Acquire(t.Context(), key, DefaultMinValidity, func(context.Context) (Entry, error) {
		return Entry{}, boom
	})
	if !errors.Is(err, boom) || fromCache {
		t.Fatalf("Acquire = %v, fromCache %v; want the fetch error", err, fromCache)
	}
	if got, ok := tc.GetStale(key, DefaultMinValidity); !ok || got.Token.AccessToken != secret {
		t.Error("GetStale did not serve the still-valid token after a failed refresh")
	}
	if _, ok := tc.Get(key, DefaultMinValidity); ok {
		t.Error("Get served a token past its refresh time")
	}
	var nilCache *Cache
	got, fromCache, err := nilCache.Acquire(t.Context(), key, 0, func(context.Context) (Entry, error) { return e, nil })
	if err != nil || fromCache || got.Token.AccessToken != secret {
		t.Errorf("nil cache Acquire = %v, %v", fromCache, err)
	}
}

func TestAcquireRefusesBadKey(t *testing.T) {
	tc := openTest(t, ModePlain)
	_, _, err := tc.Acquire(t.Context(), "../../etc/passwd", 0, func(context.Context) (Entry, error) {
		t.Error("fetched with a bad key")
		return Entry{}, nil
	})
	if err == nil {
		t.Error("Acquire took a key not made by Key")
	}
}

// Variables the cross-process helper reads.
const (
	helperMarker  = "AZTOKEN_CACHE_TEST_HELPER"
	helperCounter = "AZTOKEN_CACHE_TEST_COUNTER"
	helperStart   = "AZTOKEN_CACHE_TEST_START"
	helperKeyDesc = "AZTOKEN_CACHE_TEST_KEYDESC"
)

// TestHelperProcess is one of the processes of TestAcquireAcrossProcesses.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperMarker) != "1" {
		t.Skip("helper process for TestAcquireAcrossProcesses")
	}
	err := helperMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helperMain() error {
	// Start together, once the parent has started every process: that can
	// take long on a loaded machine (and under Wine, where each start is
	// slow), and must not eat into the 20 s the acquisition has.
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, err := os.Stat(os.Getenv(helperStart)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("never told to start")
		}
		time.Sleep(2 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Open(env.OS(), Options{Notice: func(s string) { fmt.Fprintln(os.Stderr, s) }, keyDesc: os.Getenv(helperKeyDesc)})
	if err != nil {
		return err
	}
	e, fromCache, err := c.Acquire(ctx, testKey("processes"), DefaultMinValidity, func(ctx context.Context) (Entry, error) {
		if err := bumpCounter(os.Getenv(helperCounter)); err != nil {
			return Entry{}, err
		}
		time.Sleep(200 * time.Millisecond) // a slow source: the others must queue
		en := testEntry(time.Now())
		en.Token.Identity = fmt.Sprintf("pid %d", os.Getpid())
		return en, nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("fromCache=%v identity=%s mode=%s\n", fromCache, e.Token.Identity, c.Mode().Name)
	return nil
}

// bumpCounter adds one to the number in path, under a lock of its own.
func bumpCounter(path string) error {
	fl := flock.New(path + ".lock")
	if err := fl.Lock(); err != nil {
		return err
	}
	defer fl.Unlock()
	b, _ := os.ReadFile(path)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return os.WriteFile(path, []byte(strconv.Itoa(n+1)), 0o600)
}

// TestAcquireAcrossProcesses starts many copies of the test binary at once
// on an empty cache and checks that exactly one reached the source.
func TestAcquireAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the multi-process test in -short mode")
	}
	forModes(t, func(t *testing.T, mode string) {
		const n = 25
		tc := openTest(t, mode)
		work := t.TempDir()
		counter := filepath.Join(work, "fetches")
		startFile := filepath.Join(work, "start")
		environ := append(os.Environ(),
			helperMarker+"=1",
			helperCounter+"="+counter,
			helperStart+"="+startFile,
			helperKeyDesc+"="+tc.desc,
			"AZTOKEN_CACHE_DIR="+tc.dir,
		)
		if mode == ModePlain {
			environ = append(environ, "AZTOKEN_CACHE_ENCRYPTION=off")
		} else {
			environ = append(environ, "AZTOKEN_CACHE_ENCRYPTION=")
		}
		cmds := make([]*exec.Cmd, n)
		outs := make([]*bytes.Buffer, n)
		errs := make([]*bytes.Buffer, n)
		for i := range cmds {
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = environ
			outs[i], errs[i] = &bytes.Buffer{}, &bytes.Buffer{}
			cmd.Stdout, cmd.Stderr = outs[i], errs[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds[i] = cmd
		}
		if err := os.WriteFile(startFile, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		identities := map[string]int{}
		fromSource := 0
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("process %d: %v\n%s", i, err, errs[i])
				continue
			}
			if strings.Contains(errs[i].String(), "SECRET") || strings.Contains(outs[i].String(), "SECRET") {
				t.Errorf("process %d printed the token", i)
			}
			sc := bufio.NewScanner(outs[i])
			found := false
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "fromCache=") {
					continue
				}
				found = true
				var fromCache bool
				var identity, gotMode string
				fmt.Sscanf(strings.Replace(line, "identity=pid ", "identity=pid_", 1), "fromCache=%t identity=%s mode=%s", &fromCache, &identity, &gotMode)
				identities[identity]++
				if !fromCache {
					fromSource++
				}
				if gotMode != mode {
					t.Errorf("process %d ran in %s mode, want %s", i, gotMode, mode)
				}
			}
			if !found {
				t.Errorf("process %d said nothing: %s", i, outs[i])
			}
		}
		b, _ := os.ReadFile(counter)
		if got := strings.TrimSpace(string(b)); got != "1" || fromSource != 1 || len(identities) != 1 {
			t.Errorf("%d processes: source reached %s times, %d answers not from the cache, identities %v; want 1, 1 and one identity", n, got, fromSource, identities)
		}
	})
}
