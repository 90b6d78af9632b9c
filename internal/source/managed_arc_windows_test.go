package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

// With Azure Arc's agent at %ProgramData%\AzureConnectedMachineAgent\himds.exe
// and no Arc variables, aztoken selects Azure Arc as MSAL does, and
// explain names that file (it used to look for the Linux agent, select
// IMDS, and refuse to go on because MSAL selected Arc).
func TestArcAgentOnWindows(t *testing.T) {
	pd := t.TempDir()
	agent := filepath.Join(pd, "AzureConnectedMachineAgent", "himds.exe")
	if err := os.MkdirAll(filepath.Dir(agent), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(agent, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	// MSAL reads the process environment itself.
	t.Setenv("ProgramData", pd)
	for _, v := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	m := NewManaged(Config{Env: env.OS()})
	req := chain.Request{Scopes: []string{testVaultScope}}
	d := m.Describe(req)
	if !strings.Contains(d.Detail, ManagedAzureArc.Title()) || !strings.Contains(miDescribeText(d), agent+"= found") {
		t.Errorf("explain: %s", miDescribeText(d))
	}
	// Arc's endpoint (127.0.0.1:40342) has nothing listening here: the
	// token fails, but not because aztoken and MSAL disagree.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := m.GetToken(ctx, req)
	if err == nil || strings.Contains(err.Error(), "but the configuration selects") {
		t.Errorf("GetToken: %v", err)
	}
}
