package cache

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncOrdered makes f's data reach the disk before anything written
// after it. On macOS f.Sync is F_FULLFSYNC, which flushes the drive's
// whole cache (about 20 ms on Apple SSDs) and a cache write took two.
// An entry only needs its data durable before the rename that publishes
// it, which F_BARRIERFSYNC orders for a fraction of that (Apple's "Reducing
// Disk Writes" guide recommends it for exactly this); a crash then loses
// at most the newest entry, which the next get fetches again. A file
// system without barriers (SMB, some FUSE mounts) gets the full flush.
func syncOrdered(f *os.File) error {
	if _, err := unix.FcntlInt(f.Fd(), unix.F_BARRIERFSYNC, 0); err == nil {
		return nil
	}
	return f.Sync()
}
