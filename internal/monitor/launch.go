package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/version"
)

// syncMsg is one line on the sync pipe (see the package doc).
type syncMsg struct {
	Listening     bool   `json:"listening,omitempty"`
	PID           int    `json:"pid,omitempty"`
	Error         string `json:"error,omitempty"`
	RuntimeOutput string `json:"runtimeOutput,omitempty"`
	RuntimeErr    string `json:"runtimeErr,omitempty"`
}

// Launch starts a detached pier-monitor for cfg and returns once the
// runtime's create (or run, with cfg.Start) finished: the container's PID
// and the monitor's PID. A runtime failure comes back with the runtime's
// own message, and with exit code 127 or 126 when the container's command
// could not be executed. On error no monitor and no runtime container are
// left behind.
func Launch(ctx context.Context, monitorPath string, cfg *Config) (pid, monitorPID int, err error) {
	if cfg.WaitAttach {
		return 0, 0, fmt.Errorf("monitor config with WaitAttach needs LaunchStart: %w", errdefs.ErrInvalidArgument)
	}
	pid, monitorPID, _, err = launchMonitor(ctx, monitorPath, cfg, nil, nil)
	return pid, monitorPID, err
}

// LaunchStart is Launch with cfg.Start (and WaitAttach, which it sets):
// once the monitor is up, and before the container starts, it calls
// listening with the monitor's PID (the caller records it: a crash from
// then on leaves a trace of the monitor) and attaches. It returns the
// attach connection with attach, else closes it.
func LaunchStart(ctx context.Context, monitorPath string, cfg *Config, attach bool, listening func(monitorPID int) error) (pid, monitorPID int, att *AttachConn, err error) {
	return LaunchStartPending(ctx, nil, monitorPath, cfg, attach, listening)
}

// LaunchStartPending is LaunchStart in the pending monitor p when it can
// serve cfg (see Spawn), else in a new one; p is used up either way.
func LaunchStartPending(ctx context.Context, p *Pending, monitorPath string, cfg *Config, attach bool, listening func(monitorPID int) error) (pid, monitorPID int, att *AttachConn, err error) {
	if !cfg.Start {
		p.Close()
		return 0, 0, nil, fmt.Errorf("LaunchStart needs a monitor config with Start: %w", errdefs.ErrInvalidArgument)
	}
	cfg.WaitAttach = true
	pid, monitorPID, att, err = launchMonitor(ctx, monitorPath, cfg, listening, p)
	if err == nil && !attach {
		att.Close()
		att = nil
	}
	return pid, monitorPID, att, err
}

func launchMonitor(ctx context.Context, monitorPath string, cfg *Config, listening func(int) error, pending *Pending) (pid, monitorPID int, att *AttachConn, err error) {
	if err := prepare(cfg); err != nil {
		pending.Close()
		return 0, 0, nil, err
	}
	if pending != nil {
		if r, cmd, waited, ok := pending.take(cfg, filepath.Join(cfg.RunDir, configFile)); ok {
			defer r.Close()
			if listening != nil {
				// Its PID is known already: recorded while the monitor
				// reads its config and sets up, not after. It still runs
				// the runtime only once we attach, after this.
				l := &launch{cfg: cfg, monitorPath: monitorPath, pgid: cmd.Process.Pid}
				if err := listening(l.pgid); err != nil {
					return 0, 0, nil, l.abort(ctx, err)
				}
			}
			return awaitMonitor(ctx, monitorPath, cfg, nil, r, cmd, waited)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, 0, nil, fmt.Errorf("creating monitor sync pipe: %w", err)
	}
	defer r.Close()
	verb := "serve"
	if cfg.ExecProcess != "" {
		verb = "exec"
	}
	cmd := exec.Command(monitorPath, verb, cfg.ID, filepath.Join(cfg.RunDir, configFile))
	preserved, err := preservedFiles(cfg.PreserveFDs, cfg.PreserveFD)
	if err != nil {
		w.Close()
		return 0, 0, nil, err
	}
	cmd.ExtraFiles = append([]*os.File{w}, preserved...) // fd 3, then 4..
	cmd.Dir = "/"
	// A new session: the terminal's signals and hangups of the CLI never
	// reach the monitor or (without a tty) the container. The monitor is
	// started directly, not through an intermediate process that exits (an
	// exec less per start): it is our child until we exit, then init's (or
	// the nearest subreaper's), as a double fork would leave it too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = withoutTestVars(os.Environ())
	var errLog *os.File
	if passthrough(cfg.LogDriver) {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	} else if cfg.ErrorLog != "" {
		// What the monitor cannot say on the sync pipe (a Go runtime
		// fatal error, a panic) must land where users look for its
		// errors, not in /dev/null.
		if errLog, err = os.OpenFile(cfg.ErrorLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			cmd.Stderr = errLog
		}
	}
	err = cmd.Start()
	w.Close()
	for _, f := range preserved {
		if f.Name() == os.DevNull {
			f.Close() // the gap fillers are ours; the user's fds stay open
		}
	}
	if errLog != nil {
		errLog.Close()
	}
	if err != nil {
		return 0, 0, nil, fmt.Errorf("starting %s: %w", monitorPath, err)
	}
	// Reaped as soon as it exits, so that a long-lived caller keeps no
	// zombie. Its process group lives on with the runtime and (without a
	// tty) the container: the unit to kill if anything fails.
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	return awaitMonitor(ctx, monitorPath, cfg, listening, r, cmd, waited)
}

// awaitMonitor follows a started monitor's sync pipe r to the create's
// outcome.
func awaitMonitor(ctx context.Context, monitorPath string, cfg *Config, listening func(int) error, r *os.File, cmd *exec.Cmd, waited <-chan error) (pid, monitorPID int, att *AttachConn, err error) {
	l := &launch{cfg: cfg, monitorPath: monitorPath, pgid: cmd.Process.Pid, waited: waited, listening: listening}
	pid, err = l.await(ctx, r)
	if err != nil {
		if l.att != nil {
			l.att.Close()
		}
		return 0, 0, nil, err
	}
	return pid, cmd.Process.Pid, l.att, nil
}

type launch struct {
	cfg         *Config
	monitorPath string
	pgid        int
	waited      <-chan error // the monitor's exit
	att         *AttachConn  // with cfg.WaitAttach, once the monitor listens
	listening   func(monitorPID int) error
}

// syncEvent is one message of the sync pipe, or its end (with the read
// error, nil at EOF). One ordered channel: with a second one for the end,
// select could see the end first while the monitor's last message (its
// PID, sent just before it closes the pipe) still waited in the first.
type syncEvent struct {
	m   syncMsg
	end bool
	err error
}

// readerStarted lets a test hold await back until the monitor's reply and
// the pipe's end have both been read, the interleaving a loaded machine
// produces.
var readerStarted = func() {}

// await reads the sync pipe until the monitor reports the create's outcome.
func (l *launch) await(ctx context.Context, r *os.File) (pid int, err error) {
	events := make(chan syncEvent, 8) // never blocks the reader: at most 3 messages and the end
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m syncMsg
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				events <- syncEvent{end: true, err: fmt.Errorf("malformed message %q: %w", sc.Bytes(), err)}
				return
			}
			events <- syncEvent{m: m}
		}
		events <- syncEvent{end: true, err: sc.Err()}
	}()
	readerStarted()
	for {
		var ev syncEvent
		select {
		case <-ctx.Done():
			return 0, l.abort(ctx, fmt.Errorf("waiting for the monitor of %s: %w", l.cfg.ID, ctx.Err()))
		case ev = <-events:
		}
		if ev.end {
			return 0, l.abort(ctx, fmt.Errorf("monitor %s for container %s: %w", l.monitorPath, l.cfg.ID, l.endError(ev.err)))
		}
		m := ev.m
		switch {
		case m.Listening && l.cfg.WaitAttach && l.att == nil:
			if l.listening != nil {
				if err := l.listening(l.pgid); err != nil {
					return 0, l.abort(ctx, err)
				}
			}
			if l.att, err = DialAttach(ctx, l.cfg.RunDir); err != nil {
				return 0, l.abort(ctx, fmt.Errorf("attaching to container %s: %w", l.cfg.ID, err))
			}
			l.att.cleans = l.cfg.FirstClientCleans
		case m.PID > 0:
			return m.PID, nil
		case m.Error != "" || m.RuntimeErr != "":
			// The monitor cleans up and exits after an error; wait for
			// that (its end of the pipe closes) so none is left behind.
			l.awaitEnd(ctx, events)
			return 0, l.failure(m)
		}
	}
}

// endError explains a sync pipe that ended before the monitor's reply.
func (l *launch) endError(err error) error {
	if err != nil {
		return err
	}
	err = errors.New("it exited without a reply")
	select {
	case werr := <-l.waited:
		if werr != nil {
			err = fmt.Errorf("it failed: %w", werr)
		}
	case <-time.After(5 * time.Second): // a loaded machine reaps late
	}
	if l.cfg.ErrorLog != "" {
		err = fmt.Errorf("%w (its errors go to %s)", err, l.cfg.ErrorLog)
	}
	return err
}

// awaitEnd waits for the monitor to close the pipe, killing it if it
// takes too long or the caller gives up.
func (l *launch) awaitEnd(ctx context.Context, events <-chan syncEvent) {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if !ev.end {
				continue
			}
			return
		case <-timeout:
		case <-ctx.Done():
		}
		if l.pgid > 0 {
			_ = syscall.Kill(-l.pgid, syscall.SIGKILL)
		}
		return
	}
}

// failure is the error the monitor reported: the runtime's own message
// when create failed.
func (l *launch) failure(m syncMsg) error {
	if m.RuntimeErr == "" {
		return fmt.Errorf("monitor for container %s: %s", l.cfg.ID, m.Error)
	}
	out := m.RuntimeOutput
	if l.cfg.ExecProcess != "" {
		err := l.cfg.Runtime.NewError("exec", []byte(out), errors.New(m.RuntimeErr))
		return oci.ClassifyExec(err)
	}
	if l.cfg.Start {
		// `run --detach` fails where create would, but says "runc run
		// failed"; podman (create, then start) prints "runc create failed".
		name := l.cfg.Runtime.Name
		out = strings.ReplaceAll(out, name+" run failed", name+" create failed")
	}
	err := l.cfg.Runtime.NewError("create", []byte(out), errors.New(m.RuntimeErr))
	return oci.ClassifyExec(err)
}

// abort kills the monitor's whole process group and removes whatever the
// runtime's create got to make.
func (l *launch) abort(ctx context.Context, err error) error {
	if l.pgid > 0 { // -0 would be our own process group
		_ = syscall.Kill(-l.pgid, syscall.SIGKILL)
	}
	if l.cfg.ExecProcess != "" {
		return err // the container is not the session's to delete
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = l.cfg.Runtime.Delete(dctx, l.cfg.ID, true)
	return err
}

// preservedFiles are our fds 3..3+n-1, which the caller checked are ours
// to pass on (inherited, not pier's own). With only, the fds not in it
// are /dev/null: the runtime passes a range, and a closed fd in it would
// fail its exec.
func preservedFiles(n int, only []int) ([]*os.File, error) {
	fs := make([]*os.File, 0, n)
	for fd := 3; fd < 3+n; fd++ {
		if len(only) > 0 && !slices.Contains(only, fd) {
			null, err := os.Open(os.DevNull)
			if err != nil {
				return nil, fmt.Errorf("opening %s for fd %d: %w", os.DevNull, fd, err)
			}
			fs = append(fs, null)
			continue
		}
		fs = append(fs, os.NewFile(uintptr(fd), "preserved-fd-"+strconv.Itoa(fd)))
	}
	return fs, nil
}

// CheckInheritedFD is CheckInheritedFDs for the fds run --preserve-fd
// names, with podman's text for that flag.
func CheckInheritedFD(fds []int) error {
	for _, fd := range fds {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("file descriptor %d is not available - the preserve-fd option requires that file descriptors must be passed", fd))
		}
	}
	return nil
}

// CheckInheritedFDs reports the first of fds 3..3+n-1 that this process
// did not inherit: closed, or opened by pier itself (always close-on-exec),
// with podman's error text.
func CheckInheritedFDs(n int) error {
	for fd := 3; fd < 3+n; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("file descriptor %d is not available - the preserve-fds option requires that file descriptors must be passed", fd))
		}
	}
	return nil
}

// prepare checks cfg, makes its paths absolute, clears what an earlier run
// left in RunDir and writes the config file.
func prepare(cfg *Config) error {
	if cfg.ID == "" || cfg.Bundle == "" || cfg.RunDir == "" || cfg.Runtime.Path == "" {
		return fmt.Errorf("monitor config needs an ID, a bundle, a run directory and a runtime: %w", errdefs.ErrInvalidArgument)
	}
	switch cfg.LogDriver {
	case "", LogK8sFile:
		if cfg.LogPath == "" {
			return fmt.Errorf("log driver k8s-file needs a log path: %w", errdefs.ErrInvalidArgument)
		}
	case LogNone, LogJournald:
	case LogPassthrough, LogPassthroughTTY:
		if cfg.Terminal {
			return fmt.Errorf("the '--log-driver %s' option cannot be used on a TTY.  If you really want it, use '--log-driver passthrough-tty': %w", cfg.LogDriver, errdefs.ErrInvalidArgument)
		}
	default:
		return fmt.Errorf("log driver %q is not supported by pier-monitor: %w", cfg.LogDriver, errdefs.ErrInvalidArgument)
	}
	if cfg.Version == "" {
		cfg.Version = version.Version
	}
	// The monitor runs in "/", so every path must be absolute.
	for _, p := range []*string{&cfg.Bundle, &cfg.RunDir, &cfg.LogPath} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("monitor config: %w", err)
		}
		*p = abs
	}
	if err := os.MkdirAll(cfg.RunDir, 0o700); err != nil {
		return fmt.Errorf("creating run directory: %w", err)
	}
	for _, name := range []string{exitFile, attachFile, pidFile, runtimeLog} {
		if err := os.Remove(filepath.Join(cfg.RunDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("clearing run directory: %w", err)
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encoding monitor config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.RunDir, configFile), b, 0o600); err != nil {
		return fmt.Errorf("writing monitor config: %w", err)
	}
	return nil
}

// FindMonitor looks for a pier-monitor of this very version: next to
// selfExe (the pier binary), then in extra (containers.conf), then in
// $PATH. The error names every path tried and why it was refused.
func FindMonitor(selfExe string, extra []string, cacheDir string) (string, error) {
	var cands []string
	if selfExe != "" {
		cands = append(cands, filepath.Join(filepath.Dir(selfExe), "pier-monitor"))
	}
	cands = append(cands, extra...)
	if p, err := exec.LookPath("pier-monitor"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		cands = append(cands, p)
	} else {
		cands = append(cands, "$PATH")
	}
	var tried, seen []string
	for _, p := range cands {
		if slices.Contains(seen, p) {
			continue
		}
		seen = append(seen, p)
		if p == "$PATH" {
			tried = append(tried, "pier-monitor in $PATH (not found)")
			continue
		}
		v, err := monitorVersion(p, cacheDir)
		switch {
		case err != nil:
			tried = append(tried, fmt.Sprintf("%s (%v)", p, err))
		case v != version.Version:
			tried = append(tried, fmt.Sprintf("%s (version %q, want %q)", p, v, version.Version))
		default:
			return p, nil
		}
	}
	return "", fmt.Errorf("no usable pier-monitor: tried %s: %w", strings.Join(tried, ", "), errdefs.ErrNotFound)
}

// monitorVersion asks the binary at p for its version. The answer is
// cached in cacheDir (the run root, a tmpfs) keyed by path, inode, size and
// mtime: an exec per container start is measurable, a replaced binary is
// still noticed.
func monitorVersion(p, cacheDir string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", errors.New("not found")
		}
		return "", err
	} else if fi.IsDir() {
		return "", errors.New("is a directory")
	}
	var key, cache string
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && cacheDir != "" {
		key = fmt.Sprintf("%s\x00%d\x00%d\x00%d\x00", p, st.Ino, fi.Size(), fi.ModTime().UnixNano())
		cache = filepath.Join(cacheDir, "monitor-version")
		if b, err := os.ReadFile(cache); err == nil {
			if v, ok := strings.CutPrefix(string(b), key); ok {
				return v, nil
			}
		}
	}
	v, err := execVersion(p)
	if err == nil && cache != "" {
		tmp := fmt.Sprintf("%s.%d", cache, os.Getpid())
		if os.WriteFile(tmp, []byte(key+v), 0o600) == nil {
			_ = os.Rename(tmp, cache)
		}
	}
	return v, err
}

func execVersion(p string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("running --version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// withoutTestVars is the caller's environment without pier's test knobs
// (PIER_FAILPOINT): like conmon, the monitor knows nothing of them, and a
// failpoint meant for the CLI must never fire in the monitor or in what it
// runs; the exit command gets them back through Config.ExitEnv.
func withoutTestVars(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PIER_FAILPOINT=") {
			out = append(out, kv)
		}
	}
	return out
}
