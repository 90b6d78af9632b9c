package cache

import (
	"bytes"
	"errors"
	"strings"
	"testing"
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
		{1, "security: SecKeychainAddGenericPassword: Something odd.\n", "status 1: Something odd."},
		{2, "", "status 2: no message"},
	} {
		err := keychainError(tt.code, tt.stderr)
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("keychainError(%d) = %q, want it to say %q", tt.code, err, tt.want)
		}
		if (tt.code == 44) != errors.Is(err, errKeychainMissing) {
			t.Errorf("keychainError(%d) missing = %v", tt.code, errors.Is(err, errKeychainMissing))
		}
	}
}
