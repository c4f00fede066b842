package engine

import (
	"context"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/logs"
)

// Logs streams a container's k8s-file log (or its journal entries). With Follow it keeps reading
// until the container stops running.
func (r *Runtime) Logs(ctx context.Context, nameOrID string, opts LogOptions, fn func(logs.Line) error) error {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return err
	}
	if c.Config.LogDriver == "journald" {
		return r.journaldLogs(ctx, c, opts, fn)
	}
	if !k8sFileLog(c.Config.LogDriver) {
		return fmt.Errorf("container %s uses the %s log driver, which keeps no logs to read: %w", c.Config.Name, c.Config.LogDriver, errdefs.ErrInvalidArgument)
	}
	path := r.logPath(c)
	id := c.Config.ID
	stop := func() bool {
		cur, err := r.store.Container(ctx, id)
		if err != nil {
			return true
		}
		r.syncState(cur)
		return !cur.State.Running() && cur.State.Status != define.StatusCreated
	}
	return logs.Read(ctx, path, logs.Options{
		Follow: opts.Follow, Tail: opts.Tail, Since: opts.Since, Until: opts.Until,
	}, stop, fn)
}
