@echo off
rem Fake Azure Developer CLI for tests on Windows: what the sh script "azd"
rem beside it does, for cmd.exe. Driven by:
rem   FAKE_AZD_MODE   ok (default) ^| notloggedin ^| notloggedin-old ^|
rem                   wrongtenant ^| hang ^| exit127 ^| garbage ^| tokeninerror
rem   FAKE_AZD_TOKEN  the access token to print
rem   FAKE_AZD_EXPIRES  expiry as RFC 3339 (default 2099-01-01T00:00:00Z)
rem   FAKE_AZD_LOG    file to append the call's arguments, directory and a
rem                   few variables to
rem   FAKE_SLEEPER    a program that sleeps, for hang (see az.cmd)
setlocal
rem aztoken quotes every argument; the log shows them unquoted, as sh does.
set "args="
:args
if "%~1"=="" goto args-done
set "args=%args% %~1"
shift
goto args
:args-done
if defined FAKE_AZD_LOG (
	>>"%FAKE_AZD_LOG%" echo args:%args%
	>>"%FAKE_AZD_LOG%" echo dir: %CD%
	>>"%FAKE_AZD_LOG%" echo env: AZD_SKIP_UPDATE_CHECK=%AZD_SKIP_UPDATE_CHECK% AZURE_DEV_COLLECT_TELEMETRY=%AZURE_DEV_COLLECT_TELEMETRY%
)
if defined FAKE_AZD_DELAY (
	>&2 echo fake azd.cmd: FAKE_AZD_DELAY is not supported on Windows
	exit /b 2
)
set "token=%FAKE_AZD_TOKEN%"
if not defined token set "token=eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJhemQifQ.fake-azd-signature"
set "expires=%FAKE_AZD_EXPIRES%"
if not defined expires set "expires=2099-01-01T00:00:00Z"
set "mode=%FAKE_AZD_MODE%"
if not defined mode set "mode=ok"
for %%m in (ok notloggedin notloggedin-old wrongtenant hang exit127 garbage tokeninerror) do if "%mode%"=="%%m" goto mode-%%m
>&2 echo fake azd: unknown FAKE_AZD_MODE %mode%
exit /b 2

:mode-ok
echo {"token": "%token%", "expiresOn": "%expires%"}
exit /b 0

:mode-notloggedin
>&2 echo {"type":"consoleMessage","timestamp":"2025-01-01T00:00:00Z","data":{"message":"\n"}}
>&2 echo {"error":"not logged in, run `azd auth login` to login","message":"Authentication required.","suggestion":"Run `azd auth login` to sign in."}
exit /b 1

:mode-notloggedin-old
>&2 echo {"type":"consoleMessage","timestamp":"2024-01-01T00:00:00Z","data":{"message":"\nERROR: not logged in, run `azd auth login` to login\n\n"}}
exit /b 1

:mode-wrongtenant
>&2 echo {"error":"AADSTS90002: Tenant 'contoso.example' not found. Check to make sure you have the correct tenant ID.","message":"Authentication with Azure failed.","suggestion":"Run 'azd auth login' to sign in again."}
exit /b 1

:mode-hang
set "AZTOKEN_TEST_SLEEPER_LOG=%FAKE_AZD_LOG%"
set "AZTOKEN_TEST_SLEEPER=grandchild"
start /b "" "%FAKE_SLEEPER%"
set "AZTOKEN_TEST_SLEEPER=child"
"%FAKE_SLEEPER%"
exit /b 1

:mode-exit127
>&2 echo azd: cannot execute: required file not found
exit /b 127

:mode-garbage
echo not json %token%
exit /b 0

:mode-tokeninerror
>&2 echo {"error":"failed to refresh token %token%: AADSTS70043"}
exit /b 1
