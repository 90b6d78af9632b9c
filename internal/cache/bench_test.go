package cache

import (
	"testing"
	"time"
)

// BenchmarkGetHit is the cost of serving a token from the cache in a
// running process: one file read and a decode (and a decryption).
func BenchmarkGetHit(b *testing.B) {
	for _, mode := range []string{ModePlain, ModeKeyring} {
		b.Run(mode, func(b *testing.B) {
			tc := openTest(b, mode)
			key := testKey("bench")
			if err := tc.Put(b.Context(), key, testEntry(time.Now())); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := tc.Get(key, DefaultMinValidity); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}

// BenchmarkOpenGetHit is what a fresh `aztoken get` pays on a hit: Open
// (directory check, keyring lookup) and Get.
func BenchmarkOpenGetHit(b *testing.B) {
	for _, mode := range []string{ModePlain, ModeKeyring} {
		b.Run(mode, func(b *testing.B) {
			tc := openTest(b, mode)
			key := testKey("bench")
			if err := tc.Put(b.Context(), key, testEntry(time.Now())); err != nil {
				b.Fatal(err)
			}
			e := testEnv(tc.dir, mode)
			b.ReportAllocs()
			for b.Loop() {
				c, err := Open(e, Options{keyDesc: tc.desc})
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := c.Get(key, DefaultMinValidity); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}
