package source

// homeVar holds the user's home directory, where az (.azure), azd (.azd)
// and Azure PowerShell (.Azure) keep their logins. On Windows that is
// %USERPROFILE%; HOME is usually unset there.
const homeVar = "USERPROFILE"

// pwshFallback is Windows PowerShell 5.1, run when PowerShell 7 (pwsh) is
// not installed, as azidentity does; Az.Accounts works in both.
const pwshFallback = "powershell"
