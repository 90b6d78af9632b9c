@echo off
rem Fake PowerShell for tests on Windows: what the sh script "pwsh" beside
rem it does, for cmd.exe. Driven by:
rem   FAKE_PWSH_MODE   ok (default) ^| nomodule ^| notloggedin ^| wrongtenant ^|
rem                    hang ^| exit127 ^| garbage ^| tokeninerror
rem   FAKE_PWSH_TOKEN  the access token to print
rem   FAKE_PWSH_EXPIRES  expiry in epoch seconds (default 4070908800, 2099)
rem   FAKE_PWSH_LOG    file to append the call's arguments, directory and a
rem                    few variables to
rem   FAKE_SLEEPER     a program that sleeps, for hang (see az.cmd)
setlocal
rem aztoken quotes every argument; the log shows them unquoted, as sh does.
set "args="
:args
if "%~1"=="" goto args-done
set "args=%args% %~1"
shift
goto args
:args-done
if defined FAKE_PWSH_LOG (
	>>"%FAKE_PWSH_LOG%" echo args:%args%
	>>"%FAKE_PWSH_LOG%" echo dir: %CD%
	>>"%FAKE_PWSH_LOG%" echo env: POWERSHELL_TELEMETRY_OPTOUT=%POWERSHELL_TELEMETRY_OPTOUT% POWERSHELL_UPDATECHECK=%POWERSHELL_UPDATECHECK%
)
if defined FAKE_PWSH_DELAY (
	>&2 echo fake pwsh.cmd: FAKE_PWSH_DELAY is not supported on Windows
	exit /b 2
)
set "token=%FAKE_PWSH_TOKEN%"
if not defined token set "token=eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJwd3NoIn0.fake-pwsh-signature"
set "expires=%FAKE_PWSH_EXPIRES%"
if not defined expires set "expires=4070908800"
set "mode=%FAKE_PWSH_MODE%"
if not defined mode set "mode=ok"
for %%m in (ok nomodule notloggedin wrongtenant hang exit127 garbage tokeninerror) do if "%mode%"=="%%m" goto mode-%%m
>&2 echo fake pwsh: unknown FAKE_PWSH_MODE %mode%
exit /b 2

:mode-ok
echo {"Token":"%token%","ExpiresOn":%expires%,"TenantId":"00000000-0000-0000-0000-0000000000cc"}
exit /b 0

:mode-nomodule
rem The marker line aztoken's script writes when Az.Accounts is missing.
>&2 echo aztoken-pwsh: Az.Accounts not found
exit /b 3

:mode-notloggedin
>&2 echo Get-AzAccessToken: Run Connect-AzAccount to login.
exit /b 1

:mode-wrongtenant
>&2 echo Get-AzAccessToken: AADSTS90002: Tenant 'contoso.example' not found. Run Connect-AzAccount -TenantId contoso.example to login.
exit /b 1

:mode-hang
set "AZTOKEN_TEST_SLEEPER_LOG=%FAKE_PWSH_LOG%"
set "AZTOKEN_TEST_SLEEPER=grandchild"
start /b "" "%FAKE_SLEEPER%"
set "AZTOKEN_TEST_SLEEPER=child"
"%FAKE_SLEEPER%"
exit /b 1

:mode-exit127
>&2 echo pwsh: error while loading shared libraries: libicu: cannot open shared object file
exit /b 127

:mode-garbage
echo Token : %token%
echo ExpiresOn : 1/1/2099 12:00:00 AM +00:00
exit /b 0

:mode-tokeninerror
>&2 echo Get-AzAccessToken: token %token% could not be refreshed
exit /b 1
