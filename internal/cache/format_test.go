package cache

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixedSealer is a sealer with a constant key, for the parser's tests.
func fixedSealer(t testing.TB) *sealer {
	s, err := newSealer("aztoken-test:fixed", bytes.Repeat([]byte{7}, keySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncodeDecode(t *testing.T) {
	key := testKey("format")
	s := fixedSealer(t)
	e := testEntry(time.Unix(1_700_000_000, 0))
	e.Token.RefreshOn = time.Unix(1_700_001_000, 0)
	for _, sl := range []*sealer{nil, s} {
		data, err := encodeEntry(key, e, sl)
		if err != nil {
			t.Fatal(err)
		}
		got, h, err := decodeEntry(data, key, sl)
		if err != nil {
			t.Fatalf("decode(encode(e)) failed: %v", err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("round trip gave %+v, want %+v", got, e)
		}
		if (h.Enc == encAESGCM) != (sl != nil) {
			t.Errorf("header says %s", h.Enc)
		}
	}
	if _, err := newSealer("x", []byte("short")); err == nil {
		t.Error("newSealer took a short key")
	}
}

func FuzzDecodeEntry(f *testing.F) {
	key := testKey("fuzz")
	s := fixedSealer(f)
	e := testEntry(time.Unix(1_700_000_000, 0))
	plain, _ := encodeEntry(key, e, nil)
	sealed, _ := encodeEntry(key, e, s)
	f.Add(plain)
	f.Add(sealed)
	f.Add(plain[:len(plain)/2])
	f.Add(sealed[:len(sealed)-1])
	f.Add([]byte{})
	f.Add([]byte(magic + "1\n"))
	f.Add([]byte(magic + "1\n{}\n"))
	f.Add([]byte(magic + "2\n{}\n"))
	f.Add([]byte(magic + "1\n{\"key\":\"" + key + "\",\"expires_on\":1,\"enc\":\"none\"}\n{\"access_token\":\"SECRET\"}"))
	f.Add([]byte(magic + "1\n{\"key\":\"" + key + "\",\"expires_on\":1,\"enc\":\"aes-256-gcm\",\"key_id\":\"" + s.id + "\",\"nonce\":\"AAAA\"}\nxx"))
	f.Add([]byte("\x00\xff garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, sl := range []*sealer{nil, s} {
			got, _, err := decodeEntry(data, key, sl)
			if err != nil {
				if strings.Contains(err.Error(), "SECRET") {
					t.Fatalf("a decode error quotes the file: %v", err)
				}
				continue
			}
			again, err := encodeEntry(key, got, sl)
			if err != nil {
				t.Fatalf("cannot re-encode a decoded entry: %v", err)
			}
			back, _, err := decodeEntry(again, key, sl)
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("re-encoding changed the entry: %v\n%+v\n%+v", err, got, back)
			}
		}
	})
}
