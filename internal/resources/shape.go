package resources

import (
	"errors"
	"strings"
)

// CheckShape checks that r has the shape of a resource, for get's
// --resource and serve's clients alike: it passes Validate, and it is an
// application id (a GUID) or an absolute URI scheme://host[:port][/path]
// whose host is a DNS name and whose path segments are not empty, "." or
// ".." and hold no ':'. Anything else would only come back from Entra ID
// as an unknown resource, and serve refuses it before starting an
// acquisition for it. The error completes a sentence that starts with the
// value.
func CheckShape(r string) error {
	if err := Validate(r); err != nil {
		return err
	}
	if IsGUID(r) {
		return nil
	}
	scheme, rest, ok := strings.Cut(r, "://")
	if !ok || scheme == "" || strings.Trim(strings.ToLower(scheme), "abcdefghijklmnopqrstuvwxyz") != "" {
		return errors.New("is neither an application id (a GUID) nor a URI such as https://vault.azure.net")
	}
	host, path, _ := strings.Cut(rest, "/")
	name, port, hasPort := strings.Cut(host, ":")
	if hasPort && (port == "" || strings.Trim(port, "0123456789") != "" || len(port) > 5) {
		return errors.New("has a port that is not a number")
	}
	if name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-") || strings.Contains(name, "..") {
		return errors.New("has no valid host name after its scheme")
	}
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.Contains(seg, ":") {
			return errors.New("has a path segment that is empty, \".\", \"..\" or holds ':'")
		}
	}
	return nil
}
