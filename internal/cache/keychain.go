package cache

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/safefile"
)

// The macOS login Keychain is reached through /usr/bin/security, the
// command-line tool that ships with macOS, rather than the Security
// framework: calling the framework from Go needs cgo (keybase/go-keychain)
// and aztoken is built with CGO_ENABLED=0 so one binary runs everywhere.
// Going through the tool also means the item's access list names
// /usr/bin/security, so later reads never raise a "wants to use your
// keychain" dialog. zalando/go-keyring does the same; it is not used
// because aztoken needs only two commands and to tell "locked" from "not
// found" from "refused", which its errors do not.
//
// This file holds the pure part, table-tested on every platform: the
// command lines, the script fed to `security -i`, and the reading of
// exit codes. keyring_darwin.go runs them.

const (
	// keychainAccount is the item's account; the service is the key's
	// description (KeyDescription), as in the Linux keyring.
	keychainAccount = "aztoken"
	keychainLabel   = "aztoken-cache-key"
)

// keychainFindArgs reads the key: the password alone is printed (-w).
func keychainFindArgs(service string) []string {
	return []string{"find-generic-password", "-s", service, "-a", keychainAccount, "-w"}
}

// keychainAddScript is what `security -i` reads on stdin to store the key.
// The key goes on stdin, never on argv, where every user could see it
// with ps. -U replaces an item that is there. security -i splits its lines
// on spaces and reads quotes, so every word is checked to need neither.
func keychainAddScript(service string, key []byte) (string, error) {
	words := []string{"add-generic-password", "-U", "-s", service, "-a", keychainAccount, "-l", keychainLabel, "-w", hex.EncodeToString(key)}
	for _, w := range words {
		if w == "" || strings.ContainsFunc(w, func(r rune) bool { return r <= ' ' || r == '"' || r == '\'' || r == '\\' || r == 0x7f }) {
			return "", fmt.Errorf("cannot pass %q to security -i", w)
		}
	}
	return strings.Join(words, " ") + "\n", nil
}

// parseKeychainKey reads find-generic-password -w's output. found is
// false for anything that is not a key of ours, so that it is replaced.
func parseKeychainKey(out []byte) (key []byte, found bool) {
	s := strings.TrimSpace(string(out))
	if len(s) != 2*keySize {
		return nil, false
	}
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return key, true
}

// errKeychainMissing is find's "no such item", which is not a failure.
var errKeychainMissing = errors.New("no such item in the Keychain")

// keychainError reads the security tool's exit code: it exits with the
// low byte of the Security framework's OSStatus (SecBase.h). stderr is
// the tool's own (it never holds the key).
func keychainError(code int, stderr string) error {
	msg := strings.TrimSpace(stderr)
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	switch code {
	case 44: // errSecItemNotFound (-25300); also every failed search
		return errKeychainMissing
	case 36: // errSecInteractionNotAllowed (-25308)
		return errors.New("the login Keychain is locked and cannot ask to be unlocked here (an SSH session or CI); run `security unlock-keychain` to use it")
	case 29: // errSecInteractionRequired (-25315)
		return errors.New("the login Keychain needs a person to unlock it, and this session cannot show the dialog (SSH, CI or a launchd job); run `security unlock-keychain` to use it")
	case 51, 128: // errSecAuthFailed (-25293); 128: errSecUserCanceled (-128), a dialog was cancelled
		return errors.New("the login Keychain refused access (a dialog was cancelled or the password was wrong)")
	case 50: // errSecNoSuchKeychain (-25294)
		return errors.New("there is no login Keychain for this user (a CI account or a system user?)")
	case 37: // errSecNoDefaultKeychain (-25307)
		return errors.New("this user has no default keychain (a CI account, a system user, or a launchd job outside the login session); create one with `security create-keychain` and make it the default with `security default-keychain -s`")
	case 45: // errSecDuplicateItem (-25299)
		return fmt.Errorf("an item named %q is in the Keychain that security could not replace; delete it (security delete-generic-password -s %s) and aztoken creates a new one", KeyDescription, KeyDescription)
	}
	if msg == "" {
		msg = "no message"
	}
	return fmt.Errorf("security exited with status %d: %s", code, msg)
}

// A keychain that refused once refuses again: with no usable keychain
// (CI accounts, launchd jobs) every find reports "not found", so each get
// would run security four times (find, find under the lock, add, read
// back) and then keep plain files anyway. The refusal is remembered in
// the cache directory for keychainRefusalTTL, during which plain files
// are kept without asking; `aztoken cache clear` forgets it.
const (
	keychainRefusalFile = "keychain-refused"
	keychainRefusalTTL  = time.Hour
)

// recallKeychainRefusal returns the refusal remembered in dir if it is
// younger than keychainRefusalTTL at now, else nil.
func recallKeychainRefusal(dir string, now time.Time) error {
	p := filepath.Join(dir, keychainRefusalFile)
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	age := now.Sub(fi.ModTime())
	if age < 0 || age >= keychainRefusalTTL {
		return nil
	}
	why, err := safefile.Read(p, 4<<10)
	if err != nil {
		return nil
	}
	return fmt.Errorf("%s (remembered from %s ago; asked again after %s, or at once after aztoken cache clear)",
		strings.TrimSpace(string(why)), age.Round(time.Second), runner.FormatDuration(keychainRefusalTTL))
}

// rememberKeychainRefusal records err as the Keychain's answer. A
// cancelled run (Ctrl+C) is no answer and is not remembered.
func rememberKeychainRefusal(dir string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	_ = os.WriteFile(filepath.Join(dir, keychainRefusalFile), []byte(err.Error()+"\n"), 0o600)
}
