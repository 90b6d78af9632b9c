// Package env is the one place aztoken reads its process environment.
//
// The environment is read once, into an Env, and passed down. Sources never
// call os.Getenv themselves, so each test can give each case its own
// environment and run in parallel.
package env

import (
	"os"
	"sort"
	"strings"
)

// Env looks a variable up, reporting whether it is set at all; a variable set
// to the empty string is set but empty.
type Env func(key string) (value string, ok bool)

// OS is the process environment.
func OS() Env { return os.LookupEnv }

// Map is an environment made of the given variables and nothing else.
func Map(vars map[string]string) Env {
	return func(key string) (string, bool) {
		v, ok := vars[key]
		return v, ok
	}
}

// FromList is an environment made of KEY=VALUE entries, as os.Environ gives them.
func FromList(list []string) Env {
	m := make(map[string]string, len(list))
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return Map(m)
}

// Get returns the value of key, or "" when it is unset or empty. Most Azure
// variables treat empty as unset, so this is the usual way to read one.
func (e Env) Get(key string) string {
	if e == nil {
		return ""
	}
	v, _ := e(key)
	return v
}

// Lookup is the raw lookup, for the few rules where set-but-empty matters.
func (e Env) Lookup(key string) (string, bool) {
	if e == nil {
		return "", false
	}
	return e(key)
}

// With returns an environment where the given variables override e.
func (e Env) With(vars map[string]string) Env {
	return func(key string) (string, bool) {
		if v, ok := vars[key]; ok {
			return v, true
		}
		return e.Lookup(key)
	}
}

// Keys returns, sorted, the names among candidates that are set in e.
func (e Env) Keys(candidates ...string) []string {
	var out []string
	for _, k := range candidates {
		if _, ok := e.Lookup(k); ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
