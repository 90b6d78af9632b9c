// Package env is how aztoken's own code reads its process environment.
//
// The environment is read once, by cli.Main, into an Env, and passed down.
// Sources, the cache, serve and httpx's guard (httpx.Configure) never call
// os.Getenv themselves, so each test can give each case its own
// environment and run in parallel. The same Env answers lookups and gives
// the developer tools' child processes their whole environment, so what a
// source reads and what az is run with can never disagree.
//
// What reads the process environment besides, on its own: Go's HTTP proxy
// settings (http.ProxyFromEnvironment) and system roots (SSL_CERT_FILE,
// which httpx's test roots also read on Windows and macOS); MSAL's managed
// identity, which managed identity checks against its Env
// (checkMSALAgrees); serve's --secret-env when Options.LookupEnv is not
// given; Windows' SystemRoot for serve's hosts file.
package env

import (
	"os"
	"sort"
	"strings"
)

// Env is an environment: variables to look up, and the same variables as
// KEY=VALUE entries for a child process. The zero Env is empty (not the
// process environment).
type Env struct {
	lookup  func(key string) (string, bool)
	environ func() []string
}

// OS is the process environment, read live.
func OS() Env { return Env{lookup: os.LookupEnv, environ: os.Environ} }

// Map is an environment made of the given variables and nothing else.
func Map(vars map[string]string) Env {
	return Env{
		lookup: func(key string) (string, bool) {
			v, ok := vars[key]
			return v, ok
		},
		environ: func() []string { return entries(vars) },
	}
}

// FromList is an environment made of KEY=VALUE entries, as os.Environ gives
// them. A child process gets the entries as given, in their order.
func FromList(list []string) Env {
	m := make(map[string]string, len(list))
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	list = append([]string(nil), list...)
	return Env{
		lookup: func(key string) (string, bool) {
			v, ok := m[key]
			return v, ok
		},
		environ: func() []string { return list },
	}
}

// Get returns the value of key, or "" when it is unset or empty. Most Azure
// variables treat empty as unset, so this is the usual way to read one.
func (e Env) Get(key string) string {
	v, _ := e.Lookup(key)
	return v
}

// Lookup is the raw lookup, for the few rules where set-but-empty matters.
func (e Env) Lookup(key string) (string, bool) {
	if e.lookup == nil {
		return "", false
	}
	return e.lookup(key)
}

// Environ returns the variables as KEY=VALUE entries, a new slice the caller
// may append to: the environment of a child process.
func (e Env) Environ() []string {
	if e.environ == nil {
		return nil
	}
	return append([]string(nil), e.environ()...)
}

// With returns an environment where the given variables override e.
func (e Env) With(vars map[string]string) Env {
	return Env{
		lookup: func(key string) (string, bool) {
			if v, ok := vars[key]; ok {
				return v, true
			}
			return e.Lookup(key)
		},
		environ: func() []string {
			var out []string
			for _, kv := range e.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if _, over := vars[k]; !over {
					out = append(out, kv)
				}
			}
			return append(out, entries(vars)...)
		},
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

// Names returns the names of every variable in e, in the order Environ
// gives them.
func (e Env) Names() []string {
	var out []string
	for _, kv := range e.Environ() {
		if name, _, ok := strings.Cut(kv, "="); ok && name != "" {
			out = append(out, name)
		}
	}
	return out
}

// entries is vars as sorted KEY=VALUE entries.
func entries(vars map[string]string) []string {
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
