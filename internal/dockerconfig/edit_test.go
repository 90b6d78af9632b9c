package dockerconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/aztoken/aztoken/internal/proctest"
	"github.com/aztoken/aztoken/internal/safefile"
)

var ours = []Entry{{"a.azurecr.io", "aztoken"}}

func TestWithCredHelpers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		entries []Entry
		want    string
	}{
		{"no file", "", ours, "{\n\t\"credHelpers\": {\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t}\n}\n"},
		{"empty object", "{}", ours, "{\n\t\"credHelpers\": {\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t}\n}"},
		{"docker's own layout, other keys kept in place",
			"{\n\t\"auths\": {\n\t\t\"x.io\": {\n\t\t\t\"auth\": \"c2VjcmV0\"\n\t\t}\n\t},\n\t\"psFormat\": \"{{.ID}}\"\n}\n",
			ours,
			"{\n\t\"auths\": {\n\t\t\"x.io\": {\n\t\t\t\"auth\": \"c2VjcmV0\"\n\t\t}\n\t},\n\t\"psFormat\": \"{{.ID}}\",\n\t\"credHelpers\": {\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t}\n}\n"},
		{"two-space indent",
			"{\n  \"credsStore\": \"desktop\"\n}",
			ours,
			"{\n  \"credsStore\": \"desktop\",\n  \"credHelpers\": {\n    \"a.azurecr.io\": \"aztoken\"\n  }\n}"},
		{"one line stays one line",
			`{"credsStore":"pass"}`, ours,
			`{"credsStore":"pass", "credHelpers": {"a.azurecr.io": "aztoken"}}`},
		{"existing helpers keep their order, ours appended",
			"{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\",\n\t\t\"public.ecr.aws\": \"ecr-login\"\n\t},\n\t\"x\": 1\n}",
			[]Entry{{"gcr.io", "gcloud"}, {"public.ecr.aws", "ecr-login"}, {"a.azurecr.io", "aztoken"}},
			"{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\",\n\t\t\"public.ecr.aws\": \"ecr-login\",\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t},\n\t\"x\": 1\n}"},
		{"already there: the bytes unchanged",
			"{ \"credHelpers\" : {\"a.azurecr.io\":\"aztoken\"} }", ours,
			"{ \"credHelpers\" : {\"a.azurecr.io\":\"aztoken\"} }"},
		{"removing the last one",
			"{\n\t\"credHelpers\": {\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t}\n}\n", nil,
			"{\n\t\"credHelpers\": {}\n}\n"},
		{"null credHelpers", `{"credHelpers": null}`, ours, `{"credHelpers": {"a.azurecr.io": "aztoken"}}`},
		{"escapes and unicode elsewhere are untouched",
			"{\n\t\"x\": \"\\u00e9\\n\u00e9\"\n}", ours,
			"{\n\t\"x\": \"\\u00e9\\n\u00e9\",\n\t\"credHelpers\": {\n\t\t\"a.azurecr.io\": \"aztoken\"\n\t}\n}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WithCredHelpers([]byte(tt.in), tt.entries)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("not valid JSON: %s", got)
			}
			back, err := CredHelpers(got)
			if err != nil || !slices.Equal(back, tt.entries) {
				t.Errorf("read back %v, %v; want %v", back, err, tt.entries)
			}
		})
	}
}

func TestUnreadableConfigsAreRefused(t *testing.T) {
	for _, in := range []string{
		`[]`, `{"credHelpers": []}`, `{"credHelpers": {"a": 1}}`, `{"a": 1} {}`, `{"a": `, `not json`,
	} {
		if _, err := WithCredHelpers([]byte(in), ours); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

func TestDuplicateKeysTheLastWins(t *testing.T) {
	in := `{"credHelpers": {"x": "y"}, "credHelpers": {"a.azurecr.io": "other"}}`
	got, err := CredHelpers([]byte(in))
	if err != nil || len(got) != 1 || got[0].Helper != "other" {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestWriteIsAtomicAndKeepsTheModeAndLinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "docker.json")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	path := Path(filepath.Join(dir, "cfg"), "")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if proctest.UnderWine() {
		t.Skip("skipping: Wine shows a Unix symbolic link as the file it points to, not as a link")
	}
	if err := os.Symlink(real, path); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	data, mode, err := Read(path)
	if err != nil || string(data) != "{}" {
		t.Fatalf("Read = %q, %v", data, err)
	}
	if err := safefile.WriteAtomic(path, []byte(`{"x": 1}`), mode); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	got, err := os.ReadFile(real)
	if err != nil || string(got) != `{"x": 1}` {
		t.Errorf("target = %q, %v", got, err)
	}
	if fi, _ := os.Stat(real); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(real), ".docker.json.aztoken-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPath(t *testing.T) {
	if got := Path("/d", "/home/u"); got != filepath.Join("/d", "config.json") {
		t.Errorf("DOCKER_CONFIG: %s", got)
	}
	if got := Path("", "/home/u"); got != filepath.Join("/home/u", ".docker", "config.json") {
		t.Errorf("home: %s", got)
	}
	if _, mode, err := Read(filepath.Join(t.TempDir(), "none.json")); err != nil || mode != 0o600 {
		t.Errorf("a missing file: %v, %v", mode, err)
	}
}
