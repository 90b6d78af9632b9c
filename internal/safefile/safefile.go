// Package safefile reads the small files aztoken is pointed at by users
// (certificates, federated tokens, serve's secret and emulator key) without
// letting the file decide how long that takes or how much memory it costs.
//
// A path can name anything: a FIFO, whose open blocks until a writer comes;
// /dev/zero, which never ends; a 2 GB file. Read opens without blocking,
// accepts only a regular file, and reads at most a limit, so a wrong path
// is an error in a moment rather than a hang or an exhausted machine.
//
// WriteAtomic is the other way: the files aztoken edits for other tools
// (docker's config.json, the kubeconfig) and its tenant memo are replaced
// whole or not at all.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxSize is the limit the callers use: a certificate chain, a federated
// token or a key is a few kilobytes; 1 MiB leaves room for any of them.
const MaxSize = 1 << 20

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file (a FIFO, a socket, a device such as /dev/zero, a directory).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file larger than the limit.
var ErrTooLarge = errors.New("file too large")

// Error is a file refused for what it is. Its message is the path and
// What, such as "/dev/zero is a character device, not a regular file".
type Error struct {
	Path string
	// What says what is wrong, as a predicate: "is larger than 1024 KiB".
	What string
	// Err is ErrNotRegular or ErrTooLarge.
	Err error
}

func (e *Error) Error() string { return e.Path + " " + e.What }
func (e *Error) Unwrap() error { return e.Err }

// Read returns the contents of the regular file at path, at most max
// bytes. Errors from opening the file wrap the os errors
// (os.ErrNotExist, os.ErrPermission); the others wrap ErrNotRegular or
// ErrTooLarge. Messages name the path, never the contents.
func Read(path string, max int64) ([]byte, error) {
	data, _, err := ReadMode(path, max)
	return data, err
}

// ReadMode is Read that also returns the file's mode, from the stat of
// the file it read: a caller that writes the file back with the same
// permissions needs no second stat of the path, which by then may name
// another file.
func ReadMode(path string, max int64) ([]byte, fs.FileMode, error) {
	f, fi, err := open(path, max)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	// One byte more than max tells a file that grew past it after the
	// size check from one of exactly max bytes.
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, 0, tooLarge(path, max)
	}
	return data, fi.Mode(), nil
}

// Open opens path for reading without blocking and checks that it is a
// regular file of at most max bytes. The caller closes the file.
func Open(path string, max int64) (*os.File, error) {
	f, _, err := open(path, max)
	return f, err
}

// open is Open, with what the open file's stat said.
func open(path string, max int64) (*os.File, fs.FileInfo, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, nil, &Error{Path: path, What: "is " + describeMode(fi.Mode()) + ", not a regular file", Err: ErrNotRegular}
	case fi.Size() > max:
		f.Close()
		return nil, nil, tooLarge(path, max)
	}
	return f, fi, nil
}

func tooLarge(path string, max int64) error {
	return &Error{Path: path, What: fmt.Sprintf("is larger than %d KiB", max>>10), Err: ErrTooLarge}
}

// describeMode names what a non-regular file is, for messages.
func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
