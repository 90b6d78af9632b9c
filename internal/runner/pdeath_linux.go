package runner

import "syscall"

// parentDeathSignal has the kernel kill the child when aztoken dies, the
// counterpart of the job object's kill-on-close on Windows. (Linux sends
// it when the thread that started the child exits; Go's runtime does not
// end its threads while the process lives, as nothing here locks one.)
func parentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
