package e2e

import (
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ptySession is pier running on a pty, its output collected.
type ptySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	out  safeBuffer
	done chan error
}

func startPty(t *testing.T, p *Pier, rows, cols uint16, args ...string) *ptySession {
	t.Helper()
	cmd, ptmx := p.StartInPty(rows, cols, args...)
	s := &ptySession{t: t, cmd: cmd, ptmx: ptmx, done: make(chan error, 1)}
	go func() { _, _ = io.Copy(&s.out, ptmx) }()
	go func() { s.done <- cmd.Wait() }()
	return s
}

func (s *ptySession) waitOutput(want string) {
	s.t.Helper()
	if !eventually(20*time.Second, func() bool { return strings.Contains(s.out.String(), want) }) {
		s.t.Fatalf("%q not seen on the terminal: %q", want, s.out.String())
	}
}

func (s *ptySession) write(b string) { _, _ = s.ptmx.Write([]byte(b)) }

// exit waits for pier to end and returns its exit code.
func (s *ptySession) exit() int {
	s.t.Helper()
	select {
	case err := <-s.done:
		code, _ := exitStatus(s.cmd, err)
		return code
	case <-time.After(20 * time.Second):
		s.t.Fatalf("pier did not exit; terminal: %q", s.out.String())
		return -1
	}
}

// raw reports whether the pty is in raw mode (no canonical input, no
// echo), read on its slave side.
func (s *ptySession) raw() bool {
	s.t.Helper()
	n, err := unix.IoctlGetInt(int(s.ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		s.t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	defer slave.Close()
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		s.t.Fatal(err)
	}
	return tio.Lflag&(unix.ICANON|unix.ECHO) == 0
}

// run -it: the terminal is raw while attached and restored however pier
// ends (detach keys, the container's exit, a signal); the detach keys
// leave the container running.
func TestRunTerminalRestoredAndDetach(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startPty(t, p, 24, 80, "run", "-it", "--name", "d", Image, "sh", "-c", "echo started; sleep 1000")
	s.waitOutput("started")
	if !s.raw() {
		t.Errorf("terminal not raw while attached")
	}
	s.write("\x10\x11") // ctrl-p, ctrl-q
	if code := s.exit(); code != 0 {
		t.Errorf("detach: exit %d", code)
	}
	if s.raw() {
		t.Errorf("terminal left raw after detaching")
	}
	if st := p.Status("d"); st != "running" {
		t.Errorf("container after detach: %s", st)
	}

	// The container's exit.
	s = startPty(t, p, 24, 80, "run", "-it", "--rm", Image, "sh", "-c", "echo started; read x; exit 3")
	s.waitOutput("started")
	s.write("\r")
	if code := s.exit(); code != 3 || s.raw() {
		t.Errorf("after the container's exit: code %d, raw %v", code, s.raw())
	}

	// SIGTERM to pier without --sig-proxy ends the attach, not the container.
	s = startPty(t, p, 24, 80, "run", "-it", "--sig-proxy=false", "--name", "k", Image, "sh", "-c", "echo started; sleep 1000")
	s.waitOutput("started")
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	s.exit()
	if s.raw() {
		t.Errorf("terminal left raw after SIGTERM")
	}
}

// attach --detach-keys, start -ai with containers.conf's detach_keys, and
// window size changes reaching the container through the monitor.
func TestAttachDetachAndResize(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-dit", "--name", "a", Image, "sh")
	r := p.Run("attach", "--detach-keys", "ctrl-1", "a")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "attaching to container "+p.Inspect("a", "{{.ID}}")+": invalid detach keys") {
		t.Errorf("bad --detach-keys: %s", r)
	}
	s := startPty(t, p, 20, 60, "attach", "--detach-keys", "ctrl-x", "a")
	time.Sleep(300 * time.Millisecond)
	s.write("stty size\r")
	s.waitOutput("20 60")
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Rows: 41, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // SIGWINCH, then the monitor
	s.write("stty size\r")
	s.waitOutput("41 101")
	s.write("\x10\x11") // the default keys are not the keys now
	s.write("\x18")     // ctrl-x
	if code := s.exit(); code != 0 || s.raw() {
		t.Errorf("attach detach: exit %d, raw %v; %q", code, s.raw(), s.out.String())
	}
	if st := p.Status("a"); st != "running" {
		t.Errorf("container after detach: %s", st)
	}

	p.WriteConf("[engine]\ndetach_keys = \"ctrl-y\"\n")
	p.MustRun("create", "-it", "--name", "s", Image, "sh")
	s = startPty(t, p, 24, 80, "start", "-ai", "s")
	time.Sleep(300 * time.Millisecond)
	s.write("echo hel''lo\r")
	s.waitOutput("hello")
	s.write("\x19") // ctrl-y
	if code := s.exit(); code != 0 {
		t.Errorf("start -ai detach: exit %d", code)
	}
	if st := p.Status("s"); st != "running" {
		t.Errorf("container after start -ai detach: %s", st)
	}
	// run's bad keys: podman reports a failed start (126), nothing is left.
	r = p.Run("run", "--rm", "--detach-keys", "ctrl-1", Image, "true")
	if r.ExitCode != 126 || !strings.Contains(r.Stderr, "invalid detach keys") {
		t.Errorf("run --detach-keys ctrl-1: %s", r)
	}
}

// run -it: the pty starts at the caller's size and follows its changes
// (SIGWINCH, through the monitor).
func TestRunTerminalResize(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startPty(t, p, 20, 60, "run", "-it", "--rm", Image, "sh")
	s.write("stty size\r")
	s.waitOutput("20 60")
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Rows: 41, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	s.write("stty size\r")
	s.waitOutput("41 101")
	s.write("exit 4\r")
	if code := s.exit(); code != 4 || s.raw() {
		t.Errorf("run -it exit: code %d, raw %v", code, s.raw())
	}
}
