package cache

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

func TestServingRule(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	type tc struct {
		name        string
		expiresIn   time.Duration // from now
		age         time.Duration // how long ago it was created
		refreshIn   time.Duration // refresh_on from now; 0 = unknown
		minValidity time.Duration
		token       string
		fresh       bool
		usable      bool
	}
	tests := []tc{
		{name: "plenty left", expiresIn: time.Hour, age: 5 * time.Minute, minValidity: 5 * time.Minute, fresh: true, usable: true},
		{name: "less than min validity", expiresIn: 4 * time.Minute, age: time.Hour, minValidity: 5 * time.Minute},
		{name: "exactly min validity", expiresIn: 5 * time.Minute, age: time.Hour, minValidity: 5 * time.Minute},
		{name: "larger min validity", expiresIn: 6 * time.Minute, age: time.Hour, minValidity: 10 * time.Minute},
		{name: "zero min validity", expiresIn: time.Minute, age: time.Hour, minValidity: 0, fresh: true, usable: true},
		{name: "expired", expiresIn: -time.Minute, age: time.Hour, minValidity: 5 * time.Minute},
		{name: "expired, zero min validity", expiresIn: -time.Second, age: time.Hour},
		{name: "refresh_on passed", expiresIn: time.Hour, age: time.Hour, refreshIn: -time.Second, minValidity: 5 * time.Minute, usable: true},
		{name: "refresh_on now", expiresIn: time.Hour, age: time.Hour, refreshIn: 0, minValidity: 5 * time.Minute, usable: true},
		{name: "refresh_on ahead", expiresIn: time.Hour, age: time.Hour, refreshIn: time.Minute, minValidity: 5 * time.Minute, fresh: true, usable: true},
		{name: "refresh_on passed and nearly expired", expiresIn: 2 * time.Minute, age: time.Hour, refreshIn: -time.Minute, minValidity: 5 * time.Minute},
		{name: "24h token before half-life", expiresIn: 13 * time.Hour, age: 11 * time.Hour, minValidity: 5 * time.Minute, fresh: true, usable: true},
		{name: "24h token past half-life", expiresIn: 11 * time.Hour, age: 13 * time.Hour, minValidity: 5 * time.Minute, usable: true},
		{name: "24h token at half-life", expiresIn: 12 * time.Hour, age: 12 * time.Hour, minValidity: 5 * time.Minute, usable: true},
		{name: "3h token past half-life", expiresIn: 80 * time.Minute, age: 100 * time.Minute, minValidity: 5 * time.Minute, usable: true},
		{name: "2h token has no half-life", expiresIn: 20 * time.Minute, age: 100 * time.Minute, minValidity: 5 * time.Minute, fresh: true, usable: true},
		{name: "refresh_on beats half-life", expiresIn: 11 * time.Hour, age: 13 * time.Hour, refreshIn: time.Hour, minValidity: 5 * time.Minute, fresh: true, usable: true},
		{name: "empty token", expiresIn: time.Hour, age: time.Minute, minValidity: 5 * time.Minute, token: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry{
				Token:     chain.Token{AccessToken: "t", ExpiresOn: now.Add(tt.expiresIn)},
				CreatedAt: now.Add(-tt.age),
			}
			if tt.token == "-" {
				e.Token.AccessToken = ""
			}
			if tt.refreshIn != 0 || tt.name == "refresh_on now" {
				e.Token.RefreshOn = now.Add(tt.refreshIn)
			}
			fresh, usable := e.servable(now, tt.minValidity)
			if fresh != tt.fresh || usable != tt.usable {
				t.Errorf("servable = fresh %v, usable %v; want fresh %v, usable %v", fresh, usable, tt.fresh, tt.usable)
			}
		})
	}
}

// TestGetAndGetStale checks that the rule is what Get and GetStale apply
// to a stored entry.
func TestGetAndGetStale(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		start := time.Now().Truncate(time.Second)
		clock := start
		tc.now = func() time.Time { return clock }
		e := testEntry(start)
		e.Token.ExpiresOn = start.Add(24 * time.Hour) // half-life at 12 h
		key := testKey("get-stale")
		if err := tc.Put(t.Context(), key, e); err != nil {
			t.Fatal(err)
		}
		check := func(what string, wantGet, wantStale bool) {
			t.Helper()
			if _, ok := tc.Get(key, DefaultMinValidity); ok != wantGet {
				t.Errorf("%s: Get hit = %v, want %v", what, ok, wantGet)
			}
			if _, ok := tc.GetStale(key, DefaultMinValidity); ok != wantStale {
				t.Errorf("%s: GetStale hit = %v, want %v", what, ok, wantStale)
			}
		}
		check("new", true, true)
		clock = start.Add(13 * time.Hour)
		check("past half-life", false, true)
		clock = start.Add(24*time.Hour - 4*time.Minute)
		check("within min validity of expiry", false, false)
		if _, ok := tc.Get(testKey("absent"), 0); ok {
			t.Error("Get of an absent key hit")
		}
		if n := tc.notes.all(); len(n) != 0 {
			t.Errorf("unexpected notices: %q", n)
		}
	})
}

func TestRefreshAt(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e := Entry{Token: chain.Token{ExpiresOn: now.Add(4 * time.Hour)}, CreatedAt: now}
	if got, want := e.RefreshAt(), now.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("half-life RefreshAt = %v, want %v", got, want)
	}
	e.Token.RefreshOn = now.Add(time.Hour)
	if got := e.RefreshAt(); !got.Equal(e.Token.RefreshOn) {
		t.Errorf("RefreshAt = %v, want refresh_on %v", got, e.Token.RefreshOn)
	}
	short := Entry{Token: chain.Token{ExpiresOn: now.Add(time.Hour)}, CreatedAt: now}
	if got := short.RefreshAt(); !got.IsZero() {
		t.Errorf("1 h token RefreshAt = %v, want zero", got)
	}
}

// An entry is never served past its JWT's exp, whatever expiry was stored
// with it (entries written before the chain stored the earlier one, or by
// any other caller): --min-validity counts from the exp, and what is
// served and listed carries it (issue 16.2).
func TestServedNeverPastJWTExp(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
		payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"aud":"x","exp":%d}`, exp.Unix())))
		e := Entry{Token: chain.Token{AccessToken: "eyJhbGciOiJub25lIn0." + payload + ".c2ln", ExpiresOn: exp.Add(2 * time.Hour)}, Source: "azcli"}
		key := testKey("jwt-exp")
		if err := tc.Put(context.Background(), key, e); err != nil {
			t.Fatal(err)
		}
		got, ok := tc.Get(key, 5*time.Minute)
		if !ok || !got.Token.ExpiresOn.Equal(exp) {
			t.Fatalf("Get(5m) = %v, expires %v; want served with the JWT's exp %v", ok, got.Token.ExpiresOn, exp)
		}
		if _, ok := tc.Get(key, 15*time.Minute); ok {
			t.Error("Get(15m) served a token whose exp is 10 minutes away")
		}
		if _, ok := tc.GetStale(key, 15*time.Minute); ok {
			t.Error("GetStale(15m) served a token whose exp is 10 minutes away")
		}
		infos, err := tc.List()
		if err != nil || len(infos) != 1 || !infos[0].ExpiresOn.Equal(exp) {
			t.Errorf("List = %+v, %v; want the JWT's exp", infos, err)
		}
	})
}
