package monitor

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// startFd is a pending monitor's end of the start pipe: after the sync pipe
// (3); a pending monitor passes no preserved fds on.
const startFd = syncFd + 1

// Pending is a pier-monitor started before its container is ready: its
// exec and Go start-up (~2 ms) overlap the engine's own preparation
// (mount, bundle) instead of following it. It is `pier-monitor serve ID
// CONFIG --pending` (the command line names the container, as every
// monitor's does: see isMonitorOf), waits on the start pipe for "go"
// before it reads CONFIG, and exits when that pipe closes without it: a
// CLI that fails or dies before the launch leaves no monitor behind.
type Pending struct {
	errLog  string
	id      string
	cfgPath string
	ready   chan struct{} // closed once the spawn is done (err set or not)
	err     error
	cmd     *exec.Cmd
	sync    *os.File // our end of the sync pipe
	start   *os.File // our end of the start pipe; nil once used or closed
	waited  chan error
}

// Spawn starts a pending monitor for container id, whose config Launch
// will write to RunDir/monitor.json, in the background: the fork and exec
// run beside the caller. errLog is where it writes what it cannot say on
// the sync pipe; a config with another ID, run dir or ErrorLog does not
// use it.
func Spawn(monitorPath, errLog, id, runDir string) *Pending {
	p := &Pending{errLog: errLog, id: id, cfgPath: filepath.Join(runDir, configFile), ready: make(chan struct{}), waited: make(chan error, 1)}
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
	cmd := exec.Command(monitorPath, "serve", p.id, p.cfgPath, pendingFlag)
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

// usableFor reports whether cfg can run in p: p's container (not an exec
// session) and config path, without preserved fds, PendingServes, with
// p's error log.
func (p *Pending) usableFor(cfg *Config, cfgPath string) bool {
	return cfg.ID == p.id && cfgPath == p.cfgPath && cfg.ErrorLog == p.errLog && cfg.ExecProcess == "" &&
		cfg.PreserveFDs == 0 && len(cfg.PreserveFD) == 0 && PendingServes(cfg.LogDriver)
}

// take tells the monitor to serve cfg (its config file written by
// prepare) and returns what launchMonitor needs; ok is false when the
// monitor cannot serve cfg, and is then closed.
func (p *Pending) take(cfg *Config, cfgPath string) (sync *os.File, cmd *exec.Cmd, waited <-chan error, ok bool) {
	<-p.ready
	if p.err != nil || p.start == nil || !p.usableFor(cfg, cfgPath) {
		p.Close()
		return nil, nil, nil, false
	}
	_, err := p.start.WriteString(startGo)
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

// pendingFlag ends a pending monitor's command line; startGo is what the
// start pipe carries when the container is ready for it.
const (
	pendingFlag = "--pending"
	startGo     = "go"
)

// servePending is `pier-monitor serve ID CONFIG --pending`: wait for "go"
// on the start pipe, then serve; exit quietly if the pipe closes without
// it.
func servePending(id, cfgPath string) int {
	f := os.NewFile(startFd, "start")
	msg, _ := io.ReadAll(io.LimitReader(f, 64))
	f.Close()
	if string(msg) != startGo {
		return 0 // the engine went without a container for us
	}
	return serve(id, cfgPath)
}
