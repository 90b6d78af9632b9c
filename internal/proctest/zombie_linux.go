package proctest

import (
	"os"
	"strconv"
	"strings"
)

// zombie reads pid's state from /proc/<pid>/stat; a pid that vanished
// meanwhile is gone too.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] == 'Z'
}
