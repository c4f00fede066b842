package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// hasHealthCheck reports a healthcheck to run ("NONE" disables the
// image's).
func hasHealthCheck(c *define.Container) bool {
	hc := c.Config.HealthCheck
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "" && hc.Test[0] != "NONE"
}

// healthCommand is what a healthcheck executes: CMD's arguments as they
// are, CMD-SHELL's script through /bin/sh -c, other words as given.
func healthCommand(test []string) []string {
	switch test[0] {
	case "CMD":
		return test[1:]
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(test[1:], " ")}
	}
	return test
}

// applyHealthCheck sets the container's healthcheck: the request's, else
// the image's with podman's defaults for what it leaves out (and the
// request's timings, if given), none with NoHealthCheck or "NONE".
func applyHealthCheck(cfg *define.ContainerConfig, req *CreateRequest, fromImage *define.HealthConfig) error {
	switch req.HealthOnFailure {
	case "", define.HealthActionNone, define.HealthActionKill, define.HealthActionRestart, define.HealthActionStop:
		cfg.HealthOnFailure = req.HealthOnFailure
	default:
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid on-failure action %q for health check: supported actions are none,kill,restart,stop", req.HealthOnFailure)
	}
	var hc *define.HealthConfig
	switch {
	case req.NoHealthCheck:
		if req.StartupHealthCheck != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, "cannot set a startup healthcheck when there is no regular healthcheck: invalid argument")
		}
		return nil
	case req.HealthCheck != nil:
		c := *req.HealthCheck
		hc = &c
	case fromImage != nil && len(fromImage.Test) > 0 && fromImage.Test[0] != "NONE":
		c := *fromImage
		hc = &c
		if o := req.HealthOverrides; o != nil {
			hc.Interval, hc.Retries, hc.Timeout, hc.StartPeriod = o.Interval, o.Retries, o.Timeout, o.StartPeriod
		}
		if hc.Interval == 0 {
			hc.Interval = 30 * time.Second
		}
		if hc.Timeout == 0 {
			hc.Timeout = 30 * time.Second
		}
		if hc.Retries == 0 {
			hc.Retries = 3
		}
	default:
		if req.StartupHealthCheck != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, "cannot set a startup healthcheck when there is no regular healthcheck: invalid argument")
		}
		return nil
	}
	if hc.Retries < 1 {
		return errdefs.New(errdefs.ErrInvalidArgument, "healthcheck-retries must be greater than 0")
	}
	if err := checkHealthLogDestination(req.HealthLogDestination); err != nil {
		return err
	}
	cfg.StartupHealthCheck = req.StartupHealthCheck
	cfg.HealthCheck = hc
	cfg.HealthLogDestination = req.HealthLogDestination
	cfg.HealthMaxLogCount, cfg.HealthMaxLogSize = req.HealthMaxLogCount, req.HealthMaxLogSize
	return nil
}

// healthFile holds a run's results: in the run directory, so a start
// begins as "starting" again and rm takes it away; in the directory
// --health-log-destination names, as podman's <ID>-healthcheck.log.
func (r *Runtime) healthFile(c *define.Container) string {
	if d := c.Config.HealthLogDestination; d != "" && d != define.HealthLogLocal && d != define.HealthLogEvents {
		return filepath.Join(d, c.Config.ID+"-healthcheck.log")
	}
	return filepath.Join(r.ctrRunDir(c.Config.ID), "health.json")
}

func healthMaxLogCount(cfg *define.ContainerConfig) uint {
	if cfg.HealthMaxLogCount == nil {
		return define.HealthMaxLogCount
	}
	return *cfg.HealthMaxLogCount
}

func healthMaxLogSize(cfg *define.ContainerConfig) uint {
	if cfg.HealthMaxLogSize == nil {
		return define.HealthMaxLogSize
	}
	return *cfg.HealthMaxLogSize
}

// checkHealthLogDestination is podman's check of --health-log-destination.
func checkHealthLogDestination(d string) error {
	if d == "" || d == define.HealthLogLocal || d == define.HealthLogEvents {
		return nil
	}
	st, err := os.Stat(d)
	if err == nil && !st.IsDir() {
		err = fmt.Errorf("%s is not a directory", d)
	}
	if err == nil && !filepath.IsAbs(d) {
		err = fmt.Errorf("%s is not an absolute path", d)
	}
	if err != nil {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "running container create option: HealthCheck Log '%s' destination error: %w", d, err)
	}
	return nil
}

// loadHealth fills c.State.Health for a container with a healthcheck.
func (r *Runtime) loadHealth(c *define.Container) {
	if !hasHealthCheck(c) {
		return
	}
	h := &define.HealthCheckResults{Status: define.HealthStarting}
	if b, err := os.ReadFile(r.healthFile(c)); err == nil {
		_ = json.Unmarshal(b, h)
	}
	c.State.Health = h
}

// HealthCheckRun runs the container's healthcheck once (`healthcheck
// run`, and its monitor on schedule), records the result (and, as
// podman 5 by default, a health_status event), and applies the
// on-failure action when the container is unhealthy. It returns whether
// this run failed.
func (r *Runtime) HealthCheckRun(ctx context.Context, nameOrID string) (failed bool, err error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return false, fmt.Errorf("unable to look up %s to perform a health check: %w", nameOrID, err)
	}
	if c.State.Status != define.StatusRunning {
		return false, errdefs.Errorf(errdefs.ErrInvalidState, "container %s is not running", c.Config.ID)
	}
	if !hasHealthCheck(c) {
		return false, errdefs.Errorf(errdefs.ErrInvalidArgument, "container %s has no defined healthcheck", c.Config.ID)
	}
	if r.inStartup(c) {
		return r.startupCheckRun(ctx, c)
	}
	hc := c.Config.HealthCheck
	entry := r.runHealthCommand(ctx, c, hc)
	inStartPeriod := hc.StartPeriod > 0 && time.Now().Before(c.State.StartedAt.Add(hc.StartPeriod))
	after, err := r.recordHealth(c, entry, inStartPeriod)
	if err != nil {
		return false, err
	}
	if r.conf.Engine.HealthcheckEvents {
		e := containerEvent(c, events.HealthStatus)
		e.HealthStatus, e.HealthFailingStreak = after.Status, after.FailingStreak
		if c.Config.HealthLogDestination == define.HealthLogEvents {
			if b, err := json.Marshal(entry); err == nil {
				e.HealthLog = string(b)
			}
		}
		r.writeEvent(e)
	}
	if after.Status == define.HealthUnhealthy {
		if err := r.healthFailureAction(ctx, c); err != nil {
			return true, err
		}
	}
	return entry.ExitCode != 0, nil
}

// runHealthCommand executes the check in the container, output and
// errors together, within its timeout. Events of the exec are not
// recorded: podman records only health_status.
func (r *Runtime) runHealthCommand(ctx context.Context, c *define.Container, hc *define.HealthConfig) define.HealthCheckLog {
	timeout := hc.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var out lockedBuffer
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	code, _, err := r.exec(tctx, c.Config.ID, ExecOptions{Cmd: healthCommand(hc.Test), quiet: true, mergeOutput: true},
		&AttachStreams{Stdout: &out, Stderr: &out})
	end := time.Now()
	var ee *errdefs.ExitError
	switch {
	case tctx.Err() != nil && ctx.Err() == nil:
		code = -1 // podman's code for a check past its timeout
	case errors.As(err, &ee):
		code = ee.Code
	case err != nil:
		code = 1 // the runtime could not run it: a failed check
	}
	output := out.String()
	if n := int(healthMaxLogSize(&c.Config)); n > 0 && len(output) > n {
		output = output[:n]
	}
	return define.HealthCheckLog{Start: start.Format(time.RFC3339Nano), End: end.Format(time.RFC3339Nano), ExitCode: code, Output: output}
}

// recordHealth adds a run to the results under a lock on the file, with
// podman 5's rules: a success makes the container healthy; failures
// outside the start period count, and Retries in a row make it unhealthy.
func (r *Runtime) recordHealth(c *define.Container, entry define.HealthCheckLog, inStartPeriod bool) (define.HealthCheckResults, error) {
	path := r.healthFile(c)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return define.HealthCheckResults{}, fmt.Errorf("recording the health of %s: %w", c.Config.Name, err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return define.HealthCheckResults{}, fmt.Errorf("locking %s: %w", path, err)
	}
	h := define.HealthCheckResults{Status: define.HealthStarting}
	if b, err := io.ReadAll(f); err == nil && len(b) > 0 {
		_ = json.Unmarshal(b, &h)
	}
	if entry.ExitCode == 0 {
		h.Status, h.FailingStreak = define.HealthHealthy, 0
	} else if !inStartPeriod {
		h.FailingStreak++
		if h.FailingStreak >= c.Config.HealthCheck.Retries {
			h.Status = define.HealthUnhealthy
		}
	}
	h.Log = append(h.Log, entry)
	if n := int(healthMaxLogCount(&c.Config)); n > 0 && len(h.Log) > n {
		h.Log = h.Log[len(h.Log)-n:]
	}
	b, err := json.Marshal(h)
	if err != nil {
		return h, err
	}
	if err := f.Truncate(0); err != nil {
		return h, err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return h, fmt.Errorf("recording the health of %s: %w", c.Config.Name, err)
	}
	return h, nil
}

// healthFailureAction does what --health-on-failure asks of an
// unhealthy container.
func (r *Runtime) healthFailureAction(ctx context.Context, c *define.Container) error {
	var err error
	switch c.Config.HealthOnFailure {
	case define.HealthActionKill:
		err = r.Kill(ctx, c.Config.ID, syscall.SIGKILL)
	case define.HealthActionStop:
		err = r.Stop(ctx, c.Config.ID, nil)
	case define.HealthActionRestart:
		err = r.Restart(ctx, c.Config.ID, nil)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s container after health-check turned unhealthy: %w", c.Config.HealthOnFailure, err)
	}
	return nil
}

// lockedBuffer takes a session's stdout and stderr together.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startupFile counts a run's startup checks; startupDoneFile, once there,
// says the startup check passed (the monitor then keeps the regular
// interval). Both live in the run directory: every start begins anew.
func (r *Runtime) startupFile(id string) string {
	return filepath.Join(r.ctrRunDir(id), "startup.json")
}

func (r *Runtime) startupDoneFile(id string) string {
	return filepath.Join(r.ctrRunDir(id), "startup-passed")
}

func (r *Runtime) inStartup(c *define.Container) bool {
	if c.Config.StartupHealthCheck == nil {
		return false
	}
	_, err := os.Stat(r.startupDoneFile(c.Config.ID))
	return err != nil
}

// startupCheckRun runs the startup check: its results go to the same log
// (without counting failures towards unhealthy); Successes passes in a row
// end the startup phase, Retries failures restart the container.
func (r *Runtime) startupCheckRun(ctx context.Context, c *define.Container) (bool, error) {
	sc := c.Config.StartupHealthCheck
	entry := r.runHealthCommand(ctx, c, &sc.HealthConfig)
	if _, err := r.recordHealth(c, entry, entry.ExitCode != 0); err != nil {
		return false, err
	}
	var n struct{ Successes, Failures int }
	path := r.startupFile(c.Config.ID)
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &n)
	}
	if entry.ExitCode == 0 {
		n.Successes, n.Failures = n.Successes+1, 0
	} else {
		n.Successes, n.Failures = 0, n.Failures+1
	}
	b, _ := json.Marshal(n)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return false, fmt.Errorf("recording the startup check of %s: %w", c.Config.Name, err)
	}
	if entry.ExitCode == 0 && n.Successes >= max(sc.Successes, 1) {
		if err := os.WriteFile(r.startupDoneFile(c.Config.ID), nil, 0o600); err != nil {
			return false, err
		}
	}
	if entry.ExitCode != 0 && sc.Retries > 0 && n.Failures >= sc.Retries {
		if err := r.Restart(ctx, c.Config.ID, nil); err != nil {
			return true, fmt.Errorf("restarting container after its startup healthcheck failed: %w", err)
		}
	}
	return entry.ExitCode != 0, nil
}
