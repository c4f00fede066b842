package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// notifyDirName is the directory of the run dir that holds the monitor's
// proxy socket (notify.sock) and is bind-mounted at /run/notify.
const notifyDirName = "notify"

// validateSdNotifyMode checks --sdnotify with podman's words.
func validateSdNotifyMode(mode string) error {
	switch mode {
	case "", define.SdNotifyContainer, define.SdNotifyConmon, define.SdNotifyHealthy, define.SdNotifyIgnore:
		return nil
	}
	return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid config provided: invalid argument: invalid sdnotify value %q: must be conmon, container, healthy or ignore", mode)
}

// applySdNotify records the mode and the caller's NOTIFY_SOCKET (none
// with ignore), once the healthcheck is known: healthy needs one.
func applySdNotify(cfg *define.ContainerConfig, req *CreateRequest) error {
	cfg.SdNotifyMode = req.SdNotifyMode
	if req.SdNotifyMode == define.SdNotifyHealthy && (cfg.HealthCheck == nil || len(cfg.HealthCheck.Test) == 0 || cfg.HealthCheck.Test[0] == "NONE") {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid argument: sdnotify policy %q requires a healthcheck to be set", req.SdNotifyMode)
	}
	if req.SdNotifyMode != define.SdNotifyIgnore {
		cfg.SdNotifySocket = req.SdNotifySocket
	}
	return nil
}

// proxiesNotify reports whether c's monitor relays the container's own
// READY=1 (mode container with a socket to relay to).
func proxiesNotify(c *define.Container) bool {
	mode := c.Config.SdNotifyMode
	return c.Config.SdNotifySocket != "" && (mode == "" || mode == define.SdNotifyContainer)
}

// addNotifyMount gives a container of mode container the monitor's proxy
// socket: its directory at /run/notify and NOTIFY_SOCKET naming it.
func addNotifyMount(s *rspec.Spec, c *define.Container, runDir string) error {
	if !proxiesNotify(c) {
		return nil
	}
	dir := filepath.Join(runDir, notifyDirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating notify directory: %w", err)
	}
	s.Mounts = append(s.Mounts, rspec.Mount{
		Destination: filepath.Dir(define.NotifySocketInContainer), Type: "bind", Source: dir,
		Options: []string{"bind", "rprivate", "nosuid", "nodev", "noexec"},
	})
	if s.Process != nil {
		s.Process.Env = append(s.Process.Env, "NOTIFY_SOCKET="+define.NotifySocketInContainer)
	}
	return nil
}

// notifySocketFor is where c's start reports: the socket recorded at
// create, else the NOTIFY_SOCKET of this pier's caller (a container
// created outside the service started inside it), never with ignore.
// Containers made without a mode (kube play's, pods' infra) report only
// to a socket recorded for them.
func (r *Runtime) notifySocketFor(c *define.Container) string {
	switch c.Config.SdNotifyMode {
	case define.SdNotifyIgnore:
		return ""
	case "":
		return c.Config.SdNotifySocket
	}
	if c.Config.SdNotifySocket != "" {
		return c.Config.SdNotifySocket
	}
	return r.opts.NotifySocket
}

// notifyStarted tells the service manager the monitor's PID (the process
// it must watch, as podman names conmon's), with READY=1 in mode conmon.
// A failure is logged: the container runs either way.
func (r *Runtime) notifyStarted(c *define.Container) {
	sock := r.notifySocketFor(c)
	if sock == "" || c.State.MonitorPID == 0 {
		return
	}
	msg := "MAINPID=" + strconv.Itoa(c.State.MonitorPID)
	if c.Config.SdNotifyMode == define.SdNotifyConmon {
		msg += "\nREADY=1"
	}
	if err := sdNotify(sock, msg); err != nil {
		slog.Error(fmt.Sprintf("Notifying systemd of Conmon PID: %v", err))
	}
}

// waitHealthyNotify is mode healthy's READY=1: sent once the healthcheck
// passed. It stops waiting, sending nothing, when the container stops
// running or ctx ends.
func (r *Runtime) waitHealthyNotify(ctx context.Context, id string) error {
	c, err := r.store.Container(ctx, id)
	if err != nil || c.Config.SdNotifyMode != define.SdNotifyHealthy {
		return nil
	}
	sock := r.notifySocketFor(c)
	for {
		r.syncState(c)
		r.loadHealth(c)
		if c.State.Health != nil && c.State.Health.Status == define.HealthHealthy {
			break
		}
		if !c.State.Running() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(healthyPoll):
		}
		if c, err = r.store.Container(ctx, id); err != nil {
			return nil // removed meanwhile, as podman
		}
	}
	if sock == "" {
		return nil
	}
	if err := sdNotify(sock, "READY=1"); err != nil {
		slog.Error(fmt.Sprintf("Sending READY message after turning healthy: %v", err))
	}
	return nil
}

// healthyPoll is podman's DefaultWaitInterval for the healthy wait.
const healthyPoll = 250 * time.Millisecond

// sdNotify sends one datagram to a NOTIFY_SOCKET ("@name" is abstract).
func sdNotify(sock, msg string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}
