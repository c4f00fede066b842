package monitor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// stdioSet is the container's stdio while the runtime creates it.
type stdioSet struct {
	in, out, err  *os.File   // the runtime's stdio
	runtimeEnds   []*os.File // our copies of the ends the runtime took
	outputs       []*os.File // container stdout, stderr (pipes)
	stdinW        *os.File   // container stdin (pipe), nil without Stdin
	runtimeOutput []*os.File // where the runtime's own messages land
	errPipe       *os.File   // with a terminal: the runtime's output
	consoleSocket string
	console       *consoleListener
}

// setupStdio prepares the container's stdio for the log driver: the
// caller's stdio (passthrough), a pty received from the runtime
// (terminal), or pipes. Without a terminal the runtime passes its own
// stdio to the container, so its messages land in the stderr pipe too.
func (s *server) setupStdio() (*stdioSet, error) {
	cfg := s.cfg
	io := &stdioSet{}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", os.DevNull, err)
	}
	io.in = null
	io.runtimeEnds = append(io.runtimeEnds, null)
	switch {
	case passthrough(cfg.LogDriver):
		if cfg.Stdin {
			io.in = os.Stdin
		}
		io.out, io.err = os.Stdout, os.Stderr
	case cfg.Terminal:
		r, w, err := pipe(true)
		if err != nil {
			return nil, err
		}
		io.out, io.err, io.errPipe = w, w, r
		io.runtimeEnds = append(io.runtimeEnds, w)
		io.runtimeOutput = []*os.File{r}
		if io.console, err = listenConsole(cfg.RunDir); err != nil {
			io.closeRuntimeEnds()
			r.Close()
			return nil, err
		}
		io.consoleSocket = io.console.path
	case cfg.MergeOutput && !cfg.Stdin:
		r, w, err := pipe(true)
		if err != nil {
			return nil, err
		}
		io.out, io.err = w, w
		io.runtimeEnds = append(io.runtimeEnds, w)
		io.outputs = []*os.File{r}
		io.runtimeOutput = io.outputs
	default:
		outR, outW, err := pipe(true)
		if err != nil {
			return nil, err
		}
		errR, errW, err := pipe(true)
		if err != nil {
			outR.Close()
			outW.Close()
			return nil, err
		}
		io.out, io.err = outW, errW
		io.runtimeEnds = append(io.runtimeEnds, outW, errW)
		io.outputs = []*os.File{outR, errR}
		io.runtimeOutput = io.outputs
		if cfg.Stdin {
			inR, inW, err := pipe(false)
			if err != nil {
				io.closeRuntimeEnds()
				io.closeOurs()
				return nil, err
			}
			io.in, io.stdinW = inR, inW
			io.runtimeEnds = append(io.runtimeEnds, inR)
		}
	}
	return io, nil
}

// closeRuntimeEnds drops our copies of the container's ends of the pipes,
// so that EOF comes when the container's processes are gone.
func (io *stdioSet) closeRuntimeEnds() {
	for _, f := range io.runtimeEnds {
		f.Close()
	}
	io.runtimeEnds = nil
}

func (io *stdioSet) closeOurs() {
	for _, f := range append(io.outputs, io.stdinW, io.errPipe) {
		if f != nil {
			f.Close()
		}
	}
}

// pipe returns a pipe whose monitor end (the read end if readOurs) is
// non-blocking and served by Go's poller. The other end stays blocking:
// the container's programs expect blocking stdio.
func pipe(readOurs bool) (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("creating pipe: %w", err)
	}
	ours := p[1]
	if readOurs {
		ours = p[0]
	}
	if err := unix.SetNonblock(ours, true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, fmt.Errorf("creating pipe: %w", err)
	}
	return os.NewFile(uintptr(p[0]), "pipe"), os.NewFile(uintptr(p[1]), "pipe"), nil
}

// readAvailable reads what is buffered in a non-blocking f without
// waiting for more (at most 64 KiB: an error message, not a stream).
func readAvailable(f *os.File) []byte {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var out []byte
	buf := make([]byte, 4096)
	_ = rc.Read(func(fd uintptr) bool {
		for len(out) < 64<<10 {
			n, err := unix.Read(int(fd), buf)
			if err == unix.EINTR {
				continue
			}
			if n <= 0 {
				break
			}
			out = append(out, buf[:n]...)
		}
		return true
	})
	return out
}

// listenUnix creates a listening, non-blocking unix socket at dir/name.
func listenUnix(dir, name string) (*os.File, error) {
	path, release, err := sockPath(dir, name, "self")
	if err != nil {
		return nil, err
	}
	defer release()
	return listenAt(path, filepath.Join(dir, name))
}

func listenAt(path, display string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("creating socket %s: %w", display, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("binding socket %s: %w", display, err)
	}
	if err := unix.Listen(fd, 64); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("listening on socket %s: %w", display, err)
	}
	return os.NewFile(uintptr(fd), display), nil
}

// acceptConn waits (in Go's poller, no thread blocked) for a connection.
// It returns an error wrapping os.ErrClosed once l is closed.
func acceptConn(l *os.File) (*os.File, error) {
	rc, err := l.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var aerr error
	err = rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		return aerr != unix.EAGAIN && aerr != unix.EINTR
	})
	if err != nil {
		return nil, err
	}
	if aerr != nil {
		return nil, aerr
	}
	return os.NewFile(uintptr(nfd), "attach-client"), nil
}

// consoleListener receives the pty master that the runtime sends over
// --console-socket with SCM_RIGHTS.
type consoleListener struct {
	l       *os.File
	path    string // as given to the runtime
	file    string // the socket's real path, to remove it
	release func()
	res     chan consoleResult
}

type consoleResult struct {
	fd  int
	err error
}

func listenConsole(dir string) (*consoleListener, error) {
	// The runtime resolves the path itself, so a long dir is reached
	// through our numeric PID rather than /proc/self.
	path, release, err := sockPath(dir, consoleFile, strconv.Itoa(os.Getpid()))
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, consoleFile)
	os.Remove(file)
	l, err := listenAt(path, file)
	if err != nil {
		release()
		return nil, err
	}
	c := &consoleListener{l: l, path: path, file: file, release: release, res: make(chan consoleResult, 1)}
	go func() {
		conn, err := acceptConn(l)
		if err != nil {
			c.res <- consoleResult{err: err}
			return
		}
		fd, err := recvFd(conn)
		conn.Close()
		c.res <- consoleResult{fd: fd, err: err}
	}()
	return c, nil
}

// master returns the pty master once the runtime's create succeeded
// (created), or cleans up after a failed create.
func (c *consoleListener) master(created bool) (*os.File, error) {
	defer func() {
		c.release()
		os.Remove(c.file)
	}()
	var r consoleResult
	if created {
		// A successful create has sent the master already.
		select {
		case r = <-c.res:
		case <-time.After(5 * time.Second):
			r.err = errors.New("the runtime did not send the terminal")
		}
	}
	c.l.Close()
	if !created {
		r = <-c.res
		if r.err == nil {
			unix.Close(r.fd)
		}
		return nil, nil
	}
	if r.err != nil {
		return nil, fmt.Errorf("receiving the container's terminal: %w", r.err)
	}
	if err := unix.SetNonblock(r.fd, true); err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("receiving the container's terminal: %w", err)
	}
	return os.NewFile(uintptr(r.fd), "pty-master"), nil
}

func recvFd(conn *os.File) (int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return -1, err
	}
	buf := make([]byte, 4096) // the runtime sends the pty's name with it
	oob := make([]byte, unix.CmsgSpace(4))
	var oobn int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		_, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN && rerr != unix.EINTR
	})
	if err != nil {
		return -1, err
	}
	if rerr != nil {
		return -1, rerr
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("no file descriptor in the console socket message: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("expected one file descriptor from the console socket: %v", err)
	}
	return fds[0], nil
}
