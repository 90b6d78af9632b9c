package runner

import (
	"bytes"
	"encoding/binary"
)

// procArgsEnv reads the initial environment out of a process's
// KERN_PROCARGS2 record (macOS's sysctl kern.procargs2.<pid>, what ps -E
// shows): a 32-bit argc in the machine's order (little-endian on every
// Mac), the executable's path, NUL padding, argc NUL-terminated
// arguments, then the environment, NUL-terminated strings up to an empty
// one. The kernel appends its own "apple" strings after that; they are
// not the environment and are left out. A record cut short gives what it
// holds. It is OS-neutral so that Linux tests read the same bytes a Mac
// gives.
func procArgsEnv(rec []byte) []string {
	if len(rec) < 4 {
		return nil
	}
	argc := int(binary.LittleEndian.Uint32(rec))
	rest := rec[4:]
	// The executable's path, then the padding.
	if i := bytes.IndexByte(rest, 0); i >= 0 {
		rest = bytes.TrimLeft(rest[i:], "\x00")
	} else {
		return nil
	}
	next := func() (string, bool) {
		if len(rest) == 0 {
			return "", false
		}
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			s := string(rest)
			rest = nil
			return s, true
		}
		s := string(rest[:i])
		rest = rest[i+1:]
		return s, true
	}
	for range argc {
		if _, ok := next(); !ok {
			return nil
		}
	}
	var env []string
	for {
		s, ok := next()
		if !ok || s == "" {
			return env
		}
		env = append(env, s)
	}
}
