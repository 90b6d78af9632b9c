package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// newTree creates a Job Object for the child. Windows has no process
// groups to kill; a job holds the child and, since Windows 8, everything
// it starts (nested jobs included), and TerminateJobObject ends them all.
// The job is also marked kill-on-close, so that if aztoken itself dies
// without cleaning up, closing its last handle ends the tree.
//
// The child is created suspended and resumed only once it is in the job:
// otherwise it could start a grandchild before being assigned, and that
// grandchild would be outside the job.
func newTree(cmd *exec.Cmd) (tree, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot create a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("cannot set up the job object: %w", err)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED
	return &jobTree{job: job}, nil
}

type jobTree struct {
	job windows.Handle
	// exec's context watcher may kill while Run is still starting the
	// child; a kill that comes before the child is in the job is kept
	// for started to carry out.
	mu               sync.Mutex
	assigned, killed bool
}

// started puts the suspended child in the job, then resumes it, unless
// the run was stopped meanwhile.
func (t *jobTree) started(p *os.Process) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(t.job, h); err != nil {
		return err
	}
	t.assigned = true
	if t.killed {
		return windows.TerminateJobObject(t.job, 1)
	}
	return resumeThreads(uint32(p.Pid))
}

func (t *jobTree) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.killed = true
	if !t.assigned {
		return os.ErrProcessDone
	}
	return windows.TerminateJobObject(t.job, 1)
}

// release closes the job; kill-on-close ends anything still in it.
func (t *jobTree) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job != 0 {
		windows.CloseHandle(t.job)
		t.job = 0
	}
}

// resumeThreads resumes the threads of a process created suspended. The
// process has one thread at this point; the snapshot lists every thread
// on the system, so those of other processes are skipped.
func resumeThreads(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return err
	}
	if resumed == 0 {
		return fmt.Errorf("found no thread of process %d to resume", pid)
	}
	return nil
}
