package lock

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/errdefs"
)

func newManager(t *testing.T) (*Manager, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "locks")
	m, err := NewManager(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// critical checks that nobody else is inside the section guarded by a lock.
type critical struct{ in atomic.Int32 }

func (c *critical) enter(t *testing.T) {
	if !c.in.CompareAndSwap(0, 1) {
		t.Error("two holders of an exclusive lock at once")
	}
}

func (c *critical) leave() { c.in.Store(0) }

// mustNotGet asserts that the lock cannot be taken within a short wait.
func mustNotGet(t *testing.T, take func(context.Context) (*Lock, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	l, err := take(ctx)
	if err == nil {
		l.Unlock()
		t.Fatal("lock taken while it should be held elsewhere")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want deadline exceeded", err)
	}
}

func mustGet(t *testing.T, take func(context.Context) (*Lock, error)) *Lock {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := take(ctx)
	if err != nil {
		t.Fatalf("taking lock: %v", err)
	}
	return l
}

func TestNewManagerMode(t *testing.T) {
	_, dir := newManager(t)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock dir mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestExclusionGoroutines(t *testing.T) {
	m, _ := newManager(t)
	var c critical
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 200 {
				// Half the goroutines wait in a plain blocking flock, half
				// through the cancellable path.
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if g%2 == 1 {
					ctx, cancel = context.WithTimeout(ctx, time.Minute)
				}
				l, err := m.Lock(ctx, "ctr")
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				c.enter(t)
				time.Sleep(10 * time.Microsecond)
				c.leave()
				if err := l.Unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// holder is another process holding a lock, as a concurrent pier would.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startHolder(t *testing.T, dir, name, mode string) *holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PIER_LOCK_HELPER="+dir, "PIER_LOCK_NAME="+name, "PIER_LOCK_MODE="+mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("holder process did not lock: %q, %v", line, err)
	}
	return &holder{cmd: cmd, stdin: stdin}
}

// release makes the holder unlock and exit normally.
func (h *holder) release(t *testing.T) {
	t.Helper()
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("holder process: %v", err)
	}
}

// TestHelperProcess is the holder process: it takes a lock, says so, and
// keeps it until its stdin closes.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PIER_LOCK_HELPER")
	if dir == "" {
		t.Skip("helper for the multi-process tests")
	}
	m, err := NewManager(dir)
	if err != nil {
		os.Exit(2)
	}
	take := m.Lock
	if os.Getenv("PIER_LOCK_MODE") == "shared" {
		take = m.RLock
	}
	l, err := take(context.Background(), os.Getenv("PIER_LOCK_NAME"))
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(); err != nil {
		os.Exit(4)
	}
	os.Exit(0)
}

func TestExclusionProcesses(t *testing.T) {
	m, dir := newManager(t)
	h := startHolder(t, dir, "ctr", "exclusive")
	mustNotGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	mustNotGet(t, func(ctx context.Context) (*Lock, error) { return m.RLock(ctx, "ctr") })
	// Other names are independent.
	mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "other") }).Unlock()

	got := make(chan error, 1)
	go func() {
		l, err := m.Lock(context.Background(), "ctr")
		if err == nil {
			err = l.Unlock()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-got:
		t.Fatalf("waiter returned while the holder process held the lock: %v", err)
	default:
	}
	h.release(t)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter did not get the lock after the holder released it")
	}
}

func TestReleaseOnKill(t *testing.T) {
	m, dir := newManager(t)
	h := startHolder(t, dir, "ctr", "exclusive")
	mustNotGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	h.cmd.Wait()
	mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") }).Unlock()
}

func TestRLockShared(t *testing.T) {
	m, dir := newManager(t)
	rlock := func(ctx context.Context) (*Lock, error) { return m.RLock(ctx, "vol") }
	wlock := func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "vol") }

	r1 := mustGet(t, rlock)
	r2 := mustGet(t, rlock)
	h := startHolder(t, dir, "vol", "shared") // shared across processes too
	mustNotGet(t, wlock)
	r1.Unlock()
	r2.Unlock()
	mustNotGet(t, wlock)
	h.release(t)
	w := mustGet(t, wlock)
	mustNotGet(t, rlock)
	w.Unlock()
	mustGet(t, rlock).Unlock()
}

// TestRemoveWaiter is the race Remove must survive: a waiter blocked on the
// old file gets it after the holder removed it, and must not be left
// "holding" an unlinked file that excludes nobody.
func TestRemoveWaiter(t *testing.T) {
	m, dir := newManager(t)
	a := mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	got := make(chan *Lock, 1)
	go func() {
		l, err := m.Lock(context.Background(), "ctr")
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	time.Sleep(50 * time.Millisecond) // let the waiter block on the old file
	if err := a.Remove(); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if b == nil {
		t.FailNow()
	}
	same, err := isCurrent(b.fd, filepath.Join(dir, "ctr.lock"))
	if err != nil || !same {
		t.Fatalf("waiter holds a file that is not the lock file (current %v, %v)", same, err)
	}
	// And that file really excludes others, in this process and another.
	mustNotGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") })
	if err := b.Remove(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("lock files left after Remove: %v, %v", entries, err)
	}
}

// TestRemoveStress mixes Remove and Unlock under contention; a holder on an
// orphaned inode would show up as two goroutines in the critical section.
func TestRemoveStress(t *testing.T) {
	m, _ := newManager(t)
	var c critical
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 300 {
				l, err := m.Lock(context.Background(), "ctr")
				if err != nil {
					t.Error(err)
					return
				}
				c.enter(t)
				time.Sleep(5 * time.Microsecond)
				c.leave()
				if rand.IntN(2) == 0 {
					err = l.Remove()
				} else {
					err = l.Unlock()
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestCancel(t *testing.T) {
	m, dir := newManager(t)
	h := startHolder(t, dir, "ctr", "exclusive")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := m.Lock(ctx, "ctr"); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	h.release(t)
	// The abandoned waiter must not keep the lock once it gets it.
	mustGet(t, func(ctx context.Context) (*Lock, error) { return m.Lock(ctx, "ctr") }).Unlock()
}

func TestInvalidNames(t *testing.T) {
	m, dir := newManager(t)
	for _, name := range []string{"", ".", "..", "a/b", "../x", "/abs", "a\x00b"} {
		if _, err := m.Lock(context.Background(), name); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Lock(%q): %v, want invalid argument", name, err)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("invalid names created files: %v", entries)
	}
}

func TestMisuse(t *testing.T) {
	m, _ := newManager(t)
	r, err := m.RLock(context.Background(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(); !errors.Is(err, errdefs.ErrInvalidState) {
		t.Fatalf("Remove of a shared lock: %v", err)
	}
	if err := r.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := r.Unlock(); !errors.Is(err, errdefs.ErrInvalidState) {
		t.Fatalf("second Unlock: %v", err)
	}
}
