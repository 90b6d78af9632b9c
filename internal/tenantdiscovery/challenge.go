package tenantdiscovery

import "strings"

// Challenge is one authentication challenge of a WWW-Authenticate value
// (RFC 9110 section 11.6.1): a scheme and its parameters, names in lower
// case.
type Challenge struct {
	Scheme string
	Params map[string]string
}

// ParseChallenges splits one WWW-Authenticate value into its challenges.
// A value may list several ("Bearer authorization_uri=..., Basic
// realm=..."), and parameter values may be quoted strings holding commas.
// Malformed parts end the parse; what was read before them is returned.
func ParseChallenges(v string) []Challenge {
	var out []Challenge
	s := v
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		scheme, rest := token(s)
		if scheme == "" {
			return out
		}
		c := Challenge{Scheme: scheme, Params: map[string]string{}}
		s = rest
		// Parameters follow the scheme after a space, separated by commas,
		// until a token not followed by '=' starts the next challenge.
		for {
			t := strings.TrimLeft(s, " \t,")
			name, after := token(t)
			after = strings.TrimLeft(after, " \t")
			if name == "" || !strings.HasPrefix(after, "=") {
				s = t
				break
			}
			after = strings.TrimLeft(after[1:], " \t")
			var val string
			var ok bool
			if strings.HasPrefix(after, `"`) {
				val, after, ok = quoted(after)
				if !ok {
					return append(out, c)
				}
			} else {
				val, after = token68(after)
			}
			c.Params[strings.ToLower(name)] = val
			s = after
		}
		out = append(out, c)
	}
}

// token reads an RFC 9110 token.
func token(s string) (string, string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// token68 reads an unquoted parameter value: up to a comma or white space.
// URLs (authorization_uri) are sent unquoted and hold ':' and '/'.
func token68(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return s[:i], s[i:]
}

// quoted reads a quoted string with backslash escapes.
func quoted(s string) (string, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
