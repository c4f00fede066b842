package monitor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// AttachStreams are the caller's ends of the container's stdio.
type AttachStreams struct {
	Stdin  io.Reader // nil: nothing is sent
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // nil: discarded; with a terminal all output is Stdout
	// Resize delivers terminal size changes; the first value should be the
	// current size. It may be nil.
	Resize <-chan TermSize
	// KeepStdinOpen leaves the container's stdin open when Stdin ends
	// (podman closes it, so `echo x | pier run -i img cat` ends).
	KeepStdinOpen bool
}

// AttachConn is a connection to a container's monitor. Dial it before
// the container starts so that no output is missed.
type AttachConn struct {
	exited *int // the container had exited when we connected
	runDir string
	f      *os.File
	wmu    sync.Mutex // one frame at a time from stdin and resize
	once   sync.Once
	// cleans: this client removes the container after the exit
	// (Config.FirstClientCleans); Run leaves the connection open for
	// CleanupDone.
	cleans bool
}

// DialAttach connects to the attach socket in runDir.
func DialAttach(ctx context.Context, runDir string) (*AttachConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, release, err := sockPath(runDir, attachFile, "self")
	if err != nil {
		return nil, fmt.Errorf("connecting to the container's monitor: %w", err)
	}
	defer release()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("connecting to the container's monitor: %w", err)
	}
	// Connect while blocking (a unix connect completes at once), then hand
	// the socket to Go's poller so that reads can be interrupted.
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connecting to the container's monitor at %s: %w",
			filepath.Join(runDir, attachFile), err)
	}
	a := &AttachConn{runDir: runDir}
	if err := a.handshake(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connecting to the container's monitor: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connecting to the container's monitor: %w", err)
	}
	a.f = os.NewFile(uintptr(fd), "attach")
	return a, nil
}

// handshake waits, still in blocking mode, for the monitor to confirm that
// this client is registered (or to report that the container already
// exited). Without it, output written between connect and the monitor's
// accept would reach only the log.
func (a *AttachConn) handshake(fd int) error {
	tv := unix.Timeval{Sec: 30}
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	defer func() { _ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{}) }()
	typ, p, err := readFrame(fdReader(fd), nil)
	if err != nil {
		return fmt.Errorf("waiting for the monitor to accept: %w", err)
	}
	switch typ {
	case frameReady:
		return nil
	case frameExit:
		if len(p) == 4 {
			code := int(int32(binary.BigEndian.Uint32(p)))
			a.exited = &code
			return nil
		}
	}
	return fmt.Errorf("unexpected frame %d from the monitor", typ)
}

// fdReader reads a raw blocking descriptor.
type fdReader int

func (f fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(f), p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// Close ends the connection (the container keeps running).
func (a *AttachConn) Close() error {
	var err error
	a.once.Do(func() { err = a.f.Close() })
	return err
}

// Attach connects to the container's monitor and runs the streams until
// the container exits, returning its exit code. A container that already
// exited gives its recorded exit code.
func Attach(ctx context.Context, runDir string, streams AttachStreams) (int, error) {
	a, err := DialAttach(ctx, runDir)
	if err != nil {
		if code, _, exitErr := ReadExitFile(runDir); exitErr == nil {
			return code, nil
		}
		return 0, err
	}
	defer a.Close()
	return a.Run(ctx, &streams)
}

// Run copies output to the streams, stdin and resizes to the container,
// and returns the exit code once the monitor reports the exit. It closes
// the connection when it returns. A goroutine blocked reading s.Stdin
// stays until that read returns.
func (a *AttachConn) Run(ctx context.Context, s *AttachStreams) (code int, err error) {
	defer func() {
		if !a.cleans || err != nil {
			a.Close()
		}
	}()
	if a.exited != nil {
		return *a.exited, nil
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			a.Close() // interrupts the read below
		case <-done:
		}
	}()
	if s.Stdin != nil {
		go a.copyStdin(s.Stdin, !s.KeepStdinOpen)
	}
	if s.Resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case sz, ok := <-s.Resize:
					if !ok || a.Resize(sz) != nil {
						return
					}
				}
			}
		}()
	}
	stdout, stderr := orDiscard(s.Stdout), orDiscard(s.Stderr)
	buf := make([]byte, 32<<10)
	for {
		typ, p, err := readFrame(a.f, buf)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			// The monitor may have gone between writing the exit file and
			// accepting us; the exit file is the record.
			if code, _, exitErr := ReadExitFile(a.runDir); exitErr == nil {
				return code, nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, errors.New("the container's monitor closed the attach connection before the container exited")
			}
			return 0, fmt.Errorf("reading from the container's monitor: %w", err)
		}
		switch typ {
		case frameStdout:
			_, err = stdout.Write(p)
		case frameStderr:
			_, err = stderr.Write(p)
		case frameExit:
			if len(p) != 4 {
				return 0, fmt.Errorf("malformed exit frame from the container's monitor (%d bytes)", len(p))
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		}
		if err != nil {
			return 0, fmt.Errorf("writing container output: %w", err)
		}
		buf = p[:cap(p)]
	}
}

// Cleans tells whether the caller must remove the container after the
// exit and then call CleanupDone (Close alone leaves it to the monitor's
// exit command).
func (a *AttachConn) Cleans() bool { return a.cleans }

// ClaimCleanup asks the monitor to leave the cleanup after the exit to
// this client (stop does it itself): nil when the monitor did not agree
// (the exit is being handled, or another client has it). The connection
// then carries no output; say CleanupDone once the cleanup is done, or
// Close to leave it to the monitor's exit command.
func ClaimCleanup(ctx context.Context, runDir string) *AttachConn {
	a, err := DialAttach(ctx, runDir)
	if err != nil {
		return nil
	}
	if a.exited != nil || a.send(frameClaimCleanup, nil) != nil {
		a.Close()
		return nil
	}
	// The answer comes at once; a monitor that does not know the frame
	// (started by an older pier) must not hold up the stop.
	_ = a.f.SetReadDeadline(time.Now().Add(time.Second))
	defer func() { _ = a.f.SetReadDeadline(time.Time{}) }()
	buf := make([]byte, 32<<10)
	for {
		typ, p, err := readFrame(a.f, buf)
		if err != nil || typ == frameClaimRefused || typ == frameExit {
			a.Close()
			return nil
		}
		if typ == frameClaimed {
			a.cleans = true
			return a
		}
		buf = p[:cap(p)] // output sent before the claim: not ours
	}
}

// AwaitExit reads a claimed connection until the monitor reports the
// container's exit or goes away (true: the exit file or the state says
// the rest), or until timeout or ctx ends (false). The exit arrives the
// instant the monitor has it, where polling the exit file would add its
// interval to every stop; output frames are dropped, and reading them
// keeps a chatty container from getting the claimer dropped as a stalled
// client.
func (a *AttachConn) AwaitExit(ctx context.Context, timeout time.Duration) bool {
	if a.exited != nil {
		return true
	}
	_ = a.f.SetReadDeadline(time.Now().Add(timeout))
	defer func() { _ = a.f.SetReadDeadline(time.Time{}) }()
	stop := context.AfterFunc(ctx, func() { _ = a.f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 32<<10)
	for {
		typ, p, err := readFrame(a.f, buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if err != nil || typ == frameExit {
			return true
		}
		buf = p[:cap(p)]
	}
}

// CleanupDone tells the monitor that the container is removed, so that it
// runs no exit command, and closes the connection.
func (a *AttachConn) CleanupDone() error {
	err := a.send(frameCleanupDone, nil)
	a.Close()
	return err
}

// Resize sets the container's terminal size. Call it with the caller's
// size before the runtime starts the process, so that the process never
// sees a 0x0 terminal (the spec's process.consoleSize does the same at
// create). Containers without a terminal ignore it.
func (a *AttachConn) Resize(sz TermSize) error {
	var p [4]byte
	binary.BigEndian.PutUint16(p[0:], sz.Height)
	binary.BigEndian.PutUint16(p[2:], sz.Width)
	if err := a.send(frameResize, p[:]); err != nil {
		return fmt.Errorf("resizing the container's terminal: %w", err)
	}
	return nil
}

func (a *AttachConn) copyStdin(in io.Reader, closeAtEOF bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 && a.send(frameStdin, buf[:n]) != nil {
			return
		}
		if err != nil {
			if err == io.EOF && closeAtEOF {
				_ = a.send(frameStdinClose, nil)
			}
			return
		}
	}
}

func (a *AttachConn) send(typ byte, p []byte) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	b := appendFrameHeader(make([]byte, 0, frameHeader+len(p)), typ, len(p))
	_, err := a.f.Write(append(b, p...))
	return err
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
