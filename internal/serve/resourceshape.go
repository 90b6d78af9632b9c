package serve

import (
	"strings"

	"github.com/aztoken/aztoken/internal/resources"
)

// validResource says whether r may be asked for, before any fetch is
// started for it: it passes the resources package's rule (characters and
// length), and it has the shape of a resource, an application id (a GUID)
// or an absolute URI scheme://host[:port][/path] whose host is a DNS name
// and whose path segments are not empty, "." or "..". Anything else is
// refused with 400, so that a client cannot make serve start acquisitions
// for nonsense.
func validResource(r string) bool {
	if resources.Validate(r) != nil {
		return false
	}
	if resources.IsGUID(r) {
		return true
	}
	scheme, rest, ok := strings.Cut(r, "://")
	if !ok || scheme == "" || strings.Trim(strings.ToLower(scheme), "abcdefghijklmnopqrstuvwxyz") != "" {
		return false
	}
	host, path, _ := strings.Cut(rest, "/")
	name, port, hasPort := strings.Cut(host, ":")
	if hasPort && (port == "" || strings.Trim(port, "0123456789") != "" || len(port) > 5) {
		return false
	}
	if name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-") || strings.Contains(name, "..") {
		return false
	}
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return true
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.Contains(seg, ":") {
			return false
		}
	}
	return true
}
