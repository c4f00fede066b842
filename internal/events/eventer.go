package events

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Backends, as containers.conf's events_logger names them.
const (
	BackendFile     = "file"
	BackendJournald = "journald"
	BackendNone     = "none"
)

// Options choose and configure a backend.
type Options struct {
	Backend string // file, journald or none
	// Path is the file backend's log; MaxSize its rotation threshold in
	// bytes (0: never rotated).
	Path    string
	MaxSize uint64
}

// ReadOptions are `events`' flags.
type ReadOptions struct {
	Filters Filters
	// Stream follows the log until ctx ends (or Until passes); otherwise
	// Read returns at its end.
	Stream bool
	// FromStart reads a streamed log from its beginning (--since/--until
	// given); a stream otherwise shows only new events.
	FromStart bool
	Until     time.Time // zero: no end
}

// Eventer writes and reads events.
type Eventer interface {
	Write(e Event) error
	// Read calls fn for each matching event, in log order.
	Read(ctx context.Context, o ReadOptions, fn func(*Event) error) error
}

// New returns the backend o names, with podman's error for another name.
func New(o Options) (Eventer, error) {
	switch o.Backend {
	case BackendFile, "":
		return &fileEventer{path: o.Path, maxSize: o.MaxSize}, nil
	case BackendNone:
		return nullEventer{}, nil
	case BackendJournald:
		return journaldEventer{}, nil
	}
	return nil, fmt.Errorf("%q is not a valid events backend", o.Backend)
}

// IsValidBackend reports a name New accepts.
func IsValidBackend(name string) bool {
	switch name {
	case BackendFile, BackendNone, BackendJournald:
		return true
	}
	return false
}

type nullEventer struct{}

func (nullEventer) Write(Event) error { return nil }
func (nullEventer) Read(context.Context, ReadOptions, func(*Event) error) error {
	return errors.New(`cannot read events with the "none" backend`)
}
