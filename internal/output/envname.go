package output

import "github.com/aztoken/aztoken/internal/usage"

// ValidEnvName checks a --env-name value: a letter or underscore, then
// letters, digits and underscores. That is the set every supported shell
// accepts unquoted as a variable name (POSIX, PowerShell's $Env:, fish and
// cmd), so the assignment needs no quoting on its left side.
func ValidEnvName(name string) error {
	if name == "" {
		return usage.Errorf("the environment variable name is empty: use letters, digits and underscores, such as %s", DefaultEnvName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		digit := '0' <= c && c <= '9'
		if !letter && !(digit && i > 0) {
			return usage.Errorf("%q is not a valid environment variable name: start with a letter or underscore and use only letters, digits and underscores, such as %s", name, DefaultEnvName)
		}
	}
	return nil
}
