package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/cgstats"
	"github.com/pier-engine/pier/internal/logs"
	"github.com/pier-engine/pier/internal/version"
)

const (
	// monitorCgroup holds the monitors, beside their containers'
	// /pier/<id> (podman's /libpod_parent/conmon).
	monitorCgroup = "/pier/conmon"
	syncFd        = 3
	// drainTimeout bounds how long output is read after the container
	// exited: a process that escaped the container may hold its stdio.
	drainTimeout = 2 * time.Second
	// clientTimeout drops an attach client that does not read its output,
	// so that it cannot stall the container's output forever.
	clientTimeout = time.Minute
	// readBuf is the output read size, conmon's STDIO_BUF_SIZE.
	readBuf = 8192
	// cleanupWait bounds the wait for the cleaning client: past it the
	// exit command runs (it waits for the container's lock anyway).
	cleanupWait = 2 * time.Minute
)

// Main is pier-monitor's entry point (cmd/pier-monitor).
//
//	pier-monitor --version             prints the version pier checks
//	pier-monitor serve <id> <config>   the monitor, started by Launch
//
// The container ID is in the arguments so that ps shows whose monitor a
// process is (conmon has -c <id>).
func Main() {
	args := os.Args
	switch {
	case len(args) == 2 && (args[1] == "--version" || args[1] == "version"):
		os.Stdout.WriteString(version.Version + "\n")
		os.Exit(0)
	case len(args) == 4 && (args[1] == "serve" || args[1] == "exec"):
		os.Exit(serve(args[2], args[3]))
	case len(args) == 5 && args[1] == "serve" && args[4] == pendingFlag:
		os.Exit(servePending(args[2], args[3]))
	}
	os.Stderr.WriteString("usage: pier-monitor --version\npier-monitor is started by pier; it is not meant to be run by hand\n")
	os.Exit(2)
}

// heldFiles are the fds passed on for the container: 4..4+n-1, after the
// sync pipe.
func heldFiles(n int) []*os.File {
	fs := make([]*os.File, 0, n)
	for i := 0; i < n; i++ {
		fs = append(fs, os.NewFile(uintptr(syncFd+1+i), "preserved"))
	}
	return fs
}

// sendSync writes one sync message. The steady state never gets here, so
// encoding/json costs nothing there; {"pid":N} is written by hand.
func sendSync(f *os.File, m syncMsg) {
	b, err := json.Marshal(m)
	if err != nil {
		b = []byte(`{"error":"encoding sync message"}`)
	}
	_, _ = f.Write(append(b, '\n'))
}

// server is one running monitor.
type server struct {
	cfg *Config

	log   logSink // nil without a log file or journal
	logMu sync.Mutex

	stdin   *os.File // the container's stdin (pipe) or the pty master; nil if closed
	stdinMu sync.Mutex
	master  *os.File // the pty master, with a terminal

	// joined closes once the move out of the caller's cgroup is done.
	joined chan struct{}

	outputs []*os.File     // what the pumps read
	pumps   sync.WaitGroup // one per output

	first *os.File // the client registered before the start (WaitAttach)
	// claimer is the client that cleans up after the exit: first with
	// FirstClientCleans, or one that sent frameClaimCleanup (stop).
	// Guarded by mu.
	claimer *os.File
	// cleaned receives, once, whether the cleaning client (first, with
	// FirstClientCleans) said it removed the container.
	cleaned chan bool

	mu       sync.Mutex
	clients  map[*os.File]*client
	exited   bool
	exitCode int
	listener *os.File

	preserved []*os.File // fds for the container, closed once created

	// memCgroup is the container's memory cgroup, found while it runs
	// and read after its exit for OOM kills ("" for exec sessions).
	memCgroup string
}

func serve(id, cfgPath string) int {
	// One container's stdio needs no parallelism. The steady state (read
	// output, log it, send it to clients) does not allocate, so the
	// collector is only a safety net: with GOGC off it never runs on its
	// own (the runtime's periodic GC would otherwise fault most of the
	// binary back into our RSS every two minutes), and the memory limit
	// starts it if the heap ever grows.
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(16 << 20)
	syncf := os.NewFile(syncFd, "sync")
	unix.CloseOnExec(syncFd) // never leak into the runtime or the container
	fail := func(err error) int {
		sendSync(syncf, syncMsg{Error: err.Error()})
		return 1
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return fail(fmt.Errorf("reading monitor config: %w", err))
	}
	cfg := new(Config)
	if err := json.Unmarshal(b, cfg); err != nil {
		return fail(fmt.Errorf("decoding monitor config %s: %w", cfgPath, err))
	}
	errorLog, logID = cfg.ErrorLog, cfg.ID
	if cfg.ID != id {
		return fail(fmt.Errorf("monitor config %s is for container %q, not %q", cfgPath, cfg.ID, id))
	}
	if cfg.Version != version.Version {
		return fail(fmt.Errorf("pier-monitor version %s cannot serve pier version %s", version.Version, cfg.Version))
	}
	// Out of the caller's cgroup, as podman moves conmon into
	// <cgroup parent>/conmon: ending the caller's login session or
	// service must not take the monitor with it. Best effort (a host
	// without writable cgroups still runs containers).
	//
	// Beside the runtime's create, not before it: a cgroup v1 migration
	// waits for an RCU grace period (~20 ms here) before it can take the
	// kernel's threadgroup lock, and the runtime's own move of the
	// container into its cgroup waits for one too. Started together they
	// share one grace period, and the wait is hidden behind the runtime's
	// start; one after the other they cost two, both on the path to a
	// running container. Forks are not held up while a move waits.
	joined := make(chan struct{})
	go func() {
		defer close(joined)
		if err := cgstats.JoinCgroup(monitorCgroup); err != nil {
			logf("moving to cgroup %s: %v", monitorCgroup, err)
		}
	}()
	// Orphans of the container (and the container itself, once the
	// runtime's create exits) become our children, so we see the exit.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("becoming a subreaper: %w", err))
	}
	// Our PID in the run dir lets a later start find and stop a monitor
	// orphaned by a CLI killed before it saved our PID (StaleMonitor).
	if err := os.WriteFile(filepath.Join(cfg.RunDir, monitorPidFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return fail(fmt.Errorf("writing monitor pid file: %w", err))
	}
	s := &server{cfg: cfg, clients: map[*os.File]*client{}, preserved: heldFiles(cfg.PreserveFDs), cleaned: make(chan bool, 1), joined: joined}
	for _, f := range s.preserved {
		// Only the runtime's create gets them, not the exit command.
		unix.CloseOnExec(int(f.Fd()))
	}
	if cfg.MonitorPidFile != "" {
		if err := writePid(cfg.MonitorPidFile, os.Getpid()); err != nil {
			return fail(fmt.Errorf("writing conmon pid file: %w", err))
		}
	}
	return s.run(syncf)
}

// writePid writes a PID as runc writes its pid file: digits, no newline.
func writePid(path string, pid int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(pid)), 0o644)
}

func (s *server) run(syncf *os.File) int {
	cfg := s.cfg
	// Before create: SIGCHLD must not be lost, and the container's exit is
	// seen however early it happens.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, unix.SIGCHLD)

	pid, err := s.create(syncf)
	if err != nil {
		if s.listener != nil {
			s.listener.Close()
			os.Remove(filepath.Join(cfg.RunDir, attachFile))
		}
		return 1
	}
	// Once the caller hears of the container, the monitor is out of its
	// cgroup (the move started beside the create and is done by now).
	<-s.joined
	_, _ = syncf.Write([]byte(`{"pid":` + strconv.Itoa(pid) + "}\n"))
	syncf.Close()

	go s.acceptLoop()
	if s.first != nil {
		go s.serveClient(s.first)
	}
	for _, f := range s.outputs {
		s.pumps.Add(1)
		go s.pump(f)
	}
	// Startup garbage (config, exec, buffers) would otherwise stay in our
	// RSS until the scavenger gets to it; a sleeping container's monitor
	// should hold only what it uses.
	debug.FreeOSMemory()
	dropStartupText()
	var timedOut atomic.Bool
	if cfg.Timeout > 0 {
		// --timeout, as conmon's: SIGKILL when the time is up, and the
		// exit code is -1 whatever the kill made of it.
		t := time.AfterFunc(time.Duration(cfg.Timeout)*time.Second, func() {
			timedOut.Store(true)
			_ = unix.Kill(pid, unix.SIGKILL)
		})
		defer t.Stop()
	}
	stopHealth := s.startHealthTimer()
	code := waitExit(sigc, pid)
	stopHealth()
	if timedOut.Load() {
		code = -1
	}
	at := time.Now()
	signal.Stop(sigc)

	s.drain()
	if s.log != nil {
		s.log.Close()
	}
	if s.memCgroup != "" && cgstats.OOMKills(s.memCgroup) > 0 {
		// The runtime has not deleted the cgroup yet: the exit command does.
		if err := os.WriteFile(filepath.Join(cfg.RunDir, oomFile), nil, 0o600); err != nil {
			logf("recording the OOM kill: %v", err)
		}
	}
	if err := writeExitFile(cfg.RunDir, code, at); err != nil {
		logf("%v", err)
	}
	s.finish(code)
	if len(cfg.ExitCommand) > 0 && !s.cleanedByClient() {
		// Waited for, as conmon does: once the monitor is gone, the
		// cleanup is done too, which is what callers that watch the
		// monitor's PID rely on.
		cmd := exec.Command(cfg.ExitCommand[0], cfg.ExitCommand[1:]...)
		cmd.Env = append(os.Environ(), cfg.ExitEnv...)
		cmd.Dir = "/"
		if out, err := cmd.CombinedOutput(); err != nil {
			logf("exit command %v: %v: %s", cfg.ExitCommand, err, bytes.TrimSpace(out))
			return 1
		}
	}
	return 0
}

// create sets up stdio and the attach socket and runs the runtime's
// create. Failures are reported on the sync pipe here.
func (s *server) create(syncf *os.File) (int, error) {
	cfg := s.cfg
	fail := func(err error) (int, error) {
		sendSync(syncf, syncMsg{Error: err.Error()})
		return 0, err
	}
	var err error
	if s.listener, err = listenUnix(cfg.RunDir, attachFile); err != nil {
		return fail(fmt.Errorf("creating attach socket: %w", err))
	}
	if cfg.WaitAttach {
		sendSync(syncf, syncMsg{Listening: true})
		if s.first, err = s.acceptFirst(); err != nil {
			return fail(fmt.Errorf("waiting for the attach client: %w", err))
		}
		if cfg.FirstClientCleans {
			s.claimer = s.first
		}
	}
	if cfg.NotifySocket != "" {
		if err := listenNotify(cfg.RunDir, cfg.NotifySocket); err != nil {
			return fail(err)
		}
	}
	switch cfg.LogDriver {
	case "", LogK8sFile:
		w, err := logs.NewWriter(cfg.LogPath, cfg.LogSizeMax)
		if err != nil {
			return fail(err)
		}
		s.log = w
	case LogJournald:
		s.log = newJournaldSink(cfg)
	}
	io, err := s.setupStdio()
	if err != nil {
		return fail(err)
	}
	master, out, err := s.runCreate(io)
	if err != nil {
		io.closeOurs()
		s.deleteContainer()
		sendSync(syncf, syncMsg{RuntimeOutput: string(out), RuntimeErr: err.Error()})
		return 0, err
	}
	if io.errPipe != nil {
		io.errPipe.Close() // a terminal's runtime output pipe has done its job
	}
	pid, err := readPidFile(filepath.Join(cfg.RunDir, pidFile))
	if err != nil {
		s.deleteContainer()
		return fail(err)
	}
	if cfg.ExecProcess == "" {
		s.memCgroup = cgstats.MemoryDir(pid)
	}
	if cfg.PidFile != "" {
		if err := writePid(cfg.PidFile, pid); err != nil {
			s.deleteContainer()
			return fail(fmt.Errorf("writing pid file: %w", err))
		}
	}
	if master != nil {
		s.master, s.outputs = master, []*os.File{master}
		if cfg.Stdin {
			s.stdin = master
		}
	} else {
		s.stdin, s.outputs = io.stdinW, io.outputs
	}
	return pid, nil
}

// runCreate runs the runtime's create with io and returns the pty master
// (with a terminal) and what the runtime said.
func (s *server) runCreate(io *stdioSet) (master *os.File, out []byte, err error) {
	cfg := s.cfg
	rt := cfg.Runtime
	if passthrough(cfg.LogDriver) {
		// The runtime's stderr is the user's: keep a copy of its errors.
		rt.Args = append(slices.Clip(rt.Args), "--log", filepath.Join(cfg.RunDir, runtimeLog), "--log-format", "json")
	}
	create := rt.CreateCmd
	if cfg.Start {
		create = rt.RunDetachedCmd
	}
	bundle := cfg.Bundle
	if cfg.ExecProcess != "" {
		create, bundle = rt.ExecDetachedCmd, cfg.ExecProcess
	}
	cmd := create(cfg.ID, bundle, filepath.Join(cfg.RunDir, pidFile), io.consoleSocket, len(s.preserved))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.in, io.out, io.err
	cmd.ExtraFiles = s.preserved // the runtime's fds 3..
	cmd.Dir = "/"
	err = cmd.Run()
	io.closeRuntimeEnds()
	for _, f := range s.preserved {
		f.Close()
	}
	s.preserved = nil
	if io.console != nil {
		m, cerr := io.console.master(err == nil)
		if err == nil && cerr != nil {
			err = cerr
		}
		master = m
	}
	// After create the container is blocked until `start`: whatever is in
	// the pipes now is the runtime's own output. After a successful run it
	// is the container's.
	if err != nil || !cfg.Start {
		for _, f := range io.runtimeOutput {
			out = append(out, readAvailable(f)...)
		}
	}
	if passthrough(cfg.LogDriver) {
		out, _ = os.ReadFile(filepath.Join(cfg.RunDir, runtimeLog))
	}
	if err != nil && master != nil {
		master.Close()
		master = nil
	}
	return master, out, err
}

// deleteContainer removes a container whose create failed half way. runc
// cleans up after itself; other runtimes may not.
func (s *server) deleteContainer() {
	if s.cfg.ExecProcess != "" {
		return // the container is not ours: an exec session's failure leaves it running
	}
	rt := s.cfg.Runtime
	_ = exec.Command(rt.Path, append(slices.Clip(rt.Args), "delete", "--force", s.cfg.ID)...).Run()
}

func readPidFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("reading the container's PID: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("reading the container's PID: malformed pid file %q", b)
	}
	return pid, nil
}

// waitExit reaps every child (we are a subreaper) until the container's
// process exits, and returns its exit code: its status, or 128+signal.
func waitExit(sigc <-chan os.Signal, pid int) int {
	for {
		for {
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil || wpid <= 0 {
				break
			}
			if wpid == pid {
				if ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return ws.ExitStatus()
			}
		}
		<-sigc
	}
}

// pump copies one output to the log and to attach clients until EOF (or
// EIO from a pty master whose slave is gone).
func (s *server) pump(f *os.File) {
	defer s.pumps.Done()
	typ, stream := frameStdout, logs.Stdout
	if len(s.outputs) > 1 && f == s.outputs[1] {
		typ, stream = frameStderr, logs.Stderr
	}
	buf := make([]byte, frameHeader+readBuf)
	var scratch []*client
	for {
		n, err := f.Read(buf[frameHeader:])
		if n > 0 {
			scratch = s.output(typ, stream, buf[:frameHeader+n], scratch[:0])
		}
		if err != nil {
			return
		}
	}
}

// output logs data and queues it for every client. frame has room for
// the header in front of the data. The clients are enqueued outside mu:
// the primary one may hold the output back (a slow reader of run or
// exec), and attaching, detaching and claiming must go on meanwhile.
// scratch is the caller's, returned for reuse (no allocation per read).
func (s *server) output(typ byte, stream string, frame []byte, scratch []*client) []*client {
	data := frame[frameHeader:]
	if s.log != nil {
		s.logMu.Lock()
		if err := s.log.Write(stream, data); err != nil {
			logf("%v", err)
		}
		s.logMu.Unlock()
	}
	appendFrameHeader(frame[:0], typ, len(data))
	s.mu.Lock()
	for _, c := range s.clients {
		scratch = append(scratch, c)
	}
	s.mu.Unlock()
	for _, c := range scratch {
		if !c.enqueue(frame) {
			// Too far behind (or gone): it must not hold up the rest.
			s.mu.Lock()
			if s.clients[c.f] == c {
				delete(s.clients, c.f)
			}
			s.mu.Unlock()
			c.close()
		}
	}
	return scratch
}

// drain waits for the outputs to reach EOF, within drainTimeout.
func (s *server) drain() {
	done := make(chan struct{})
	go func() { s.pumps.Wait(); close(done) }()
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		for _, f := range s.outputs {
			_ = f.SetReadDeadline(time.Now())
		}
		<-done
	}
	for _, f := range s.outputs {
		f.Close()
	}
}

// cleanedByClient waits for the cleaning client, if there is one, to say
// that it removed the container, or to go away.
func (s *server) cleanedByClient() bool {
	s.mu.Lock()
	c := s.claimer
	s.mu.Unlock()
	if c == nil {
		return false
	}
	defer c.Close()
	t := time.NewTimer(cleanupWait)
	defer t.Stop()
	select {
	case ok := <-s.cleaned:
		return ok
	case <-t.C:
		return false
	}
}

// finish sends the exit frame to every client and closes the socket. The
// cleaning client's connection stays open: it says when it is done.
func (s *server) finish(code int) {
	s.mu.Lock()
	s.exited, s.exitCode = true, code
	frame := exitFrame(code)
	_, claimerAttached := s.clients[s.claimer]
	var ending []*client
	for f, c := range s.clients {
		c.last(frame, s.cleaner(f))
		ending = append(ending, c)
		delete(s.clients, f)
	}
	if s.claimer != nil && !claimerAttached {
		// A stop waits on its claim for this, rather than polling the
		// exit file; the connection stays open for frameCleanupDone.
		// An attached claimer (run --rm) has it queued after its output.
		_ = s.claimer.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = s.claimer.Write(frame)
	}
	s.mu.Unlock()
	// Each client gets its queued output and the exit frame, within
	// finishTimeout overall; one that does not read by then is cut off.
	t := time.NewTimer(finishTimeout)
	defer t.Stop()
	for _, c := range ending {
		select {
		case <-c.done:
		case <-t.C:
			c.close()
		}
	}
	s.listener.Close()
	os.Remove(filepath.Join(s.cfg.RunDir, attachFile))
}

func exitFrame(code int) []byte {
	b := appendFrameHeader(make([]byte, 0, frameHeader+4), frameExit, 4)
	return append(b, byte(uint32(code)>>24), byte(uint32(code)>>16), byte(uint32(code)>>8), byte(uint32(code)))
}

// writeExitFile records the exit atomically: readers see all or nothing.
func writeExitFile(dir string, code int, at time.Time) error {
	b := strconv.AppendInt([]byte(`{"exitCode":`), int64(code), 10)
	b = append(b, `,"time":"`...)
	b = at.AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\"}\n"...)
	tmp := filepath.Join(dir, "."+exitFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing exit file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, exitFile)); err != nil {
		return fmt.Errorf("writing exit file: %w", err)
	}
	return nil
}

// acceptFirst registers the client the engine dials before the container
// starts. A client that does not come (its CLI died) fails the start.
func (s *server) acceptFirst() (*os.File, error) {
	_ = s.listener.SetReadDeadline(time.Now().Add(30 * time.Second))
	// The watcher may see the engine go (it does, once a detached start
	// returns) just after the accept; a deadline it set then would stop
	// acceptLoop for good (every later attach, exec or stop would wait out
	// its handshake). accepted, under mu, tells it not to.
	var mu sync.Mutex
	accepted := false
	done := make(chan struct{})
	go func() {
		// The engine's end of the sync pipe closes if it dies: stop
		// waiting then (POLLERR on our end), not after the timeout.
		fds := []unix.PollFd{{Fd: syncFd}}
		for {
			select {
			case <-done:
				return
			default:
			}
			if n, _ := unix.Poll(fds, 50); n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
				mu.Lock()
				if !accepted {
					_ = s.listener.SetReadDeadline(time.Now())
				}
				mu.Unlock()
				return
			}
		}
	}()
	c, err := acceptConn(s.listener)
	mu.Lock()
	accepted = true
	_ = s.listener.SetReadDeadline(time.Time{})
	mu.Unlock()
	close(done)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(appendFrameHeader(nil, frameReady, 0)); err != nil {
		c.Close()
		return nil, err
	}
	s.mu.Lock()
	s.clients[c] = newClient(c, true)
	s.mu.Unlock()
	return c, nil
}

func (s *server) acceptLoop() {
	for {
		c, err := acceptConn(s.listener)
		switch {
		case err == unix.ECONNABORTED:
			continue
		case err == unix.EMFILE || err == unix.ENFILE:
			time.Sleep(100 * time.Millisecond) // let a client go first
			continue
		case err != nil:
			return // the listener is closed: the container exited
		}
		s.mu.Lock()
		if s.exited {
			_, _ = c.Write(exitFrame(s.exitCode))
			c.Close()
			s.mu.Unlock()
			continue
		}
		// Ready goes first, before any output can be queued.
		_, _ = c.Write(appendFrameHeader(nil, frameReady, 0))
		s.clients[c] = newClient(c, false)
		s.mu.Unlock()
		go s.serveClient(c)
	}
}

// serveClient handles what a client sends: stdin, stdin close, resize.
func (s *server) serveClient(c *os.File) {
	var buf []byte
	for {
		typ, p, err := readFrame(c, buf)
		if err != nil {
			s.mu.Lock()
			mine := s.cleaner(c)
			s.mu.Unlock()
			if mine {
				s.setCleaned(false)
			}
			s.mu.Lock()
			if cl, ok := s.clients[c]; ok {
				delete(s.clients, c)
				cl.close()
			}
			s.mu.Unlock()
			return
		}
		buf = p[:cap(p)]
		switch typ {
		case frameStdin:
			s.writeStdin(p)
		case frameStdinClose:
			s.closeStdin()
		case frameClaimCleanup:
			s.claim(c)
		case frameCleanupDone:
			s.mu.Lock()
			mine := s.cleaner(c)
			s.mu.Unlock()
			if mine {
				s.setCleaned(true)
			}
		case frameResize:
			if len(p) == 4 && s.master != nil {
				s.resize(uint16(p[0])<<8|uint16(p[1]), uint16(p[2])<<8|uint16(p[3]))
			}
		}
	}
}

// cleaner tells whether c is the client that removes the container.
// The caller holds mu, or is the only one left to set claimer.
func (s *server) cleaner(c *os.File) bool {
	return c == s.claimer
}

// claim makes c the client that cleans up after the exit, if none is and
// the exit has not been handled yet, and tells it whether it got it.
// The claimer gets no output; it gets the exit frame (finish).
func (s *server) claim(c *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	typ := frameClaimRefused
	if s.claimer == nil && !s.exited {
		s.claimer, typ = c, frameClaimed
	}
	reply := appendFrameHeader(nil, typ, 0)
	cl, ok := s.clients[c]
	switch {
	case !ok:
		_ = c.SetWriteDeadline(time.Now().Add(clientTimeout))
		_, _ = c.Write(reply)
	case typ == frameClaimed:
		// A control connection from now on: no output (nobody reads it,
		// and a full socket must not stall the container's output). The
		// reply follows what was queued; the connection stays open.
		delete(s.clients, c)
		cl.last(reply, true)
	default:
		cl.enqueue(reply)
	}
}

func (s *server) setCleaned(ok bool) {
	select {
	case s.cleaned <- ok:
	default: // the first word counts
	}
}

func (s *server) writeStdin(p []byte) {
	s.stdinMu.Lock()
	defer s.stdinMu.Unlock()
	if s.stdin != nil && s.cfg.Stdin {
		_, _ = s.stdin.Write(p)
	}
}

// closeStdin gives the container EOF on a stdin pipe. A pty has no EOF
// short of hanging up the whole terminal, so it stays open.
func (s *server) closeStdin() {
	s.stdinMu.Lock()
	defer s.stdinMu.Unlock()
	if s.stdin != nil && s.master == nil {
		s.stdin.Close()
		s.stdin = nil
	}
}

func (s *server) resize(h, w uint16) {
	rc, err := s.master.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: h, Col: w})
	})
}

// errorLog and logID are the Config's ErrorLog and ID, for logf.
var errorLog, logID string

// logf reports what cannot go on the sync pipe any more: on stderr (which
// is /dev/null unless the log driver is passthrough) and, one line per
// report, in the error log.
func logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(os.Stderr, "pier-monitor: %s\n", msg)
	if errorLog == "" {
		return
	}
	f, err := os.OpenFile(errorLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	line := fmt.Sprintf("%s pier-monitor[%d] container %s: %s\n",
		time.Now().Format(time.RFC3339), os.Getpid(), logID, strings.ReplaceAll(msg, "\n", " "))
	_, _ = f.WriteString(line)
}

// startHealthTimer runs the healthcheck command every interval, counted
// from the end of the previous run (systemd's on-unit-inactive, as
// podman's timer), until the returned stop is called. Its output goes
// nowhere: the command records its results itself.
func (s *server) startHealthTimer() (stop func()) {
	cfg := s.cfg
	if len(cfg.HealthCommand) == 0 {
		return func() {}
	}
	// The startup check's interval until it passed, then the regular
	// one; none left (a regular interval of 0) ends the timer.
	next := func() time.Duration {
		if cfg.StartupInterval > 0 {
			if _, err := os.Stat(cfg.StartupDoneFile); err != nil {
				return cfg.StartupInterval
			}
		}
		return cfg.HealthInterval
	}
	done := make(chan struct{})
	go func() {
		for d := next(); d > 0; d = next() {
			t := time.NewTimer(d)
			select {
			case <-done:
				t.Stop()
				return
			case <-t.C:
			}
			cmd := exec.Command(cfg.HealthCommand[0], cfg.HealthCommand[1:]...)
			cmd.Dir = "/"
			_ = cmd.Run()
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}
