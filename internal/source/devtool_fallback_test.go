package source

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/proctest"
)

// TestDevToolFallback: where the tool is absent and its fallback is on
// PATH (pwsh and powershell.exe on Windows), the fallback is what runs
// and what explain names; where both are, the tool wins.
func TestDevToolFallback(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the fake tools are sh scripts")
	}
	dir := t.TempDir()
	for name, out := range map[string]string{"old": "from old", "both-new": "from new", "both-old": "from old"} {
		if err := proctest.WriteExecutable(filepath.Join(dir, name), []byte("#!/bin/sh\necho "+out+"\n")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Env: env.FromList([]string{"PATH=" + dir})}
	for _, tt := range []struct{ exe, fallback, want string }{
		{"new", "old", "from old\n"},
		{"both-new", "both-old", "from new\n"},
	} {
		d := &devTool{cfg: cfg, exe: tt.exe, fallback: tt.fallback}
		out, err := d.run(context.Background(), nil, "")
		if err != nil || string(out) != tt.want {
			t.Errorf("%s/%s: run = %q, %v; want %q", tt.exe, tt.fallback, out, err, tt.want)
		}
		if p, err := d.lookPath(); err != nil || filepath.Base(p) != map[bool]string{true: tt.fallback, false: tt.exe}[tt.exe == "new"] {
			t.Errorf("%s/%s: lookPath = %q, %v", tt.exe, tt.fallback, p, err)
		}
	}
	d := &devTool{cfg: cfg, exe: "none", fallback: "neither"}
	if _, err := d.lookPath(); err == nil {
		t.Error("lookPath found a tool that is not there")
	}
}
