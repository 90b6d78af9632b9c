package iostreams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadTerminalLine reads one line that a person pastes at a terminal,
// up to max bytes, and returns without its end.
//
// A terminal in canonical mode keeps a line to 1024 bytes on macOS (4096
// on Linux) and drops the rest, or waits: an Entra token is 1.5-3 KB.
// So on Linux and macOS the terminal leaves canonical mode while the line
// is read (the line is collected here, with Backspace handled), and its
// settings are restored after, also when ctx ends first (Ctrl+C). Echo
// is off meanwhile: what is pasted is a token, and stays out of the
// terminal's scrollback. Elsewhere, and when stdin is not a terminal
// file, the line is read as it comes.
func (s *IOStreams) ReadTerminalLine(ctx context.Context, max int) ([]byte, error) {
	f, ok := s.In.(*os.File)
	if !ok || !s.stdinTTY {
		return readLine(s.In, max)
	}
	restore, err := nonCanonical(f)
	if err != nil {
		// Not a terminal we can switch: canonical mode it is.
		return readLine(f, max)
	}
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLine(f, max)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		restore()
		// Enter was not echoed either.
		fmt.Fprintln(s.ErrOut)
		return r.line, r.err
	case <-ctx.Done():
		// The read goes on in its goroutine until the process exits.
		restore()
		return nil, ctx.Err()
	}
}

// readLine reads r up to the first line end (\n, \r, or Ctrl-D, which a
// terminal out of canonical mode passes on as a byte) or EOF, and
// returns the line without it. Backspace and Delete remove the byte
// before them, as canonical mode would. It stops after max bytes: the
// caller tells too much from enough by the length.
func readLine(r io.Reader, max int) ([]byte, error) {
	var line []byte
	var b [1]byte
	for len(line) < max {
		n, err := r.Read(b[:])
		if n == 1 {
			switch c := b[0]; c {
			case '\n', '\r', 0x04:
				return line, nil
			case 0x7f, 0x08:
				if len(line) > 0 {
					line = line[:len(line)-1]
				}
			default:
				line = append(line, c)
			}
		}
		if errors.Is(err, io.EOF) {
			return line, nil
		}
		if err != nil {
			return line, err
		}
	}
	return line, nil
}
