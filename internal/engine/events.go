package engine

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// eventerState is the engine's lazily opened eventer.
type eventerState struct {
	once sync.Once
	ev   events.Eventer
	err  error
}

// eventsOptions are the backend in effect: --events-backend, else
// containers.conf's events_logger; the log under tmp_dir unless
// events_logfile_path names one, as podman.
func (r *Runtime) eventsOptions() events.Options {
	backend := r.opts.EventsBackend
	if backend == "" {
		backend = r.conf.Engine.EventsLogger
	}
	path := r.conf.Engine.EventsLogFilePath
	if path == "" {
		// A state made without --tmpdir or tmp_dir records none: the
		// default tmp dir, never a path relative to the caller's cwd.
		tmp := r.paths.TmpDir
		if tmp == "" {
			tmp = r.conf.TmpDirFor(r.paths.RunRoot)
		}
		path = filepath.Join(tmp, "events", "events.log")
	}
	return events.Options{Backend: backend, Path: path, MaxSize: r.conf.Engine.EventsLogFileMaxSize}
}

// checkEventsBackend refuses an unknown backend name with podman's error,
// before the engine does anything.
func checkEventsBackend(name string) error {
	if name != "" && !events.IsValidBackend(name) {
		return fmt.Errorf("configuring runtime: %q is not a valid events backend: %w", name, errdefs.ErrInvalidArgument)
	}
	return nil
}

func (r *Runtime) eventer() (events.Eventer, error) {
	r.ev.once.Do(func() { r.ev.ev, r.ev.err = events.New(r.eventsOptions()) })
	return r.ev.ev, r.ev.err
}

// writeEvent records e. A failed write is logged, never the caller's
// failure: the transition it reports has happened.
func (r *Runtime) writeEvent(e events.Event) {
	ev, err := r.eventer()
	if err == nil {
		err = ev.Write(e)
	}
	if err != nil {
		slog.Error(fmt.Sprintf("Unable to write %s event: %q", e.Type, err.Error()))
	}
}

// ctrEvent records a container transition with podman's fields: the
// image name the container was made from and its labels as attributes.
func (r *Runtime) ctrEvent(c *define.Container, s events.Status) {
	r.writeEvent(containerEvent(c, s))
}

func containerEvent(c *define.Container, s events.Status) events.Event {
	e := events.NewEvent(events.Container, s)
	e.ID, e.Name, e.Image = c.Config.ID, c.Config.Name, c.Config.Image
	e.PodID = c.Config.Pod
	e.Attributes = maps.Clone(c.Config.Labels)
	if e.Attributes == nil {
		e.Attributes = map[string]string{}
	}
	if s == events.Exited || (s == events.Remove && !c.State.FinishedAt.IsZero()) {
		code := int(c.State.ExitCode)
		e.ContainerExitCode = &code
	}
	return e
}

// RecordSync records a sync event for each container (`ps --sync`, as
// podman): their state was read from the monitors' records already.
func (r *Runtime) RecordSync(cs []*define.Container) {
	for _, c := range cs {
		if c.State.Status != define.StatusStorage { // another tool's: not ours to record
			r.ctrEvent(c, events.Sync)
		}
	}
}

// execDiedEvent is podman's: the container's event with the session's
// exit code.
func execDiedEvent(c *define.Container, code int) events.Event {
	e := containerEvent(c, events.ExecDied)
	e.ContainerExitCode = &code
	return e
}

// podEvent returns a pass-through that records a pod verb once it
// succeeded: podman's pod events carry the pod's ID and name, no image.
func (r *Runtime) podEvent(s events.Status) func(*define.Pod, error) (*define.Pod, error) {
	return func(p *define.Pod, err error) (*define.Pod, error) {
		if err == nil && p != nil {
			e := events.NewEvent(events.Pod, s)
			e.ID, e.Name = p.Config.ID, p.Config.Name
			r.writeEvent(e)
		}
		return p, err
	}
}

// volumeEvent records a volume verb.
func (r *Runtime) volumeEvent(name string, s events.Status) {
	e := events.NewEvent(events.Volume, s)
	e.Name = name
	r.writeEvent(e)
}

// secretEvent records a secret verb: podman's carry the secret's ID alone.
func (r *Runtime) secretEvent(id string, s events.Status) {
	e := events.NewEvent(events.Secret, s)
	e.ID = id
	r.writeEvent(e)
}

// buildEvent records a finished build as podman does: the new image's ID
// as the event's name (empty when the build failed), no ID.
func (r *Runtime) buildEvent(id string) {
	e := events.NewEvent(events.Image, events.Build)
	e.Name = id
	r.writeEvent(e)
}

// networkEvent records a network's create/remove (with its driver) or a
// container's connect/disconnect (id is the container's).
func (r *Runtime) networkEvent(id, network, driver string, s events.Status) {
	e := events.NewEvent(events.Network, s)
	e.ID, e.Network = id, network
	if driver != "" {
		e.Attributes = map[string]string{"driver": driver}
	}
	r.writeEvent(e)
}

// netConnEvent records a container's connect or disconnect: podman's
// carry the container's ID and name and the network's name.
func (r *Runtime) netConnEvent(c *define.Container, network string, s events.Status) {
	e := events.NewEvent(events.Network, s)
	e.ID, e.Name, e.Network = c.Config.ID, c.Config.Name, network
	r.writeEvent(e)
}

// EventsRequest is `events`' input; the CLI parses its flags into it.
type EventsRequest struct {
	Filters      []string
	Since, Until string
	Stream       bool
}

// Events reads the log and hands each matching event to fn until the log
// ends (or, streaming, until ctx is done or Until passes).
func (r *Runtime) Events(ctx context.Context, req EventsRequest, fn func(*events.Event) error) error {
	now := time.Now()
	fs, err := events.ParseFilters(req.Filters, req.Since, req.Until, now)
	if err != nil {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "failed to parse event filters: %w", err)
	}
	o := events.ReadOptions{Filters: fs, Stream: req.Stream, FromStart: req.Since != "" || req.Until != ""}
	if req.Until != "" {
		o.Until, _ = events.ParseInputTime(req.Until, false, now)
	}
	ev, err := r.eventer()
	if err != nil {
		return err
	}
	return ev.Read(ctx, o, fn)
}
