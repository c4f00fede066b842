// Package lock owns pier's per-object locks: one flock(2)-locked file per
// container, pod or volume in a directory the caller chooses. The kernel
// drops a flock when its holder dies, so a killed pier process never leaves
// an object locked, and objects with different names never wait for each
// other.
//
// It must not know what the objects are or touch anything outside its
// directory; deciding which locks to take, and in which order, is the
// engine's job.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Manager hands out locks on files in one directory.
type Manager struct {
	dir string
}

// Lock is one held lock. It is not safe for concurrent use by several
// goroutines; it is held until Unlock, Remove or the process's death.
type Lock struct {
	fd        int // -1 once released
	path      string
	exclusive bool
}

// NewManager uses dir for lock files, creating it 0700: lock files are
// opened read-write, so whoever can write there could hold pier's locks.
func NewManager(dir string) (*Manager, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating lock directory: %w", err)
	}
	return &Manager{dir: dir}, nil
}

// Lock takes the exclusive lock called name, waiting until it is free or
// ctx is done.
func (m *Manager) Lock(ctx context.Context, name string) (*Lock, error) {
	return m.acquire(ctx, name, true, true)
}

// RLock takes the lock called name shared with other RLock holders.
func (m *Manager) RLock(ctx context.Context, name string) (*Lock, error) {
	return m.acquire(ctx, name, false, true)
}

// TryLock takes the exclusive lock called name only if nobody holds it;
// ok is false when someone does. It is for work that is anyone's to do
// (cleaning up after a dead process) and must never make a reader wait.
func (m *Manager) TryLock(name string) (l *Lock, ok bool, err error) {
	l, err = m.acquire(context.Background(), name, true, false)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, false, nil
	}
	return l, err == nil, err
}

// validName keeps lock files inside the directory.
func validName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 200 {
		return fmt.Errorf("invalid lock name %q: %w", name, errdefs.ErrInvalidArgument)
	}
	return nil
}

// acquire takes the lock; without wait it fails with EWOULDBLOCK when the
// lock is held.
func (m *Manager) acquire(ctx context.Context, name string, exclusive, wait bool) (*Lock, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(m.dir, name+".lock")
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening lock %s: %w", path, err)
		}
		if err := flock(ctx, fd, how, wait); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("taking lock %s: %w", path, err)
		}
		// While we waited, the holder may have removed the object and its
		// lock file (Remove), and someone may have created a new file at
		// the same path. Our lock on the orphaned inode excludes nobody, so
		// start again on whatever is at the path now.
		same, err := isCurrent(fd, path)
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("checking lock %s: %w", path, err)
		}
		if same {
			return &Lock{fd: fd, path: path, exclusive: exclusive}, nil
		}
		unix.Close(fd)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("taking lock %s: %w", path, err)
		}
	}
}

// isCurrent reports whether fd is still the file linked at path. An open
// inode cannot be reused, so dev+inode identify it.
func isCurrent(fd int, path string) (bool, error) {
	var fst, pst unix.Stat_t
	if err := unix.Fstat(fd, &fst); err != nil {
		return false, err
	}
	if err := unix.Lstat(path, &pst); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, err
	}
	return fst.Dev == pst.Dev && fst.Ino == pst.Ino, nil
}

// flock takes the lock without waiting when it is free. Otherwise it waits
// in a blocking flock, which the kernel wakes as soon as the lock is
// released; when ctx can be cancelled that wait runs in a goroutine, because
// a blocked flock cannot be interrupted. A waiter abandoned by cancellation
// releases the lock as soon as it gets it.
func flock(ctx context.Context, fd, how int, wait bool) error {
	err := flockRetry(fd, how|unix.LOCK_NB)
	if !wait || !errors.Is(err, unix.EWOULDBLOCK) {
		return err
	}
	if ctx.Done() == nil {
		return flockRetry(fd, how)
	}
	// The goroutine owns a duplicate so that closing fd on cancellation
	// cannot race with it, and so its late lock dies with its own close.
	// Close-on-exec like fd: a process forked meanwhile (a monitor) must
	// not inherit a descriptor that holds, or will hold, the lock.
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("duplicating lock descriptor: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- flockRetry(dup, how)
	}()
	select {
	case err := <-done:
		unix.Close(dup) // the lock belongs to the open file, which fd still references
		return err
	case <-ctx.Done():
		go func() {
			<-done
			unix.Close(dup)
		}()
		return ctx.Err()
	}
}

func flockRetry(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l.fd < 0 {
		return fmt.Errorf("unlocking %s: lock is not held: %w", l.path, errdefs.ErrInvalidState)
	}
	err := unix.Close(l.fd)
	l.fd = -1
	if err != nil {
		return fmt.Errorf("unlocking %s: %w", l.path, err)
	}
	return nil
}

// Remove deletes the lock file and releases the lock, for when the object
// itself is removed, so lock files do not pile up. It needs the lock held
// exclusively: a waiter then finds the file gone and starts over on a fresh
// one (see acquire). Once it has started, the lock is released even if it
// fails.
func (l *Lock) Remove() error {
	if l.fd < 0 {
		return fmt.Errorf("removing lock %s: lock is not held: %w", l.path, errdefs.ErrInvalidState)
	}
	if !l.exclusive {
		return fmt.Errorf("removing lock %s: held shared, not exclusively: %w", l.path, errdefs.ErrInvalidState)
	}
	// Unlink before unlocking: the other order lets a waiter take the old
	// file and pass the identity check just before it disappears.
	if err := unix.Unlink(l.path); err != nil && !errors.Is(err, unix.ENOENT) {
		// Released anyway: the object is going away and callers should
		// not need a second cleanup path for a leftover file.
		return errors.Join(fmt.Errorf("removing lock %s: %w", l.path, err), l.Unlock())
	}
	return l.Unlock()
}
