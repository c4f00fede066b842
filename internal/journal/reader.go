// Package journal reads the systemd journal, for the journald events
// backend and log driver (podman reads it the same way, through
// libsystemd's sd-journal). libsystemd is loaded when a journal is first
// opened (go-systemd's sdjournal dlopens it), so pier runs on hosts
// without it as long as nothing reads a journal.
//
// Writing needs no library: see go-systemd's journal package (the native
// protocol over /run/systemd/journal/socket).
package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// Socket is journald's native socket: no socket, no journald.
const Socket = "/run/systemd/journal/socket"

// ErrNotRunning is returned where pier refuses to use a journal that
// nothing writes (see Running).
var ErrNotRunning = errors.New("journald is not running on this host (no " + Socket + ")")

// Running reports whether journald listens on its native socket.
func Running() bool {
	st, err := os.Stat(Socket)
	return err == nil && st.Mode()&os.ModeSocket != 0
}

// Entry is one journal entry: its fields and when journald received it.
type Entry struct {
	Fields map[string]string
	Time   time.Time
}

// Reader goes through the entries that match its filter.
type Reader struct {
	j *sdjournal.Journal
}

// Open opens the local journal. Each group is a conjunction of
// "FIELD=value" matches; an entry matches when any group matches (podman
// reads a container's log lines and its events in one pass that way).
func Open(groups ...[]string) (*Reader, error) {
	j, err := sdjournal.NewJournal()
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	r := &Reader{j: j}
	if err := j.SetDataThreshold(0); err != nil {
		r.Close()
		return nil, fmt.Errorf("cannot set data threshold for journal: %w", err)
	}
	for i, g := range groups {
		if i > 0 {
			if err := j.AddDisjunction(); err != nil {
				r.Close()
				return nil, fmt.Errorf("adding filter disjunction to journald logger: %w", err)
			}
		}
		for _, m := range g {
			if err := j.AddMatch(m); err != nil {
				r.Close()
				return nil, fmt.Errorf("adding filter to journald logger: %v: %w", m, err)
			}
		}
	}
	return r, nil
}

// Close releases the journal.
func (r *Reader) Close() error { return r.j.Close() }

// SeekTail positions the reader after the last entry: Next then returns
// only new ones.
func (r *Reader) SeekTail() error {
	if err := r.j.SeekTail(); err != nil {
		return fmt.Errorf("failed to seek end of journal: %w", err)
	}
	// After SeekTail, Next moves to a random entry unless Previous came
	// first (systemd bug 64614, podman does the same).
	if _, err := r.j.Previous(); err != nil {
		return fmt.Errorf("failed to move journal cursor to previous entry: %w", err)
	}
	return nil
}

// SeekTime positions the reader at the first entry at or after t (the
// head for a zero t).
func (r *Reader) SeekTime(t time.Time) error {
	if t.IsZero() {
		return r.j.SeekHead()
	}
	return r.j.SeekRealtimeUsec(uint64(t.UnixMicro()))
}

// waitStep bounds one wait for new entries, so that a cancelled ctx is
// noticed soon.
const waitStep = 250 * time.Millisecond

// Next returns the next entry, or nil at the end of the journal when not
// following (or when ctx is done, or until has passed). Following, it
// waits for new entries.
func (r *Reader) Next(ctx context.Context, follow bool, until time.Time) (*Entry, error) {
	for {
		if ctx.Err() != nil {
			return nil, nil
		}
		n, err := r.j.Next()
		if err != nil {
			return nil, fmt.Errorf("failed to move journal cursor to next entry: %w", err)
		}
		if n == 0 {
			if !follow || (!until.IsZero() && time.Now().After(until)) {
				return nil, nil
			}
			r.j.Wait(waitStep)
			continue
		}
		e, err := r.j.GetEntry()
		if err != nil {
			return nil, fmt.Errorf("failed to read journal entry: %w", err)
		}
		return &Entry{Fields: e.Fields, Time: time.UnixMicro(int64(e.RealtimeTimestamp))}, nil
	}
}

// Match is one "FIELD=value" match.
func Match(field, value string) string {
	return field + "=" + value
}
