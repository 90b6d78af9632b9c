package tenantdiscovery

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := NewMemo(dir)
	m.now = func() time.Time { return now }

	if _, ok := m.Get("dev.azure.com/contoso"); ok {
		t.Fatal("an empty memo answered")
	}
	if err := m.Put("dev.azure.com/Contoso", tid); err != nil {
		t.Fatal(err)
	}
	if err := m.Put("dev.azure.com/msa-org", ""); err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Get("dev.azure.com/contoso"); !ok || got != tid {
		t.Errorf("Get = %q, %v; want %s (keys fold case)", got, ok, tid)
	}
	if got, ok := m.Get("dev.azure.com/msa-org"); !ok || got != "" {
		t.Errorf("a remembered 'no tenant' = %q, %v", got, ok)
	}
	now = now.Add(MemoTTL + time.Second)
	if _, ok := m.Get("dev.azure.com/contoso"); ok {
		t.Error("an entry older than MemoTTL answered")
	}
	now = now.Add(-MemoTTL)
	if err := m.Forget("dev.azure.com/contoso"); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Get("dev.azure.com/contoso"); ok {
		t.Error("a forgotten entry answered")
	}
	// A file someone edited to hold a tenant name that is not an id, or
	// garbage, answers nothing.
	if err := os.WriteFile(filepath.Join(dir, "tenants.json"), []byte(`{"x":{"tenant":"../evil","at":"`+now.Format(time.RFC3339)+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Get("x"); ok {
		t.Errorf("a bad tenant in the file answered %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "tenants.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.Put("y", tid); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get("y"); got != tid {
		t.Errorf("Put over a broken file: Get = %q", got)
	}
	var nilMemo *Memo
	if _, ok := nilMemo.Get("y"); ok || nilMemo.Put("y", tid) != nil {
		t.Error("a nil memo remembered")
	}
}
