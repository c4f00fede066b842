package engine

import (
	"context"
	"strings"

	"github.com/pier-engine/pier/internal/lock"
)

// Kinds of objects that have locks. A lock's name is "<kind>-<id>", so
// objects of different kinds never share a lock file even if their IDs
// collide, and lock GC knows which table to ask about each file.
const (
	kindContainer = "container"
	// kindVolume is in volume.go, kindPod in pod.go; network, exec: with
	// their objects.
)

// runtimeLock is the engine-wide lock, taken only for reboot refresh.
const runtimeLock = "runtime"

func lockName(kind, id string) string { return kind + "-" + id }

// lockCtr takes a container's lock.
func (r *Runtime) lockCtr(ctx context.Context, id string) (*lock.Lock, error) {
	return r.locks.Lock(ctx, lockName(kindContainer, id))
}

// tryLockCtr takes a container's lock only if it is free.
func (r *Runtime) tryLockCtr(id string) (*lock.Lock, bool, error) {
	return r.locks.TryLock(lockName(kindContainer, id))
}

// keepLock reports whether the lock called name belongs to an existing
// object. Names without a known kind are lock files of an older pier
// (which named them by bare ID) or of a kind this pier does not know yet:
// GC only ever removes files nobody holds, so dropping the former is safe,
// and the latter are kept.
func (r *Runtime) keepLock(name string, exists func(kind, id string) bool) bool {
	if name == runtimeLock {
		return true
	}
	kind, id, ok := strings.Cut(name, "-")
	if !ok {
		return false // a bare ID: an older pier's lock
	}
	switch kind {
	case kindContainer, kindVolume, kindPod:
		return exists(kind, id)
	case "network", "exec":
		return true
	}
	return false
}
