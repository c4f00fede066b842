package lock

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// fdsOpenOn counts the descriptors of process pid that refer to path.
func fdsOpenOn(pid, path string) int {
	ents, _ := os.ReadDir(filepath.Join("/proc", pid, "fd"))
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc", pid, "fd", e.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}

// A process forked while a waiter's duplicate descriptor exists (pier
// forks monitors and runtimes all the time) must not inherit it: the
// inherited copy would take the lock with the waiter and keep it for as
// long as the child lives.
func TestForkedChildDoesNotInheritLock(t *testing.T) {
	m, dir := newManager(t)
	path := filepath.Join(dir, "ctr.lock")
	held := mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan *Lock, 1)
	go func() {
		l, err := m.Lock(ctx, "ctr") // cancellable: waits on a duplicate
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	// held's fd, the waiter's fd and its duplicate.
	deadline := time.Now().Add(10 * time.Second)
	for fdsOpenOn("self", path) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the waiter never duplicated its descriptor")
		}
		time.Sleep(time.Millisecond)
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	time.Sleep(50 * time.Millisecond) // let it exec
	if n := fdsOpenOn(strconv.Itoa(child.Process.Pid), path); n != 0 {
		t.Errorf("forked child inherited %d descriptors of the lock file", n)
	}
	held.Unlock()
	l := <-got
	if l == nil {
		t.FailNow()
	}
	l.Unlock()
	// Nobody holds it now, whatever children exist.
	mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") }).Unlock()
}

func TestTryLock(t *testing.T) {
	m, dir := newManager(t)
	h := startHolder(t, dir, "ctr", "exclusive")
	if l, ok, err := m.TryLock("ctr"); ok || err != nil || l != nil {
		t.Fatalf("TryLock of a held lock = %v, %v, %v; want not ok, no error", l, ok, err)
	}
	h.release(t)
	l, ok, err := m.TryLock("ctr")
	if !ok || err != nil {
		t.Fatalf("TryLock of a free lock = %v, %v", ok, err)
	}
	mustNotGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	l.Unlock()
}
