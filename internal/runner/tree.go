package runner

import "os"

// tree is every process one run started: the child and whatever it starts
// in turn. Each platform holds the tree its own way (tree_unix.go: a
// process group; tree_sweep.go, Linux and macOS: the group plus
// descendants that left it, found in the process table;
// tree_windows.go: a Job Object), and the runner only asks it to kill.
type tree interface {
	// started is told of the child once it has started; Windows puts it
	// in the job here and only then lets it run.
	started(p *os.Process) error
	// kill ends every process of the tree it can reach, at once. It may
	// be called more than once, before or after the child has exited.
	kill() error
	// release frees what the tree holds. It ends no process by itself.
	release()
}
