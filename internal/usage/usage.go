// Package usage marks the errors a user makes on the command line or in
// the environment: an unknown flag or value, a malformed scope, a
// selection that leaves nothing to try. Any package may return one; the
// command line recognises them with errors.Is(err, usage.Err) and exits 2,
// so a script can tell "you called me wrong" from "Azure said no".
package usage

import (
	"errors"
	"fmt"
)

// Err is the sentinel every usage error matches with errors.Is.
var Err = errors.New("usage error")

// usageError is a message for the user that matches Err.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == Err }

// New returns a usage error whose text is msg, a sentence that says what
// was wrong and what to give instead.
func New(msg string) error { return &usageError{msg: msg} }

// Errorf is New with formatting.
func Errorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
