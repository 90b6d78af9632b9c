package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/proctest"
)

const (
	// What the fakes print in tokeninerror mode, besides the token itself.
	fakeRefreshToken = "0.AXoAMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwAAA.AgABAAEAAAD--DLA3VO7QrddgJg7WevrAgDs_wQA9P9ZnPxtvM1s"
	fakeSecretToken  = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzZWNyZXQiOiJ5ZXMifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg"
	testVaultScope   = "https://vault.azure.net/.default"
)

func TestScrubToolOutput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
	}{
		{"ERROR: Please run 'az login' to setup account.", "ERROR: Please run 'az login' to setup account."},
		{"token " + fakeSecretToken + " expired", "token [REDACTED] expired"},
		{"bad refresh token " + fakeRefreshToken + " here", "bad refresh token [REDACTED] here"},
		{"two-part eyJhbGciOiJub25lIn0.eyJhIjoxfQ end", "two-part [REDACTED] end"},
		{"base64 " + strings.Repeat("QUJD", 12) + "==", "base64 [REDACTED]"},
		// Ids, paths and URLs are short pieces, and stay.
		{"Trace ID: 3f1c0e55-0000-4000-8000-000000000001 Correlation ID: x",
			"Trace ID: 3f1c0e55-0000-4000-8000-000000000001 Correlation ID: x"},
		{"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-group-name/providers/x",
			"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-group-name/providers/x"},
		{"az login --scope https://management.core.windows.net//.default",
			"az login --scope https://management.core.windows.net//.default"},
	} {
		if got := scrubToolOutput(c.in, nil); got != c.want {
			t.Errorf("scrubToolOutput(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// Secrets that do not look like tokens: the known values themselves, an
// Azure client secret split by '.' and '-', a URL-encoded refresh token, a
// secret passed as a form parameter (issue 16.8).
func TestScrubToolOutputKnownSecrets(t *testing.T) {
	t.Parallel()
	known := []string{"hunter2-pass", "s3cret"}
	for _, c := range []struct{ in, want string }{
		{"ERROR: login failed for password hunter2-pass", "ERROR: login failed for password [REDACTED]"},
		{"client secret s3cret rejected", "client secret [REDACTED] rejected"},
		{"secret Abc8Q~x.y-zAbCdEfGhIjKlMnOpQrStUvWxYz0 is wrong", "secret [REDACTED] is wrong"},
		{"rt 0.AXoA%2FAbCdEf%2BGhIjKlMnOpQr%3D%3DStUvWxYz01234567.AgAB end", "rt [REDACTED] end"},
		{"POST body grant_type=refresh_token&refresh_token=0.AbC&client_id=x", "POST body grant_type=refresh_token&refresh_token=[REDACTED]&client_id=x"},
		{"client_secret=abc; password=xyz", "client_secret=[REDACTED] password=[REDACTED]"},
		{"Please run 'az login' to setup account.", "Please run 'az login' to setup account."},
	} {
		if got := scrubToolOutput(c.in, known); got != c.want {
			t.Errorf("scrubToolOutput(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestToolSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "service_principal_entries.json"),
		[]byte(`[{"client_id":"app","tenant":"t","client_secret":"sp-secret-value"},{"servicePrincipalId":"x","accessToken":"old-style-secret"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := toolSecrets([]string{
		"AZURE_CLIENT_SECRET=env-secret", "AZURE_PASSWORD=pw", "IDENTITY_HEADER=hdr", "ARM_ACCESS_KEY=key",
		"AZURE_FEDERATED_TOKEN_FILE=/var/run/token", "AZURE_CLIENT_ID=not-secret", "PATH=/bin", "AZURE_CLIENT_SECRET=",
	}, dir)
	want := []string{"env-secret", "pw", "hdr", "key", "sp-secret-value", "old-style-secret"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("toolSecrets = %q, want %q", got, want)
	}
}

func TestToolExcerpt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"\n\n  ERROR: one  \r\n\n two\nthree\nfour\n", "ERROR: one two three"},
		{strings.Repeat("é", 500), strings.Repeat("é", 400) + "…"},
	} {
		if got := toolExcerpt(c.in); got != c.want {
			t.Errorf("toolExcerpt(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAzdMessage(t *testing.T) {
	t.Parallel()
	const aad = "AADSTS90002: Tenant 'x' not found."
	for _, c := range []struct{ name, in, want string }{
		{"new", `{"error":"` + aad + `","message":"Authentication with Azure failed.","suggestion":"Run 'azd auth login'"}`, aad},
		{"new after empty console message", `{"type":"consoleMessage","data":{"message":"\n"}}` + "\n" + `{"error":"not logged in, run ` + "`azd auth login`" + ` to login"}`,
			"not logged in, run `azd auth login` to login"},
		{"old", `{"type":"consoleMessage","timestamp":"t","data":{"message":"\nERROR: ` + aad + `\n\n"}}`, "ERROR: " + aad},
		{"old, first message wins", `{"type":"consoleMessage","data":{"message":"ERROR: first\n"}}` + "\n" + `{"type":"consoleMessage","data":{"message":"second"}}`, "ERROR: first"},
		{"plain text", "some plain error", "some plain error"},
		{"empty console message only", `{"type":"consoleMessage","data":{"message":"\n"}}`, `{"type":"consoleMessage","data":{"message":"\n"}}`},
		{"broken JSON", `{"error": oops`, `{"error": oops`},
	} {
		if got := azdMessage(c.in); got != c.want {
			t.Errorf("%s: azdMessage = %q, want %q", c.name, got, c.want)
		}
	}
}

// Every tool: what each way of failing turns into.
func TestToolFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range toolCases {
		for _, c := range []struct {
			mode, tenant string
			status       chain.Status
			reason, hint []string // substrings
		}{
			{"notloggedin", "", chain.StatusUnavailable, []string{tc.exe + " is not logged in: ", tc.login}, []string{"run `" + tc.login + "`"}},
			{"wrongtenant", "contoso.example", chain.StatusUnavailable, []string{tc.exe + " could not get a token: ", "AADSTS90002"}, []string{"contoso.example", tc.login}},
			{"exit127", "", chain.StatusUnavailable, []string{tc.exe + " could not be run (exited with status 127)"}, []string{"install"}},
			{"garbage", "", chain.StatusUnavailable, []string{tc.exe + " answered, but"}, nil},
			{"tokeninerror", "", chain.StatusUnavailable, []string{"[REDACTED]"}, nil},
		} {
			t.Run(tc.exe+"/"+c.mode, func(t *testing.T) {
				t.Parallel()
				cfg := toolConfig(t, map[string]string{tc.prefix + "_MODE": c.mode, tc.prefix + "_TOKEN": fakeSecretToken})
				o := tryTool(tc.newSrc(cfg), chain.Request{Scopes: []string{testVaultScope}, Tenant: c.tenant})
				if o.Status != c.status {
					t.Fatalf("status %v, want %v (reason %q)", o.Status, c.status, o.Reason)
				}
				for _, s := range c.reason {
					if !strings.Contains(o.Reason, s) {
						t.Errorf("reason %q lacks %q", o.Reason, s)
					}
				}
				for _, s := range c.hint {
					if !strings.Contains(o.Hint, s) {
						t.Errorf("hint %q lacks %q", o.Hint, s)
					}
				}
				for _, secret := range []string{fakeSecretToken, fakeRefreshToken, "c2lnbmF0dXJl"} {
					if strings.Contains(o.Reason, secret) || strings.Contains(o.Hint, secret) {
						t.Errorf("the outcome shows a token: %q / %q", o.Reason, o.Hint)
					}
				}
			})
		}
	}
}

func TestToolNotLoggedInHintIsExact(t *testing.T) {
	t.Parallel()
	for _, tc := range toolCases {
		t.Run(tc.exe, func(t *testing.T) {
			t.Parallel()
			cfg := toolConfig(t, map[string]string{tc.prefix + "_MODE": "notloggedin"})
			o := tryTool(tc.newSrc(cfg), chain.Request{Scopes: []string{testVaultScope}})
			if o.Hint != "run `"+tc.login+"`" {
				t.Errorf("hint %q, want exactly run `%s`", o.Hint, tc.login)
			}
		})
	}
}

func TestAzdOldNotLoggedIn(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, map[string]string{"FAKE_AZD_MODE": "notloggedin-old"})
	o := tryTool(NewAzureDevCLI(cfg), chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"})
	if o.Status != chain.StatusUnavailable || o.Hint != "run `azd auth login --tenant-id contoso.example`" ||
		o.Reason != "azd is not logged in: ERROR: not logged in, run `azd auth login` to login" {
		t.Errorf("got %v %q %q", o.Status, o.Reason, o.Hint)
	}
}

func TestToolHungIsKilled(t *testing.T) {
	t.Parallel()
	for _, tc := range toolCases {
		t.Run(tc.exe, func(t *testing.T) {
			t.Parallel()
			log := toolLog(t)
			cfg := toolConfig(t, map[string]string{tc.prefix + "_MODE": "hang", tc.prefix + "_LOG": log})
			cfg.CLITimeout = hangTimeout()
			o := tryTool(tc.newSrc(cfg), chain.Request{Scopes: []string{testVaultScope}})
			if o.Status != chain.StatusTimedOut || o.Reason != "timed out after "+hangTimeout().String() {
				t.Fatalf("got %v %q", o.Status, o.Reason)
			}
			if !strings.Contains(o.Hint, "--cli-timeout") || len(o.Hint) > 200 {
				t.Errorf("hint %q", o.Hint)
			}
			checkGrandchildGone(t, log)
		})
	}
}

func TestToolCallerDeadline(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, map[string]string{"FAKE_AZ_MODE": "hang"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := NewAzureCLI(cfg).GetToken(ctx, chain.Request{Scopes: []string{testVaultScope}})
	if chain.StatusOf(err) != chain.StatusTimedOut || !strings.Contains(err.Error(), "the command's time ran out") {
		t.Errorf("err = %v", err)
	}
}

func TestToolNotOnPath(t *testing.T) {
	t.Parallel()
	for _, tc := range toolCases {
		t.Run(tc.exe, func(t *testing.T) {
			t.Parallel()
			// On Windows a batch file in a folder whose name holds '%' is
			// found but refused (cmd.exe would expand it): the unstartable
			// case there.
			dir := filepath.Join(t.TempDir(), "100%")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := toolConfig(t, map[string]string{"PATH": dir})
			src := tc.newSrc(cfg)
			o := tryTool(src, chain.Request{Scopes: []string{testVaultScope}})
			if o.Status != chain.StatusUnavailable || o.Reason != tc.exe+" was not found on PATH" || !strings.HasPrefix(o.Hint, "install ") {
				t.Errorf("got %v %q %q", o.Status, o.Reason, o.Hint)
			}
			if _, ok := src.(chain.Keyer).CacheKey(chain.Request{Scopes: []string{testVaultScope}}); ok {
				t.Error("CacheKey is ok for a tool that is not on PATH")
			}
			d := src.(chain.Describer).Describe(chain.Request{Scopes: []string{testVaultScope}})
			if d.Verdict != chain.WouldSkip || d.Inputs[0].State != "not found" {
				t.Errorf("Describe: %+v", d)
			}
			// A script that is found but cannot start counts as missing,
			// and the reason says why it could not start.
			why := "no such file or directory" // its interpreter
			if runtime.GOOS == "windows" {
				why = "cannot be run through cmd.exe safely"
				os.WriteFile(filepath.Join(dir, tc.exe+".cmd"), []byte("@echo off\r\n"), 0o755)
			} else {
				proctest.WriteExecutable(filepath.Join(dir, tc.exe), []byte("#!/nonexistent/interpreter\n"))
			}
			o = tryTool(src, chain.Request{Scopes: []string{testVaultScope}})
			if o.Status != chain.StatusUnavailable || !strings.Contains(o.Reason, "could not be started: ") ||
				!strings.Contains(o.Reason, why) || strings.Contains(o.Reason, "<nil>") {
				t.Errorf("unstartable: got %v %q, want it to say %q", o.Status, o.Reason, why)
			}
		})
	}
}

// Checks made before running anything stop the chain, and run nothing.
func TestToolPreExecChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range toolCases {
		for name, req := range map[string]chain.Request{
			"no scope":       {},
			"space in scope": {Scopes: []string{"https://vault.azure.net/.default x"}},
			"quote in scope": {Scopes: []string{"https://vault.azure.net'/.default"}},
			"option scope":   {Scopes: []string{"--help"}},
			"bad tenant":     {Scopes: []string{testVaultScope}, Tenant: "contoso/evil"},
			"option tenant":  {Scopes: []string{testVaultScope}, Tenant: "-x"},
			"two scopes":     {Scopes: []string{testVaultScope, "https://graph.microsoft.com/.default"}},
		} {
			if tc.exe == "azd" && name == "two scopes" {
				continue // azd takes several
			}
			t.Run(tc.exe+"/"+name, func(t *testing.T) {
				t.Parallel()
				log := toolLog(t)
				cfg := toolConfig(t, map[string]string{tc.prefix + "_LOG": log})
				src := tc.newSrc(cfg)
				_, err := src.GetToken(context.Background(), req)
				if chain.StatusOf(err) != chain.StatusFailed {
					t.Fatalf("err = %v (%v), want a failure that stops the chain", err, chain.StatusOf(err))
				}
				if got := readToolLog(t, log); got != "" {
					t.Errorf("%s was run:\n%s", tc.exe, got)
				}
				if d := src.(chain.Describer).Describe(req); d.Verdict != chain.WouldStop {
					t.Errorf("Describe verdict %v (%s)", d.Verdict, d.Why)
				}
			})
		}
	}
}

func TestToolChildEnvironment(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		tc   toolCase
		want string
	}{
		{toolCases[0], "env: AZURE_CORE_NO_COLOR=true AZURE_CORE_ONLY_SHOW_ERRORS=true AZURE_CORE_COLLECT_TELEMETRY=false"},
		{toolCases[1], "env: AZD_SKIP_UPDATE_CHECK=true AZURE_DEV_COLLECT_TELEMETRY=no"},
		{toolCases[2], "env: POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off"},
	} {
		t.Run(c.tc.exe, func(t *testing.T) {
			t.Parallel()
			log := toolLog(t)
			// The user's own values are overridden on the token path.
			cfg := toolConfig(t, map[string]string{c.tc.prefix + "_LOG": log, "AZD_SKIP_UPDATE_CHECK": "false"})
			o := tryTool(c.tc.newSrc(cfg), chain.Request{Scopes: []string{testVaultScope}})
			if o.Status != chain.StatusOK {
				t.Fatalf("got %v %q", o.Status, o.Reason)
			}
			got := readToolLog(t, log)
			if !strings.Contains(got, c.want+"\n") || !strings.Contains(got, "dir: "+toolRunDir()+"\n") {
				t.Errorf("log:\n%s\nwant %q and dir %s", got, c.want, toolRunDir())
			}
		})
	}
}

func TestDevToolErrorsAreSourceErrors(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, map[string]string{"FAKE_AZ_MODE": "notloggedin"})
	_, err := NewAzureCLI(cfg).GetToken(context.Background(), chain.Request{Scopes: []string{testVaultScope}})
	if !errors.Is(err, chain.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
