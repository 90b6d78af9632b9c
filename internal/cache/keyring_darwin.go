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

// newKeyStore is the login Keychain on macOS (see keychain.go). ctx ends
// a run of security early (Ctrl+C); dir is the cache directory, where a
// refusal is remembered.
func newKeyStore(ctx context.Context, desc, dir string, e env.Env) keyStore {
	// The tool finds the user's login Keychain from HOME and the user.
	var environ []string
	for _, k := range []string{"HOME", "USER", "LOGNAME", "TMPDIR"} {
		if v := e.Get(k); v != "" {
			environ = append(environ, k+"="+v)
		}
	}
	return keychain{ctx: ctx, service: desc, dir: dir, environ: append(environ, "PATH=/usr/bin:/bin")}
}

type keychain struct {
	ctx     context.Context
	service string
	dir     string
	environ []string
}

func (keychain) name() string { return "the login Keychain" }

func (k keychain) where() string {
	return fmt.Sprintf("key %q in the login Keychain", k.service)
}

// notAsked is explain's mode: it runs nothing, so it does not ask.
func (k keychain) notAsked() Mode {
	if err := recallKeychainRefusal(k.dir, time.Now()); err != nil {
		return Mode{ModePlain, "the login Keychain is not usable: " + err.Error()}
	}
	return Mode{ModeKeyring, "AES-256-GCM, " + k.where() + " if the Keychain allows; explain does not run " + securityTool + " to ask"}
}

// run runs security once. Its own deadline is the runner's, so that a
// Keychain that does not answer is told apart from a cancelled command.
func (k keychain) run(args []string, stdin []byte) (runner.Result, error) {
	res, err := runner.Run(k.ctx, runner.Cmd{Name: securityTool, Args: args, Environ: k.environ, Timeout: keychainTimeout, Stdin: stdin, MaxOutput: 64 << 10})
	if err != nil && k.ctx.Err() != nil {
		return res, k.ctx.Err()
	}
	return res, err
}

// failed reads a run's error, and remembers a refusal.
func (k keychain) failed(res runner.Result, err error) error {
	var ee *runner.ExitError
	switch {
	case errors.As(err, &ee):
		err = keychainError(ee.Code, string(res.Stderr))
		if errors.Is(err, errKeychainMissing) {
			return err
		}
	case errors.Is(err, runner.ErrTimedOut):
		err = fmt.Errorf("the security tool did not answer within %s (is the login Keychain locked, with its unlock dialog waiting?)", runner.FormatDuration(keychainTimeout))
	}
	rememberKeychainRefusal(k.dir, err)
	return err
}

func (k keychain) find() ([]byte, bool, error) {
	if err := recallKeychainRefusal(k.dir, time.Now()); err != nil {
		return nil, false, err
	}
	res, err := k.run(keychainFindArgs(k.service), nil)
	if err != nil {
		if err = k.failed(res, err); errors.Is(err, errKeychainMissing) {
			return nil, false, nil
		}
		return nil, false, err
	}
	key, found := parseKeychainKey(res.Stdout)
	return key, found, nil
}

// create stores a new key and reads it back: security -i may not report
// a failed command in its exit status, and a key that cannot be read
// back is no key. Without a usable keychain every search says "not
// found", so that is where such a keychain is caught, and remembered.
func (k keychain) create() ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	script, err := keychainAddScript(k.service, key)
	if err != nil {
		return nil, err
	}
	if res, err := k.run([]string{"-i"}, []byte(script)); err != nil {
		return nil, k.failed(res, err)
	}
	got, found, err := k.find()
	if err != nil {
		return nil, err
	}
	if !found || string(got) != string(key) {
		err := errors.New("the login Keychain did not keep the new key (no usable keychain for this user?)")
		rememberKeychainRefusal(k.dir, err)
		return nil, err
	}
	return key, nil
}
