package monitor

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// startFd is a pending monitor's end of the start pipe: after the sync pipe
// (3); a pending monitor passes no preserved fds on.
const startFd = syncFd + 1

// Pending is a pier-monitor started before its container is ready: its
// exec and Go start-up (~2 ms) overlap the engine's own preparation
// (mount, bundle) instead of following it. It waits on the start pipe,
// and exits when that pipe closes without a container: a CLI that fails
// or dies before the launch leaves no monitor behind.
type Pending struct {
	errLog string
	ready  chan struct{} // closed once the spawn is done (err set or not)
	err    error
	cmd    *exec.Cmd
	sync   *os.File // our end of the sync pipe
	start  *os.File // our end of the start pipe; nil once used or closed
	waited chan error
}

// Spawn starts a pending monitor in the background: the fork and exec run
// beside the caller. errLog is where it writes what it cannot say on the
// sync pipe; a config with another ErrorLog does not use it.
func Spawn(monitorPath, errLog string) *Pending {
	p := &Pending{errLog: errLog, ready: make(chan struct{}), waited: make(chan error, 1)}
	go func() {
		defer close(p.ready)
		p.err = p.spawn(monitorPath)
	}()
	return p
}

func (p *Pending) spawn(monitorPath string) error {
	syncR, syncW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("creating monitor sync pipe: %w", err)
	}
	startR, startW, err := os.Pipe()
	if err != nil {
		syncR.Close()
		syncW.Close()
		return fmt.Errorf("creating monitor start pipe: %w", err)
	}
	cmd := exec.Command(monitorPath, "pending")
	cmd.ExtraFiles = []*os.File{syncW, startR} // fds 3 and 4
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // as launchMonitor's
	cmd.Env = withoutTestVars(os.Environ())
	var errLog *os.File
	if p.errLog != "" {
		if errLog, err = os.OpenFile(p.errLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			cmd.Stderr = errLog
		}
	}
	err = cmd.Start()
	syncW.Close()
	startR.Close()
	if errLog != nil {
		errLog.Close()
	}
	if err != nil {
		syncR.Close()
		startW.Close()
		return fmt.Errorf("starting %s: %w", monitorPath, err)
	}
	go func() { p.waited <- cmd.Wait() }()
	p.cmd, p.sync, p.start = cmd, syncR, startW
	return nil
}

// PendingServes reports whether a pending monitor can run a container
// with this log driver: not passthrough, whose stdio is the caller's. (It
// passes no preserved fds on either.)
func PendingServes(logDriver string) bool {
	return !passthrough(logDriver)
}

// usableFor reports whether cfg can run in p: a container (not an exec
// session) without preserved fds that PendingServes, with p's error log.
func (p *Pending) usableFor(cfg *Config) bool {
	return cfg.ErrorLog == p.errLog && cfg.ExecProcess == "" && cfg.PreserveFDs == 0 && len(cfg.PreserveFD) == 0 &&
		PendingServes(cfg.LogDriver) && !strings.ContainsRune(cfg.ID, 0) && !strings.ContainsRune(cfg.RunDir, 0)
}

// take hands cfg (its config file written by prepare) to the monitor and
// returns what launchMonitor needs; ok is false when the monitor cannot
// serve cfg, and is then closed.
func (p *Pending) take(cfg *Config, cfgPath string) (sync *os.File, cmd *exec.Cmd, waited <-chan error, ok bool) {
	<-p.ready
	if p.err != nil || p.start == nil || !p.usableFor(cfg) {
		p.Close()
		return nil, nil, nil, false
	}
	_, err := p.start.WriteString(cfg.ID + "\x00" + cfgPath + "\x00")
	p.start.Close()
	p.start = nil
	if err != nil {
		p.sync.Close()
		return nil, nil, nil, false
	}
	return p.sync, p.cmd, p.waited, true
}

// Close lets an unused monitor go: it sees the start pipe close and exits.
// After take it does nothing.
func (p *Pending) Close() {
	if p == nil {
		return
	}
	<-p.ready
	if p.start != nil {
		p.start.Close()
		p.sync.Close()
		p.start = nil
	}
}

// servePending is `pier-monitor pending`: wait on the start pipe for the
// container's ID and config path, then serve it; exit quietly if the pipe
// closes without them.
func servePending() int {
	f := os.NewFile(startFd, "start")
	var msg []byte
	buf := make([]byte, 512)
	for {
		n, err := f.Read(buf)
		msg = append(msg, buf[:n]...)
		if err != nil {
			break
		}
	}
	f.Close()
	id, cfgPath, ok := strings.Cut(string(msg), "\x00")
	cfgPath, _, ok2 := strings.Cut(cfgPath, "\x00")
	if !ok || !ok2 {
		return 0 // the engine went without a container for us
	}
	return serve(id, cfgPath)
}
