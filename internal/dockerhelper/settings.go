package dockerhelper

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/aztoken/aztoken/internal/safefile"
)

// SettingsFile is the name of the settings file, in the same directory as
// docker's config.json: the helper runs with docker's environment, so it
// finds the directory the way docker does (DOCKER_CONFIG, else ~/.docker),
// and each docker configuration has settings of its own.
const SettingsFile = "aztoken-docker.json"

// Registry is what configure recorded for one registry: empty fields mean
// the environment decides, as for aztoken get.
type Registry struct {
	// Sources, when set, are the only sources tried (as --source).
	Sources []string `json:"sources,omitempty"`
	// Tenant, when set, is asked for the Entra ID token (as --tenant).
	Tenant string `json:"tenant,omitempty"`
	// ClientID names a user-assigned managed identity (as --client-id).
	ClientID string `json:"client_id,omitempty"`
}

// Settings is the settings file.
type Settings struct {
	// Registries are the registries configure was run for, by canonical
	// host (internal/hostmatch). A registry outside Azure Container
	// Registry's own domains is answered for only when it is here.
	Registries map[string]Registry `json:"registries"`
}

// Hosts returns the registries in the settings, sorted.
func (s Settings) Hosts() []string {
	var out []string
	for h := range s.Registries {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// SettingsPath is the settings file beside config.json at configPath.
func SettingsPath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), SettingsFile)
}

// LoadSettings reads the settings file; a missing one is empty.
func LoadSettings(path string) (Settings, error) {
	s := Settings{Registries: map[string]Registry{}}
	data, err := safefile.Read(path, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%s is not aztoken's docker settings (%v); run aztoken docker configure again, or remove the file", path, err)
	}
	if s.Registries == nil {
		s.Registries = map[string]Registry{}
	}
	return s, nil
}

// Save writes the settings atomically, readable only by the user.
func (s Settings) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return err
	}
	return safefile.WriteAtomic(path, append(data, '\n'), 0o600)
}
