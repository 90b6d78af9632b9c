package cache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/runner"
)

// keychainTimeout bounds one run of the security tool. A locked Keychain
// in a desktop session may show an unlock dialog; waiting for a person is
// not what a token command should do, so it gives up and keeps plain
// files.
const keychainTimeout = 3 * time.Second

// securityTool is the only program the Keychain store runs.
const securityTool = "/usr/bin/security"

// newKeyStore is the login Keychain on macOS (see keychain.go).
func newKeyStore(desc, _ string, e env.Env) keyStore {
	// The tool finds the user's login Keychain from HOME and the user.
	var environ []string
	for _, k := range []string{"HOME", "USER", "LOGNAME", "TMPDIR"} {
		if v := e.Get(k); v != "" {
			environ = append(environ, k+"="+v)
		}
	}
	return keychain{service: desc, environ: append(environ, "PATH=/usr/bin:/bin")}
}

type keychain struct {
	service string
	environ []string
}

func (keychain) name() string { return "the login Keychain" }

func (k keychain) where() string {
	return fmt.Sprintf("key %q in the login Keychain", k.service)
}

func (k keychain) run(args []string, stdin []byte) (runner.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), keychainTimeout)
	defer cancel()
	return runner.Run(ctx, runner.Cmd{Name: securityTool, Args: args, Environ: k.environ, Timeout: keychainTimeout, Stdin: stdin, MaxOutput: 64 << 10})
}

func (k keychain) find() ([]byte, bool, error) {
	res, err := k.run(keychainFindArgs(k.service), nil)
	if err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) {
			err = keychainError(ee.Code, string(res.Stderr))
			if errors.Is(err, errKeychainMissing) {
				return nil, false, nil
			}
			return nil, false, err
		}
		if errors.Is(err, runner.ErrTimedOut) {
			return nil, false, fmt.Errorf("the security tool did not answer within %s (is the login Keychain locked?)", runner.FormatDuration(keychainTimeout))
		}
		return nil, false, err
	}
	key, found := parseKeychainKey(res.Stdout)
	return key, found, nil
}

// create stores a new key and reads it back: security -i may not report
// a failed command in its exit status, and a key that cannot be read
// back is no key.
func (k keychain) create() ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	script, err := keychainAddScript(k.service, key)
	if err != nil {
		return nil, err
	}
	res, err := k.run([]string{"-i"}, []byte(script))
	if err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) {
			return nil, keychainError(ee.Code, string(res.Stderr))
		}
		return nil, err
	}
	got, found, err := k.find()
	if err != nil {
		return nil, err
	}
	if !found || string(got) != string(key) {
		return nil, errors.New("the login Keychain did not keep the new key")
	}
	return key, nil
}
