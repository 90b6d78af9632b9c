package source

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// PowerShell gets tokens from Azure PowerShell's login (Connect-AzAccount),
// by running Get-AzAccessToken in pwsh.
type PowerShell struct {
	tool devTool
}

var (
	_ chain.Source    = (*PowerShell)(nil)
	_ chain.Describer = (*PowerShell)(nil)
	_ chain.Keyer     = (*PowerShell)(nil)
)

// NewPowerShell returns the pwsh source.
func NewPowerShell(cfg Config) *PowerShell {
	return &PowerShell{tool: devTool{
		cfg:          cfg,
		name:         chain.PowerShell,
		exe:          "pwsh",
		fallback:     pwshFallback,
		install:      "install PowerShell (pwsh) with the Az.Accounts module, or log in another way",
		login:        "Connect-AzAccount",
		check:        "pwsh -NoProfile -Command Get-AzContext",
		tenantFlag:   "-TenantId",
		loginMarkers: []string{"Connect-AzAccount"},
		childEnv: []string{
			"POWERSHELL_TELEMETRY_OPTOUT=1",
			"POWERSHELL_UPDATECHECK=Off",
		},
		special: pwshSpecial,
	}}
}

// Name is chain.PowerShell.
func (p *PowerShell) Name() string { return chain.PowerShell }

// pwshNoModule is the line the script writes to stderr when Az.Accounts
// 2.2.0 or later cannot be loaded.
const pwshNoModule = "aztoken-pwsh: Az.Accounts not found"

// pwshScript asks Az.Accounts for a token and prints one JSON line,
// {"Token","ExpiresOn":<unix seconds>,"TenantId"}. Get-AzAccessToken
// returns the token as plain text before 2.17, plain text unless
// -AsSecureString from 2.17 (with a warning that this will change), and a
// SecureString from 5.0; asking for a SecureString where it can be asked
// for keeps the warning away, and the script turns it back into text.
// The resource and tenant are put in single-quoted strings; they were
// checked to hold no quote.
const pwshScript = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$mod = Import-Module Az.Accounts -MinimumVersion '2.2.0' -PassThru -ErrorAction SilentlyContinue
if (-not $mod) {
    [Console]::Error.WriteLine('` + pwshNoModule + `')
    exit 3
}
$mod = $mod | Sort-Object Version -Descending | Select-Object -First 1
$params = @{ ResourceUrl = '{{RESOURCE}}'; WarningAction = 'Ignore' }
$tenant = '{{TENANT}}'
if ($tenant.Length -gt 0) { $params['TenantId'] = $tenant }
if ($mod.Version -ge [version]'2.17.0' -and $mod.Version -lt [version]'5.0.0') {
    $params['AsSecureString'] = $true
}
try {
    $t = Get-AzAccessToken @params
} catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    exit 1
}
$token = $t.Token
if ($token -is [System.Security.SecureString]) {
    $ptr = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($token)
    try {
        $token = [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($ptr)
    } finally {
        [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($ptr)
    }
}
$out = [ordered]@{ Token = [string]$token; ExpiresOn = $t.ExpiresOn.ToUnixTimeSeconds(); TenantId = [string]$t.TenantId }
[Console]::Out.WriteLine(($out | ConvertTo-Json -Compress))
exit 0
`

// pwshScriptFor fills in the script for one request.
func pwshScriptFor(resource, tenant string) string {
	return strings.NewReplacer("{{RESOURCE}}", resource, "{{TENANT}}", tenant).Replace(pwshScript)
}

// encodeUTF16LE is what -EncodedCommand takes: base64 of UTF-16LE.
func encodeUTF16LE(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func (p *PowerShell) args(req chain.Request) (args []string, resource, tenant string, err error) {
	scope, err := oneScope(req, "Get-AzAccessToken")
	if err != nil {
		return nil, "", "", err
	}
	if err := p.tool.checkScope(scope); err != nil {
		return nil, "", "", err
	}
	if tenant, err = p.tool.checkTenant(req); err != nil {
		return nil, "", "", err
	}
	resource = resources.FromScope(scope)
	args = []string{"-NoProfile", "-NonInteractive", "-OutputFormat", "Text",
		"-EncodedCommand", encodeUTF16LE(pwshScriptFor(resource, tenant))}
	return args, resource, tenant, nil
}

// GetToken runs pwsh and reads its answer.
func (p *PowerShell) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	args, _, tenant, err := p.args(req)
	if err != nil {
		return chain.Token{}, err
	}
	return p.tool.fetch(ctx, args, tenant, parsePwshToken,
		"check that Get-AzAccessToken works in pwsh, and update Az.Accounts (Update-Module Az.Accounts)")
}

// parsePwshToken reads the script's JSON line, skipping anything a profile
// or module printed before it. Its errors never quote the answer.
func parsePwshToken(out []byte) (chain.Token, error) {
	type answer struct {
		Token     string          `json:"Token"`
		ExpiresOn json.RawMessage `json:"ExpiresOn"`
		TenantID  string          `json:"TenantId"`
	}
	var t answer
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		// A fresh value each line: a rejected line must leave nothing behind.
		var cand answer
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &cand) == nil {
			t, found = cand, true
			break
		}
	}
	if !found {
		return chain.Token{}, fmt.Errorf("what it printed (%d bytes) holds no JSON line", len(out))
	}
	if t.Token == "" {
		return chain.Token{}, errors.New("its answer has no Token")
	}
	s := strings.Trim(string(t.ExpiresOn), `"`)
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil || secs <= 0 {
		return chain.Token{}, errors.New("its ExpiresOn is not a number of seconds")
	}
	return chain.Token{AccessToken: t.Token, TokenType: "Bearer", ExpiresOn: time.Unix(secs, 0).UTC(), Tenant: t.TenantID}, nil
}

// pwshSpecial reads the script's own marker line.
func pwshSpecial(stderr, _ string) error {
	if strings.Contains(stderr, pwshNoModule) {
		return chain.Unavailable("run Install-Module Az.Accounts in pwsh, or log in another way",
			"Az.Accounts module not installed: run Install-Module Az.Accounts")
	}
	return nil
}

// pwshLoginFiles hold Azure PowerShell's login state, relative to HOME:
// the context Connect-AzAccount and Set-AzContext write. Its MSAL token
// cache is left out, as for az: it changes on every refresh.
var pwshLoginFiles = []string{
	filepath.Join(".Azure", "AzureRmContext.json"),
}

// CacheKey is "powershell|<tenant>|<fingerprint of Az's context>".
func (p *PowerShell) CacheKey(req chain.Request) (string, bool) {
	return p.tool.cacheKey(req, p.tool.homeDir(), pwshLoginFiles, nil)
}

// Describe says what pwsh would be asked, without running it.
func (p *PowerShell) Describe(req chain.Request) chain.Description {
	_, resource, tenant, preErr := p.args(req)
	cmdline := "pwsh -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand <script: Get-AzAccessToken -ResourceUrl <resource>>"
	if preErr == nil {
		call := "Get-AzAccessToken -ResourceUrl " + resource
		if tenant != "" {
			call += " -TenantId " + tenant
		}
		cmdline = "pwsh -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand <script: " + call + ">"
	}
	desc, path := p.tool.describe(cmdline, preErr)
	home := p.tool.homeDir()
	if home == "" {
		desc.Warnings = append(desc.Warnings, homeVar+" is not set, so Azure PowerShell has no login to use")
		return desc
	}
	ctxFile := filepath.Join(home, pwshLoginFiles[0])
	desc.Inputs = append(desc.Inputs, toolFileInput(ctxFile))
	if path != "" && !loginFileExists(ctxFile) {
		desc.Warnings = append(desc.Warnings, "there is no Azure PowerShell login in "+filepath.Dir(ctxFile)+": run Connect-AzAccount in pwsh first")
	}
	return desc
}
