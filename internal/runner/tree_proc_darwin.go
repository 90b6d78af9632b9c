package runner

import (
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// sZomb is a zombie's p_stat (sys/proc.h's SZOMB): already dead, only its
// parent can clear it.
const sZomb = 5

// readProcs reads the process table with sysctl kern.proc.all, which
// every user may read, and the environment of the user's own processes
// from kern.procargs2 (other users' are refused, so never marked).
// Processes that end while it reads are skipped.
func readProcs(marker string) []proc {
	kps, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil
	}
	self, uid := os.Getpid(), uint32(os.Getuid())
	out := make([]proc, 0, len(kps))
	for i := range kps {
		k := &kps[i]
		pid := int(k.Proc.P_pid)
		if pid <= 0 || pid == self || k.Proc.P_stat == sZomb {
			continue
		}
		p := proc{pid: pid, ppid: int(k.Eproc.Ppid), pgid: int(k.Eproc.Pgid)}
		if k.Eproc.Ucred.Uid == uid {
			if rec, err := unix.SysctlRaw("kern.procargs2", pid); err == nil {
				p.marked = slices.Contains(procArgsEnv(rec), marker)
			}
		}
		out = append(out, p)
	}
	return out
}
