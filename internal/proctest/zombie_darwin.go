package proctest

import "golang.org/x/sys/unix"

// sZomb is a zombie's p_stat (sys/proc.h's SZOMB).
const sZomb = 5

// zombie reads pid's state with sysctl kern.proc.pid.<pid>: macOS has no
// /proc, and reading it there reported every live process as gone.
func zombie(pid int) bool {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return false
	}
	return k.Proc.P_pid == int32(pid) && k.Proc.P_stat == sZomb
}
