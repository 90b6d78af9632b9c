package chain

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSource answers after a delay with a token or an error, and counts
// how often it was asked and whether it was cancelled.
type fakeSource struct {
	name      string
	delay     time.Duration
	err       error
	calls     atomic.Int32
	cancelled atomic.Bool
}

func (f *fakeSource) Name() string { return f.name }

func (f *fakeSource) GetToken(ctx context.Context, _ Request) (Token, error) {
	f.calls.Add(1)
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		f.cancelled.Store(true)
		return Token{}, ctx.Err()
	}
	if f.err != nil {
		return Token{}, f.err
	}
	return Token{AccessToken: "token-from-" + f.name, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func unavailable() error { return Unavailable("", "not configured") }

func TestChainSkipOrStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sources    []*fakeSource
		wantToken  string
		wantStatus Status
		wantCalls  []int32
	}{
		{"first answers", []*fakeSource{{name: "a"}, {name: "b"}}, "token-from-a", StatusOK, []int32{1, 0}},
		{"unavailable is skipped", []*fakeSource{{name: "a", err: unavailable()}, {name: "b"}}, "token-from-b", StatusOK, []int32{1, 1}},
		{"own timeout is skipped", []*fakeSource{{name: "a", err: TimedOut("", "timed out after 10s")}, {name: "b"}}, "token-from-b", StatusOK, []int32{1, 1}},
		{"failure stops", []*fakeSource{{name: "a", err: Failed(nil, "", "AADSTS7000215")}, {name: "b"}}, "", StatusFailed, []int32{1, 0}},
		{"all unavailable", []*fakeSource{{name: "a", err: unavailable()}, {name: "b", err: unavailable()}}, "", StatusUnavailable, []int32{1, 1}},
		{"unavailable and timed out", []*fakeSource{{name: "a", err: unavailable()}, {name: "b", err: TimedOut("", "x")}}, "", StatusTimedOut, []int32{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srcs []Source
			for _, s := range tt.sources {
				srcs = append(srcs, s)
			}
			c := &Chain{Sources: srcs}
			tok, res, err := c.GetToken(context.Background(), Request{})
			if tok.AccessToken != tt.wantToken {
				t.Errorf("token = %q, want %q", tok.AccessToken, tt.wantToken)
			}
			var ce *NoTokenError
			switch {
			case tt.wantStatus == StatusOK && err != nil:
				t.Fatalf("GetToken() error = %v", err)
			case tt.wantStatus != StatusOK && (!errors.As(err, &ce) || ce.Status != tt.wantStatus):
				t.Fatalf("GetToken() error = %v, want a NoTokenError with status %v", err, tt.wantStatus)
			}
			for i, s := range tt.sources {
				if got := s.calls.Load(); got != tt.wantCalls[i] {
					t.Errorf("source %s called %d times, want %d", s.name, got, tt.wantCalls[i])
				}
			}
			if len(res.Outcomes) != len(tt.sources) {
				t.Fatalf("%d outcomes for %d sources", len(res.Outcomes), len(tt.sources))
			}
		})
	}
}

func TestChainDeadlineIsTimedOut(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c := &Chain{Sources: []Source{&fakeSource{name: "slow", delay: time.Hour}, &fakeSource{name: "b"}}}
	_, res, err := c.GetToken(ctx, Request{})
	var ce *NoTokenError
	if !errors.As(err, &ce) || ce.Status != StatusTimedOut {
		t.Fatalf("error = %v, want timed out", err)
	}
	if res.Outcomes[0].Status != StatusTimedOut || res.Outcomes[1].Status != StatusNotTried {
		t.Fatalf("outcomes = %+v", res.Outcomes)
	}
}

// Hedging overlaps a slow earlier source with later ones but must return
// exactly what the order gives.
func TestChainHedgeKeepsOrder(t *testing.T) {
	t.Parallel()
	t.Run("earlier source answers late: later token is not used, later source cancelled", func(t *testing.T) {
		t.Parallel()
		a := &fakeSource{name: "a", delay: 150 * time.Millisecond}
		b := &fakeSource{name: "b", delay: time.Hour}
		c := &Chain{Sources: []Source{a, b}, Hedge: 10 * time.Millisecond}
		tok, _, err := c.GetToken(context.Background(), Request{})
		if err != nil || tok.AccessToken != "token-from-a" {
			t.Fatalf("got %q, %v; want a's token", tok.AccessToken, err)
		}
		if b.calls.Load() != 1 || !b.cancelled.Load() {
			t.Fatalf("b: calls=%d cancelled=%v; want started speculatively and cancelled", b.calls.Load(), b.cancelled.Load())
		}
	})
	t.Run("earlier source fails late: the chain stops even though a later one answered", func(t *testing.T) {
		t.Parallel()
		a := &fakeSource{name: "a", delay: 100 * time.Millisecond, err: Failed(nil, "", "boom")}
		b := &fakeSource{name: "b"}
		c := &Chain{Sources: []Source{a, b}, Hedge: 10 * time.Millisecond}
		_, _, err := c.GetToken(context.Background(), Request{})
		var ce *NoTokenError
		if !errors.As(err, &ce) || ce.Status != StatusFailed {
			t.Fatalf("error = %v, want failed", err)
		}
	})
	t.Run("earlier source unavailable late: the later token is used", func(t *testing.T) {
		t.Parallel()
		a := &fakeSource{name: "a", delay: 100 * time.Millisecond, err: unavailable()}
		b := &fakeSource{name: "b", delay: 100 * time.Millisecond}
		c := &Chain{Sources: []Source{a, b}, Hedge: 10 * time.Millisecond}
		start := time.Now()
		tok, _, err := c.GetToken(context.Background(), Request{})
		if err != nil || tok.AccessToken != "token-from-b" {
			t.Fatalf("got %q, %v; want b's token", tok.AccessToken, err)
		}
		// Not a timing target, only a check that the two overlapped at all:
		// run back to back they take 200ms at the very least.
		if el := time.Since(start); el >= 200*time.Millisecond {
			t.Logf("sources did not overlap (took %v); machine may be loaded", el)
		}
	})
}

func TestTryEmptyTokenIsFailure(t *testing.T) {
	t.Parallel()
	o := Try(context.Background(), emptySource{}, Request{})
	if o.Status != StatusFailed {
		t.Fatalf("status = %v, want failed", o.Status)
	}
}

type emptySource struct{}

func (emptySource) Name() string { return "empty" }
func (emptySource) GetToken(context.Context, Request) (Token, error) {
	return Token{}, nil
}

func TestTryExpiredTokenIsFailure(t *testing.T) {
	t.Parallel()
	o := Try(context.Background(), expiredSource{}, Request{})
	if o.Status != StatusFailed || !strings.Contains(o.Reason, "already expired") {
		t.Fatalf("outcome = %+v, want failed: already expired", o)
	}
}

type expiredSource struct{}

func (expiredSource) Name() string { return "expired" }
func (expiredSource) GetToken(context.Context, Request) (Token, error) {
	return Token{AccessToken: "x", ExpiresOn: time.Now().Add(-time.Hour)}, nil
}

// A token whose own exp claim has passed is dead whatever the response's
// expiry fields say.
func TestTryExpiredJWTIsFailure(t *testing.T) {
	t.Parallel()
	o := Try(context.Background(), deadJWTSource{}, Request{})
	if o.Status != StatusFailed || !strings.Contains(o.Reason, "already expired") {
		t.Fatalf("outcome = %+v, want failed: already expired", o)
	}
}

type deadJWTSource struct{}

func (deadJWTSource) Name() string { return "dead-jwt" }
func (deadJWTSource) GetToken(context.Context, Request) (Token, error) {
	// {"alg":"none"} . {"exp":1000000000} (2001) . signature
	return Token{AccessToken: "eyJhbGciOiJub25lIn0.eyJleHAiOjEwMDAwMDAwMDB9.c2ln", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// What a source quotes from outside reaches a terminal through the
// outcome: its escape sequences and control characters are stripped there,
// once, for get's report, -v, probe and serve alike (issue 16.7).
func TestTryStripsControlCharacters(t *testing.T) {
	s := &fakeSource{name: "x", err: Failed(nil, "check \x1b]0;title\x07the id", "refused: \x1b[2Jcleared\nsecond line\u202e")}
	o := Try(context.Background(), s, Request{})
	if o.Reason != "refused: cleared second line" {
		t.Errorf("reason = %q", o.Reason)
	}
	if o.Hint != "check the id" {
		t.Errorf("hint = %q", o.Hint)
	}
}

// A token whose exp claim comes before the answer's expiry is stored and
// reported with its exp (issue 16.2): no cache, -o json or --min-validity
// may count on time the token does not have. A refresh time past it goes.
func TestTryKeepsTheEarlierExpiry(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(20 * time.Minute).Truncate(time.Second)
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d}`, exp.Unix())))
	jwt := "eyJhbGciOiJub25lIn0." + payload + ".c2ln"
	for name, tc := range map[string]struct {
		tok               Token
		wantExp, wantRefr time.Time
	}{
		"answer later":   {Token{AccessToken: jwt, ExpiresOn: exp.Add(2 * time.Hour), RefreshOn: exp.Add(time.Hour)}, exp, time.Time{}},
		"refresh kept":   {Token{AccessToken: jwt, ExpiresOn: exp.Add(2 * time.Hour), RefreshOn: exp.Add(-time.Minute)}, exp, exp.Add(-time.Minute)},
		"answer earlier": {Token{AccessToken: jwt, ExpiresOn: exp.Add(-time.Minute)}, exp.Add(-time.Minute), time.Time{}},
		"no answer":      {Token{AccessToken: jwt}, exp, time.Time{}},
		"opaque token":   {Token{AccessToken: "opaque", ExpiresOn: exp.Add(time.Hour)}, exp.Add(time.Hour), time.Time{}},
	} {
		o := Try(context.Background(), tokenSource{tc.tok}, Request{})
		if o.Status != StatusOK || !o.Token.ExpiresOn.Equal(tc.wantExp) || !o.Token.RefreshOn.Equal(tc.wantRefr) {
			t.Errorf("%s: outcome %v, expires %v refresh %v; want %v and %v", name, o.Status, o.Token.ExpiresOn, o.Token.RefreshOn, tc.wantExp, tc.wantRefr)
		}
	}
}

type tokenSource struct{ tok Token }

func (tokenSource) Name() string                                       { return "token" }
func (s tokenSource) GetToken(context.Context, Request) (Token, error) { return s.tok, nil }

// A source stuck where its context does not reach (a blocking read, say)
// still ends when the command's time does: Try gives up on it shortly
// after the deadline, and the chain reports a timeout (issue 16.3).
func TestDeadlineHoldsWhenASourceBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	stuck := blockingSource{release}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	var o Outcome
	var err error
	go func() {
		defer close(done)
		o = Try(ctx, stuck, Request{})
		_, _, err = (&Chain{Sources: []Source{stuck}}).GetToken(ctx, Request{})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Try waited for a source that never returns")
	}
	if o.Status != StatusTimedOut || !strings.Contains(o.Reason, "blocked") {
		t.Errorf("Try: %+v, want timed out: blocked", o)
	}
	var ce *NoTokenError
	if !errors.As(err, &ce) || ce.Status != StatusTimedOut {
		t.Errorf("chain: %v, want a timeout", err)
	}
}

type blockingSource struct{ release chan struct{} }

func (blockingSource) Name() string { return "stuck" }
func (s blockingSource) GetToken(context.Context, Request) (Token, error) {
	<-s.release // ignores its context, as a blocked system call would
	return Token{}, errors.New("released")
}

// A source still working when the deadline passes gets one hint, whether
// the chain ran it (get) or Try alone (probe), and never "exclude": a
// slow source that is configured is most likely the identity meant
// (issue 21.8). A source that said it timed out keeps its own hint.
func TestDeadlineHintIsOneForGetAndProbe(t *testing.T) {
	t.Parallel()
	for _, src := range []struct {
		s    Source
		want string
	}{
		{&fakeSource{name: "slow", delay: time.Hour}, "raise --timeout; 'aztoken probe -v --source slow' shows what it sent and how long each request took"},
		{&ownTimeout{}, "its own hint"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		_, res, _ := (&Chain{Sources: []Source{src.s}}).GetToken(ctx, Request{})
		cancel()
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
		probe := Try(ctx, src.s, Request{})
		cancel()
		for _, o := range []Outcome{res.Outcomes[0], probe} {
			if o.Status != StatusTimedOut || o.Hint != src.want {
				t.Errorf("%s: status %s, hint %q; want timed out, %q", o.Source, o.Status, o.Hint, src.want)
			}
		}
	}
}

// ownTimeout returns its own timeout when its context ends.
type ownTimeout struct{}

func (ownTimeout) Name() string { return "own" }

func (ownTimeout) GetToken(ctx context.Context, _ Request) (Token, error) {
	<-ctx.Done()
	return Token{}, TimedOut("its own hint", "the endpoint did not answer")
}

// Decide, which probe --strict uses on outcomes gathered at once, gives
// GetToken's verdict on the same sources (issue 21.4).
func TestDecideIsGetTokensVerdict(t *testing.T) {
	t.Parallel()
	ok := func(n string) Source { return &fakeSource{name: n} }
	failed := func(n string) Source { return &fakeSource{name: n, err: Failed(nil, "", "refused")} }
	absent := func(n string) Source { return &fakeSource{name: n, err: unavailable()} }
	hangs := func(n string) Source { return &fakeSource{name: n, delay: time.Hour} }
	ownTimeout := func(n string) Source { return &fakeSource{name: n, err: TimedOut("", "its own timeout")} }
	for _, sources := range [][]Source{
		{absent("a"), ok("b")},
		{failed("a"), ok("b")},
		{hangs("a"), failed("b")},
		{absent("a"), hangs("b"), ok("c")},
		{ownTimeout("a"), ok("b")},
		{ownTimeout("a"), absent("b")},
		{absent("a"), absent("b")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
		_, res, err := (&Chain{Sources: sources}).GetToken(ctx, Request{})
		cancel()
		want := StatusOK
		var ce *NoTokenError
		if errors.As(err, &ce) {
			want = ce.Status
		}
		ctx, cancel = context.WithTimeout(context.Background(), 40*time.Millisecond)
		outcomes := make([]Outcome, len(sources))
		for i, s := range sources {
			outcomes[i] = Try(ctx, s, Request{})
		}
		cancel()
		winner, stopper, got := Decide(outcomes)
		if got != want || winner != res.Winner {
			t.Errorf("%v: Decide = winner %d, stopper %d, %s; GetToken = winner %d, %s", names(sources), winner, stopper, got, res.Winner, want)
		}
	}
}

func names(ss []Source) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name())
	}
	return out
}

// OnStart runs once, before any source is asked.
func TestChainOnStartRunsBeforeTheFirstSource(t *testing.T) {
	first := &fakeSource{name: "first", err: unavailable()}
	second := &fakeSource{name: "second"}
	var started int
	var asked int32 = -1
	c := &Chain{Sources: []Source{first, second}, OnStart: func() {
		started++
		asked = first.calls.Load() + second.calls.Load()
	}}
	if _, _, err := c.GetToken(context.Background(), Request{Scopes: []string{"s/.default"}}); err != nil {
		t.Fatal(err)
	}
	if started != 1 || asked != 0 {
		t.Errorf("OnStart ran %d times, with %d sources already asked; want once, before any", started, asked)
	}
}
