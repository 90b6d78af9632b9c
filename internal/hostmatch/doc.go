// Package hostmatch decides whether a server a credential helper is asked
// about is one aztoken may send a token to. Every helper (docker for Azure
// Container Registry, git for Azure Repos, the package feeds) asks here and
// nowhere else, so the rules that keep a token away from a look-alike host
// are written and tested once.
//
// The rules, for every service:
//   - A host matches a row of Rows anchored at both ends: exactly the row's
//     host, or exactly one DNS label followed by the row's suffix. So
//     "evil.azurecr.io.attacker.example" and "a.b.azurecr.io" do not match
//     ".azurecr.io".
//   - Case is folded for ASCII only; any byte outside [a-z0-9.-] after
//     folding (Unicode look-alikes, '@', '%', '\', spaces) fails.
//   - A well-known host matches only without a port, userinfo, query or
//     fragment, and only for HTTPS.
//   - Other hosts (a registry on a custom domain, a test server on
//     127.0.0.1:5000) match only when the user names them, exactly,
//     port included.
//
// A helper that gets no match answers "not found" (or nothing) before it
// sends any request.
package hostmatch
