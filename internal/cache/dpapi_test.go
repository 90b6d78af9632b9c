package cache

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestDPAPIKeyFile: the key file round-trips any blob, and anything that
// is not exactly a key file of ours is refused (and so replaced).
func TestDPAPIKeyFile(t *testing.T) {
	blob := append([]byte{1, 0, 0, 0, 0xd0, 0x8c, 0x9d, 0xdf}, bytes.Repeat([]byte{0x5a}, 200)...)
	good := encodeKeyFile(blob)
	if !bytes.HasPrefix(good, []byte("aztoken-cache-key dpapi 1\n")) || !bytes.HasSuffix(good, []byte("\n")) {
		t.Fatalf("key file = %q", good)
	}
	got, err := decodeKeyFile(good)
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("decodeKeyFile = %x, %v", got, err)
	}
	s := string(good)
	for name, data := range map[string]string{
		"empty":            "",
		"header only":      dpapiKeyHeader,
		"empty blob":       dpapiKeyHeader + "\n",
		"other version":    strings.Replace(s, "dpapi 1", "dpapi 2", 1),
		"no final newline": strings.TrimSuffix(s, "\n"),
		"CRLF":             strings.TrimSuffix(s, "\n") + "\r\n",
		"two lines":        s + "QUFB\n",
		"not base64":       dpapiKeyHeader + "not*base64\n",
		"loose padding":    dpapiKeyHeader + "QUFBQQ\n",
		"too large":        dpapiKeyHeader + strings.Repeat("QUFB", maxDPAPIFile/4) + "\n",
		"an entry":         "aztoken-cache 1\n{}",
	} {
		if b, err := decodeKeyFile([]byte(data)); !errors.Is(err, errKeyFile) {
			t.Errorf("%s: decodeKeyFile = %x, %v; want errKeyFile", name, b, err)
		}
	}
}
