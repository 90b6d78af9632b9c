package cache

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofrs/flock"
)

// lock takes the exclusive lock file name in the cache directory, waiting
// no longer than ctx allows. Lock files are opened with lockFlags: a link
// planted in a lock file's place is refused, not followed.
func (c *Cache) lock(ctx context.Context, name string) (*flock.Flock, error) {
	fl := flock.New(c.path(name, ""), flock.SetPermissions(0o600), flock.SetFlag(lockFlags))
	ok, err := fl.TryLockContext(ctx, lockPoll)
	if err == nil && ok {
		return fl, nil
	}
	_ = fl.Close()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("gave up waiting for another aztoken holding the cache lock: %w", ctxErr)
	}
	if err == nil {
		err = errors.New("lock not taken")
	}
	return nil, fmt.Errorf("cannot lock the cache entry: %w", err)
}

// removeIdleLock removes a lock file that no process holds. A process that
// opened it just before may still lock the removed file while another
// locks a new one; the worst that does is one extra fetch.
func (c *Cache) removeIdleLock(path string) {
	fl := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(lockFlags))
	if ok, err := fl.TryLock(); err == nil && ok {
		removeHeld(fl, path)
	}
	_ = fl.Close()
}
