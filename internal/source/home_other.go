//go:build !windows

package source

// homeVar holds the user's home directory, where az (.azure), azd (.azd)
// and Azure PowerShell (.Azure) keep their logins.
const homeVar = "HOME"

// pwshFallback: outside Windows there is only pwsh.
const pwshFallback = ""
