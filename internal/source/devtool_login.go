package source

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// cacheKey is "<source>|<tenant>|<fingerprint>", where the fingerprint
// covers the tool's login files, so that a new login (or a logout) is never
// answered from the cache with the old identity. It is not ok when the tool
// is not on PATH, when its login cannot be located, or when the request
// would be refused before running the tool.
func (d *devTool) cacheKey(req chain.Request, dir string, files, subdirs []string) (string, bool) {
	if dir == "" || !filepath.IsAbs(dir) {
		return "", false
	}
	if _, err := d.lookPath(); err != nil {
		return "", false
	}
	if req.Tenant != "" && !resources.ValidTenant(req.Tenant) {
		return "", false
	}
	return d.name + "|" + req.Tenant + "|" + loginFingerprint(joinAll(dir, files), joinAll(dir, subdirs)), true
}

func joinAll(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}

// azProfileAccounts counts the accounts in az's azureProfile.json, which az
// writes with a byte-order mark.
func azProfileAccounts(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var p struct {
		Subscriptions []json.RawMessage `json:"subscriptions"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &p); err != nil {
		// Present but unreadable to us: az may still know what to do.
		return -1, nil
	}
	return len(p.Subscriptions), nil
}
