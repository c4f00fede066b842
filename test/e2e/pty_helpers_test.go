package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// StartInPty starts pier on a new pty of the given size and returns the
// command and the pty's master; the test's end closes both.
func (p *Pier) StartInPty(rows, cols uint16, args ...string) (*exec.Cmd, *os.File) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	p.t.Cleanup(cancel)
	cmd := p.Command(ctx, RunOpts{}, args...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = nil, nil, nil
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { ptmx.Close() })
	return cmd, ptmx
}

// RunInPty runs pier inside a new pty of the given size and returns its
// exit code and everything it wrote to the terminal.
func (p *Pier) RunInPty(rows, cols uint16, args ...string) (int, string) {
	p.t.Helper()
	cmd, ptmx := p.StartInPty(rows, cols, args...)
	defer ptmx.Close()
	var out bytes.Buffer
	_, rerr := io.Copy(&out, ptmx) // ends with EIO when the last slave closes
	if rerr != nil && !errors.Is(rerr, syscall.EIO) {
		p.t.Logf("reading pty: %v", rerr)
	}
	code, _ := exitStatus(cmd, cmd.Wait())
	return code, out.String()
}

// safeBuffer is a bytes.Buffer safe for concurrent writers and readers
// (a pty or a child's output streams, and the test reading them).
type safeBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

func (s *safeBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = s.b[:0]
}
