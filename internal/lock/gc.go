package lock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// GC removes the lock files of objects that no longer exist: keep reports
// the names still in use. A CLI killed after taking a new object's lock but
// before saving the object leaves such a file. A lock someone holds is never
// removed (we only unlink what we hold exclusively, and acquire notices an
// unlinked file and retries), so GC is safe beside any other pier.
func (m *Manager) GC(keep func(name string) bool) error {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return fmt.Errorf("reading lock directory: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || keep(name) {
			continue
		}
		path := filepath.Join(m.dir, e.Name())
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			continue // gone already
		}
		if unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil {
			if same, _ := isCurrent(fd, path); same && !keep(name) {
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		unix.Close(fd)
	}
	return errors.Join(errs...)
}
