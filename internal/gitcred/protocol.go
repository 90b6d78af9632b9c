package gitcred

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Request is what git sends a helper: key=value lines up to a blank line
// or the end of input. Keys ending in [] hold lists; an empty value
// clears the list so far, as git's protocol says.
type Request struct {
	Attrs map[string]string
	Lists map[string][]string
}

// Limits on what is read: git's own line limit is 64 KiB (it refuses
// longer lines); a request is a few lines.
const (
	maxLine  = 64 << 10
	maxLines = 256
)

// ReadRequest reads one request from r.
func ReadRequest(r io.Reader) (Request, error) {
	req := Request{Attrs: map[string]string{}, Lists: map[string][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	for n := 0; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			break
		}
		if n >= maxLines {
			return req, fmt.Errorf("git sent more than %d lines; a credential request is a few", maxLines)
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || key == "" {
			return req, fmt.Errorf("git sent a line that is not key=value (%d bytes); run the helper only from git", len(line))
		}
		if name, isList := strings.CutSuffix(key, "[]"); isList {
			if val == "" {
				delete(req.Lists, name)
			} else {
				req.Lists[name] = append(req.Lists[name], val)
			}
			continue
		}
		req.Attrs[key] = val
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return req, fmt.Errorf("git sent a line longer than %d KiB", maxLine>>10)
		}
		return req, fmt.Errorf("reading git's request failed: %w", err)
	}
	return req, nil
}

// Has reports whether list holds value (capability[]=authtype).
func (r Request) Has(list, value string) bool {
	for _, v := range r.Lists[list] {
		if v == value {
			return true
		}
	}
	return false
}

// Answer is what the helper tells git.
type Answer struct {
	// Username is sent with the password; Azure Repos reads only the
	// password, but git needs both.
	Username string
	Token    string
	Expires  time.Time
	// Bearer sends the token as "Authorization: Bearer" (git 2.46 and
	// later, when git offered capability[]=authtype) rather than as a
	// Basic password; ephemeral, so git offers it to no helper to store.
	Bearer bool
}

// Write writes a in git's format. A value holding a newline or NUL would
// let it add lines of its own, so such an answer is refused.
func (a Answer) Write(w io.Writer) error {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	for _, v := range []string{a.Username, a.Token} {
		if strings.ContainsAny(v, "\n\r\x00") {
			return errors.New("the answer holds a line break or NUL, which git's protocol cannot carry")
		}
	}
	if a.Bearer {
		add("capability[]", "authtype")
		add("authtype", "Bearer")
		add("credential", a.Token)
		add("ephemeral", "true")
	} else {
		add("username", a.Username)
		add("password", a.Token)
	}
	if !a.Expires.IsZero() {
		// git 2.41 and later drop a password past this time instead of
		// using it; older versions ignore the line.
		add("password_expiry_utc", strconv.FormatInt(a.Expires.Unix(), 10))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
