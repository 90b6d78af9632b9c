// Package kubeconfig rewrites users in a kubeconfig file so that kubectl
// gets their tokens from aztoken (an exec credential plugin), the way
// kubelogin's convert-kubeconfig does, and leaves everything else in the
// file as it was: other users, clusters, contexts, preferences, comments
// and key order (it edits the YAML tree, go.yaml.in/yaml/v3's Node, rather
// than decoding into types that would drop what they do not know).
package kubeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// AKSServerApp is the AKS server application id, the resource of the
// tokens AKS clusters with Entra ID integration accept.
const AKSServerApp = "6dae42f8-4368-4678-94ff-3960e28e3630"

// ExecAPIVersion is the exec credential version written: v1beta1, which
// every kubectl since 1.11 reads (v1 needs 1.22), so that one kubeconfig
// works for old and new clients. aztoken answers in the version kubectl
// asks for.
const ExecAPIVersion = "client.authentication.k8s.io/v1beta1"

// Options say which users to convert and how.
type Options struct {
	// Context, when set, converts that context's user only; User names a
	// user directly. With neither, every user that uses Azure (the azure
	// auth provider, kubelogin, or aztoken already) is converted.
	Context, User string
	// Command is the aztoken kubectl runs ("aztoken": found on PATH).
	Command string
	// ServerID is the resource to ask for; empty means the user's own
	// (the auth provider's apiserver-id or kubelogin's --server-id), else
	// AKSServerApp.
	ServerID string
	// Tenant, when set, is passed as --tenant; empty keeps the user's own
	// (tenant-id or --tenant-id), if any.
	Tenant string
	// Args are more arguments for aztoken get (the chain's flags).
	Args []string
}

// Converted says what was done to one user.
type Converted struct {
	User, Was string
	Args      []string
}

// Convert rewrites the kubeconfig in data and returns the new file.
func Convert(data []byte, o Options) ([]byte, []Converted, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("it is not YAML (%v)", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, errors.New("it is not a kubeconfig (no top-level mapping)")
	}
	root := doc.Content[0]
	users := get(root, "users")
	if users == nil || users.Kind != yaml.SequenceNode {
		return nil, nil, errors.New("it has no users")
	}
	want := o.User
	if o.Context != "" {
		u, err := contextUser(root, o.Context)
		if err != nil {
			return nil, nil, err
		}
		want = u
	}
	var done []Converted
	var names []string
	for _, entry := range users.Content {
		name := scalar(get(entry, "name"))
		names = append(names, name)
		user := get(entry, "user")
		if user == nil || user.Kind != yaml.MappingNode {
			continue
		}
		was := azureKind(user)
		if want != "" && name != want || want == "" && was == "" {
			continue
		}
		if was == "" {
			was = "not Azure"
		}
		args := convertUser(user, o)
		done = append(done, Converted{User: name, Was: was, Args: args})
	}
	if len(done) == 0 {
		sort.Strings(names)
		if want != "" {
			return nil, nil, fmt.Errorf("it has no user %q (its users: %s)", want, strings.Join(names, ", "))
		}
		return nil, nil, fmt.Errorf("none of its users (%s) uses Azure; name one with --user or --context", strings.Join(names, ", "))
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, err
	}
	_ = enc.Close()
	return b.Bytes(), done, nil
}

// azureKind says how a user gets Azure tokens today: "azure auth
// provider", "kubelogin", "aztoken", or "" for none of them.
func azureKind(user *yaml.Node) string {
	if ap := get(user, "auth-provider"); ap != nil && scalar(get(ap, "name")) == "azure" {
		return "azure auth provider"
	}
	if ex := get(user, "exec"); ex != nil {
		base := strings.TrimSuffix(commandBase(scalar(get(ex, "command"))), ".exe")
		switch base {
		case "kubelogin", "aztoken":
			return base
		}
	}
	return ""
}

func commandBase(c string) string {
	if i := strings.LastIndexAny(c, `/\`); i >= 0 {
		return c[i+1:]
	}
	return c
}

// convertUser replaces the user's credentials with the exec plugin and
// returns aztoken's arguments.
func convertUser(user *yaml.Node, o Options) []string {
	serverID, tenant := o.ServerID, o.Tenant
	ownServer, ownTenant := userSettings(user)
	if serverID == "" {
		serverID = ownServer
	}
	if serverID == "" {
		serverID = AKSServerApp
	}
	if tenant == "" {
		tenant = ownTenant
	}
	args := []string{"get", "-o", "exec-credential", "--resource", serverID}
	if tenant != "" {
		args = append(args, "--tenant", tenant)
	}
	args = append(args, o.Args...)
	command := o.Command
	if command == "" {
		command = "aztoken"
	}
	// A static token would win over exec; the auth provider is what is
	// being replaced.
	for _, k := range []string{"auth-provider", "token", "tokenFile"} {
		del(user, k)
	}
	ex := &yaml.Node{Kind: yaml.MappingNode}
	set(ex, "apiVersion", str(ExecAPIVersion))
	set(ex, "command", str(command))
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, a := range args {
		seq.Content = append(seq.Content, str(a))
	}
	set(ex, "args", seq)
	set(ex, "installHint", str("aztoken gets this cluster's Entra ID token: install it from https://github.com/aztoken/aztoken and put it on PATH."))
	set(user, "exec", ex)
	return args
}

// userSettings reads the server id and tenant the user had: the azure
// auth provider's config, or kubelogin's (or aztoken's) arguments.
func userSettings(user *yaml.Node) (serverID, tenant string) {
	if ap := get(user, "auth-provider"); ap != nil {
		if cfg := get(ap, "config"); cfg != nil {
			return scalar(get(cfg, "apiserver-id")), scalar(get(cfg, "tenant-id"))
		}
	}
	ex := get(user, "exec")
	if ex == nil {
		return "", ""
	}
	args := get(ex, "args")
	if args == nil || args.Kind != yaml.SequenceNode {
		return "", ""
	}
	var words []string
	for _, a := range args.Content {
		words = append(words, scalar(a))
	}
	for i, w := range words {
		name, val, hasVal := strings.Cut(w, "=")
		if !hasVal && i+1 < len(words) {
			val = words[i+1]
		}
		switch name {
		case "--server-id", "--resource":
			serverID = val
		case "--tenant-id", "--tenant", "-t":
			tenant = val
		}
	}
	return serverID, tenant
}

// contextUser returns the user a context names.
func contextUser(root *yaml.Node, name string) (string, error) {
	ctxs := get(root, "contexts")
	var names []string
	if ctxs != nil {
		for _, c := range ctxs.Content {
			n := scalar(get(c, "name"))
			names = append(names, n)
			if n == name {
				if u := scalar(get(get(c, "context"), "user")); u != "" {
					return u, nil
				}
				return "", fmt.Errorf("its context %q names no user", name)
			}
		}
	}
	sort.Strings(names)
	return "", fmt.Errorf("it has no context %q (its contexts: %s)", name, strings.Join(names, ", "))
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(key), v)
}

func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// Names lists the names under a top-level list of a kubeconfig
// ("contexts", "users"), for completion; nil when data is not one.
func Names(data []byte, list string) []string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) != 1 {
		return nil
	}
	var out []string
	if l := get(doc.Content[0], list); l != nil && l.Kind == yaml.SequenceNode {
		for _, e := range l.Content {
			if n := scalar(get(e, "name")); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}
