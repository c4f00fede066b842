package engine

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/journal"
	"github.com/pier-engine/pier/internal/logs"
)

// journaldLogs reads a journald container's log as podman does: the
// entries its monitor wrote (CONTAINER_ID_FULL) and, in the same pass,
// its events (a follower stops at the died event, which comes after every
// line). Following needs the events in the journal too, as in podman.
// Without a running journald it fails where podman shows nothing.
func (r *Runtime) journaldLogs(ctx context.Context, c *define.Container, opts LogOptions, fn func(logs.Line) error) error {
	if opts.Follow && r.eventsOptions().Backend != events.BackendJournald {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "using --follow with the journald --log-driver but without the journald --events-backend (%s) is not supported", r.eventsOptions().Backend)
	}
	if !journal.Running() {
		// podman reads nothing and says nothing; the output of a
		// container started without journald went nowhere.
		return fmt.Errorf("cannot read the logs of container %s: %w: its output was not recorded", c.Config.Name, journal.ErrNotRunning)
	}
	uid := journal.Match("_UID", strconv.Itoa(os.Getuid()))
	rd, err := journal.Open(
		[]string{journal.Match("SYSLOG_IDENTIFIER", "podman"), journal.Match("PODMAN_ID", c.Config.ID), uid},
		[]string{journal.Match("CONTAINER_ID_FULL", c.Config.ID), uid},
	)
	if err != nil {
		return err
	}
	defer rd.Close()
	if err := rd.SeekTime(opts.Since); err != nil {
		return err
	}
	r.syncState(c)
	j := &journalLines{fn: fn, tail: opts.Tail, logging: c.State.Running() || c.State.Status == define.StatusCreated}
	for {
		e, err := rd.Next(ctx, opts.Follow && j.logging && !j.tailing(), opts.Until)
		if err != nil {
			return err
		}
		if e == nil {
			if j.tailing() {
				if err := j.flushTail(); err != nil {
					return err
				}
				continue
			}
			return j.end()
		}
		if (!opts.Since.IsZero() && e.Time.Before(opts.Since)) || (!opts.Until.IsZero() && e.Time.After(opts.Until)) {
			continue
		}
		if ev, ok := e.Fields["PODMAN_EVENT"]; ok {
			switch events.Status(ev) {
			case events.History, events.Init, events.Start, events.Restart:
				j.logging = true
			case events.Exited:
				j.logging = false
			}
			continue
		}
		if err := j.add(e); err != nil {
			return err
		}
	}
}

// journalLines joins a line's partial entries and keeps the last Tail
// lines until the end of what is there (podman's tail of the journal).
type journalLines struct {
	fn      func(logs.Line) error
	tail    int // -1: all; past the first end, all
	queue   []logs.Line
	partial map[string]*logs.Line
	logging bool
	tailed  bool
}

func (j *journalLines) tailing() bool { return j.tail >= 0 && !j.tailed }

func (j *journalLines) add(e *journal.Entry) error {
	stream := logs.Stdout
	switch e.Fields["PRIORITY"] {
	case "6":
	case "3":
		stream = logs.Stderr
	default:
		return fmt.Errorf("unexpected PRIORITY field in journal entry")
	}
	msg := strings.TrimSuffix(e.Fields["MESSAGE"], "\n")
	if j.partial == nil {
		j.partial = map[string]*logs.Line{}
	}
	if p := j.partial[stream]; p != nil {
		msg = p.Text + msg
		delete(j.partial, stream)
	}
	l := logs.Line{Time: e.Time, Stream: stream, Text: msg}
	if _, ok := e.Fields["CONTAINER_PARTIAL_MESSAGE"]; ok {
		l.Partial = true
		j.partial[stream] = &l
		return nil
	}
	return j.emit(l)
}

func (j *journalLines) emit(l logs.Line) error {
	if !j.tailing() {
		return j.fn(l)
	}
	if j.tail == 0 {
		return nil
	}
	if len(j.queue) == j.tail {
		j.queue = append(j.queue[:0], j.queue[1:]...)
	}
	j.queue = append(j.queue, l)
	return nil
}

func (j *journalLines) flushTail() error {
	j.tailed = true
	for _, l := range j.queue {
		if err := j.fn(l); err != nil {
			return err
		}
	}
	j.queue = nil
	return nil
}

// end sends the lines a tail kept and the pieces of lines that never got
// their newline.
func (j *journalLines) end() error {
	for _, s := range []string{logs.Stdout, logs.Stderr} {
		if p := j.partial[s]; p != nil {
			if err := j.emit(*p); err != nil {
				return err
			}
		}
	}
	if j.tailing() {
		return j.flushTail()
	}
	return nil
}
