package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/env"
)

// TestKeychainCommands pins the security tool's command lines: the key
// is never on argv, and the script security -i reads is one line.
func TestKeychainCommands(t *testing.T) {
	if got, want := strings.Join(keychainFindArgs(KeyDescription), " "), "find-generic-password -s aztoken:cache-key -a aztoken -w"; got != want {
		t.Errorf("find args = %q, want %q", got, want)
	}
	key := bytes.Repeat([]byte{0xab}, keySize)
	script, err := keychainAddScript(KeyDescription, key)
	want := "add-generic-password -U -s aztoken:cache-key -a aztoken -l aztoken-cache-key -w " + strings.Repeat("ab", keySize) + "\n"
	if err != nil || script != want {
		t.Errorf("add script = %q, %v; want %q", script, err, want)
	}
	for _, svc := range []string{"", "has space", `quote"`, "quote'", `back\slash`, "new\nline", "tab\t"} {
		if s, err := keychainAddScript(svc, key); err == nil {
			t.Errorf("keychainAddScript(%q) = %q, want an error", svc, s)
		}
	}
}

func TestParseKeychainKey(t *testing.T) {
	key := bytes.Repeat([]byte{0x01}, keySize)
	hexKey := strings.Repeat("01", keySize)
	for _, tt := range []struct {
		out   string
		found bool
	}{
		{hexKey + "\n", true},
		{hexKey, true},
		{strings.ToUpper(hexKey) + "\n", true},
		{"", false},
		{hexKey[:62] + "\n", false},
		{hexKey + "00\n", false},
		{strings.Repeat("zz", keySize), false},
		{"password123\n", false},
	} {
		got, found := parseKeychainKey([]byte(tt.out))
		if found != tt.found || (found && !bytes.Equal(got, key)) {
			t.Errorf("parseKeychainKey(%q) = %x, %v; want found %v", tt.out, got, found, tt.found)
		}
	}
}

// TestKeychainError: the exit codes a user meets over SSH or in CI say
// what is wrong and what to do; "not found" is not an error.
func TestKeychainError(t *testing.T) {
	for _, tt := range []struct {
		code   int
		stderr string
		want   string
	}{
		{44, "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n", "no such item"},
		{36, "security: SecKeychainItemCopyContent: User interaction is not allowed.\n", "locked"},
		{51, "", "refused"},
		{128, "", "refused"},
		{50, "", "no login Keychain"},
		{29, "security: SecKeychainItemCopyContent: User interaction is required, but is currently not allowed.\n", "cannot show the dialog"},
		{37, "security: SecKeychainCopyDefault: A default keychain could not be found.\n", "no default keychain"},
		{45, "security: SecKeychainItemCreateFromContent: The specified item already exists in the keychain.\n", "delete-generic-password -s aztoken:cache-key"},
		{1, "security: SecKeychainAddGenericPassword: Something odd.\n", "status 1: Something odd."},
		{2, "", "status 2: no message"},
	} {
		err := keychainError(tt.code, tt.stderr)
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("keychainError(%d) = %q, want it to say %q", tt.code, err, tt.want)
		}
		if mapped := tt.code != 1 && tt.code != 2; mapped && strings.Contains(err.Error(), "exited with status") {
			t.Errorf("keychainError(%d) = %q, a mapped code read as an unknown one", tt.code, err)
		}
		if (tt.code == 44) != errors.Is(err, errKeychainMissing) {
			t.Errorf("keychainError(%d) missing = %v", tt.code, errors.Is(err, errKeychainMissing))
		}
	}
}

// A refusal is remembered for keychainRefusalTTL, so that a user with no
// usable keychain does not run security four times per get; a cancelled
// run is not an answer; cache clear forgets it.
func TestKeychainRefusalMemo(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if err := recallKeychainRefusal(dir, now); err != nil {
		t.Fatalf("nothing remembered, yet recalled %v", err)
	}
	rememberKeychainRefusal(dir, fmt.Errorf("run: %w", context.Canceled))
	if err := recallKeychainRefusal(dir, now); err != nil {
		t.Fatalf("a cancelled run was remembered: %v", err)
	}
	rememberKeychainRefusal(dir, keychainError(37, ""))
	// After the write: where file times are as fine as the clock (Windows),
	// a time taken before it is earlier than the file's, a clock set back.
	now = time.Now()
	for _, tt := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"just now", now, true},
		{"within the hour", now.Add(keychainRefusalTTL - time.Minute), true},
		{"an hour later", now.Add(keychainRefusalTTL + time.Second), false},
		{"a clock set back", now.Add(-time.Hour), false},
	} {
		err := recallKeychainRefusal(dir, tt.at)
		if got := err != nil; got != tt.want {
			t.Errorf("%s: recalled %v, want remembered %v", tt.name, err, tt.want)
		}
		if err != nil && (!strings.Contains(err.Error(), "no default keychain") || !strings.Contains(err.Error(), "aztoken cache clear")) {
			t.Errorf("%s: %q does not say why, nor how to ask again", tt.name, err)
		}
	}
	c, err := Open(env.Map(map[string]string{"AZTOKEN_CACHE_DIR": dir, "AZTOKEN_CACHE_ENCRYPTION": "off"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clear(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, keychainRefusalFile)); !os.IsNotExist(err) {
		t.Errorf("cache clear kept the remembered refusal: %v", err)
	}
}

// explain's Describe reports an untrusted directory as Open does, and
// says how tokens would be kept without creating a key.
func TestDescribe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	got, mode, err := Describe(env.Map(map[string]string{"AZTOKEN_CACHE_DIR": dir, "AZTOKEN_CACHE_ENCRYPTION": "off"}))
	if err != nil || got != dir || mode.Name != ModePlain {
		t.Fatalf("Describe = %q, %v, %v; want %q in plain mode", got, mode, err, dir)
	}
	if runtime.GOOS == "windows" {
		return // symbolic links need privileges there
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Describe(env.Map(map[string]string{"AZTOKEN_CACHE_DIR": link})); !errors.Is(err, ErrUntrusted) {
		t.Errorf("Describe on a symbolic link = %v, want ErrUntrusted", err)
	}
}
