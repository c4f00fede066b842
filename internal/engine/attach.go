package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/monitor"
)

// AttachSession is an attach client the monitor registered before the
// container's process started (Start with StartOptions.Attach). Hand it
// to Attach, or Close it.
type AttachSession struct {
	id, name string
	conn     *monitor.AttachConn
}

// Close drops the session without attaching.
func (s *AttachSession) Close() error { return s.conn.Close() }

// AttachOptions control Attach.
type AttachOptions struct {
	// Session is Start's: attach through the client registered before
	// the process started. Nil attaches to the running container now.
	Session *AttachSession
}

// Attach connects streams to the container's stdio and returns the
// container's exit code once it exits. An --rm container whose monitor
// left its removal to the attached client is removed here.
func (r *Runtime) Attach(ctx context.Context, nameOrID string, streams *AttachStreams, opts AttachOptions) (int, error) {
	s := opts.Session
	if s == nil {
		c, err := r.Lookup(ctx, nameOrID)
		if err != nil {
			return 0, err
		}
		if !c.State.Running() {
			return 0, fmt.Errorf("you can only attach to running containers: %w", define.ErrCtrStateInvalid)
		}
		conn, err := monitor.DialAttach(ctx, r.ctrRunDir(c.Config.ID))
		if err != nil {
			return 0, fmt.Errorf("attaching to container %s: %w", c.Config.Name, err)
		}
		s = &AttachSession{id: c.Config.ID, name: c.Config.Name, conn: conn}
		r.ctrEvent(c, events.Attach)
	}
	code, err := s.conn.Run(ctx, streams)
	if err != nil {
		return 0, fmt.Errorf("attaching to container %s: %w", s.name, err)
	}
	if s.conn.Cleans() {
		r.removeAfterExit(ctx, s.id, s.conn)
	}
	return code, nil
}

// removeAfterExit removes an exited --rm container whose monitor left
// that to us: telling it so spares the cleanup process it would run. If
// the remove fails (or we die first), the monitor's exit command retries.
func (r *Runtime) removeAfterExit(ctx context.Context, id string, att *monitor.AttachConn) {
	err := r.Remove(context.WithoutCancel(ctx), id, RemoveOptions{Force: true})
	if err == nil || errors.Is(err, define.ErrNoSuchCtr) {
		_ = att.CleanupDone()
		return
	}
	att.Close()
}
