@echo off
rem Fake Azure CLI for tests on Windows: what the sh script "az" beside it
rem does, for cmd.exe, which is how aztoken runs az.cmd there. Driven by:
rem   FAKE_AZ_MODE   ok (default) ^| ok-expireson-only ^| notloggedin ^|
rem                  wrongtenant ^| hang ^| exit127 ^| garbage ^| tokeninerror
rem   FAKE_AZ_TOKEN  the access token to print
rem   FAKE_AZ_EXPIRES  expiry in epoch seconds (default 4070908800, 2099)
rem   FAKE_AZ_EXPIRES_LOCAL  expiresOn as az writes it, in local time (cmd
rem                  cannot turn epoch seconds into a date)
rem   FAKE_AZ_TENANT the tenant to report
rem   FAKE_AZ_LOG    file to append the call's arguments, directory and a
rem                  few variables to, one line each
rem   FAKE_SLEEPER   a program that sleeps (the test binary: internal/proctest)
rem                  for hang: one started in the background, the grandchild,
rem                  logs its pid; one in the foreground waits for ever.
setlocal
rem aztoken quotes every argument; the log shows them unquoted, as sh does.
set "args="
:args
if "%~1"=="" goto args-done
set "args=%args% %~1"
shift
goto args
:args-done
if defined FAKE_AZ_LOG (
	>>"%FAKE_AZ_LOG%" echo args:%args%
	>>"%FAKE_AZ_LOG%" echo dir: %CD%
	>>"%FAKE_AZ_LOG%" echo env: AZURE_CORE_NO_COLOR=%AZURE_CORE_NO_COLOR% AZURE_CORE_ONLY_SHOW_ERRORS=%AZURE_CORE_ONLY_SHOW_ERRORS% AZURE_CORE_COLLECT_TELEMETRY=%AZURE_CORE_COLLECT_TELEMETRY%
)
if defined FAKE_AZ_DELAY (
	>&2 echo fake az.cmd: FAKE_AZ_DELAY is not supported on Windows
	exit /b 2
)
set "token=%FAKE_AZ_TOKEN%"
if not defined token set "token=eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJmYWtlIn0.fake-az-signature"
set "tenant=%FAKE_AZ_TENANT%"
if not defined tenant set "tenant=00000000-0000-0000-0000-0000000000aa"
set "expires=%FAKE_AZ_EXPIRES%"
if not defined expires set "expires=4070908800"
set "local=%FAKE_AZ_EXPIRES_LOCAL%"
if not defined local set "local=2099-01-01 00:00:00.000000"
set "mode=%FAKE_AZ_MODE%"
if not defined mode set "mode=ok"
for %%m in (ok ok-expireson-only notloggedin wrongtenant hang exit127 garbage tokeninerror) do if "%mode%"=="%%m" goto mode-%%m
>&2 echo fake az: unknown FAKE_AZ_MODE %mode%
exit /b 2

:mode-ok
echo {"accessToken": "%token%", "expiresOn": "%local%", "expires_on": %expires%, "subscription": "00000000-0000-0000-0000-0000000000bb", "tenant": "%tenant%", "tokenType": "Bearer"}
exit /b 0

:mode-ok-expireson-only
echo {"accessToken": "%token%", "expiresOn": "%local%", "subscription": "00000000-0000-0000-0000-0000000000bb", "tenant": "%tenant%", "tokenType": "Bearer"}
exit /b 0

:mode-notloggedin
>&2 echo ERROR: Please run 'az login' to setup account.
exit /b 1

:mode-wrongtenant
>&2 echo ERROR: AADSTS90002: Tenant 'contoso.example' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Trace ID: 3f1c0e55-0000-4000-8000-000000000001 Correlation ID: 3f1c0e55-0000-4000-8000-000000000002 Timestamp: 2024-01-01 00:00:00Z
>&2 echo Interactive authentication is needed. Please run:
>&2 echo az login --scope https://management.core.windows.net//.default
exit /b 1

:mode-hang
set "AZTOKEN_TEST_SLEEPER_LOG=%FAKE_AZ_LOG%"
set "AZTOKEN_TEST_SLEEPER=grandchild"
start /b "" "%FAKE_SLEEPER%"
set "AZTOKEN_TEST_SLEEPER=child"
"%FAKE_SLEEPER%"
exit /b 1

:mode-exit127
>&2 echo C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin\az.cmd: python.exe is not recognized as an internal or external command
exit /b 127

:mode-garbage
echo WARNING: this is not JSON
echo ^<html^>%token%^</html^>
exit /b 0

:mode-tokeninerror
>&2 echo ERROR: The refresh token has expired: %token%
>&2 echo AADSTS700082: refresh token 0.AXoAMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwAAA.AgABAAEAAAD--DLA3VO7QrddgJg7WevrAgDs_wQA9P9ZnPxtvM1s was rejected
exit /b 1
