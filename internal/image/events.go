package image

import (
	"context"

	"github.com/pier-engine/pier/internal/events"
)

// EventFunc records an image event (the engine's eventer).
type EventFunc func(e events.Event)

// SetEventFunc makes every image verb of s record its event through fn.
// Unset, nothing is recorded.
func (s *Store) SetEventFunc(fn EventFunc) { s.onEvent = fn }

// event records an image verb: the image's ID and the name podman reports
// with it (the reference, destination or path the user gave, or the name
// untagged; none for mount and unmount).
func (s *Store) event(id, name string, st events.Status) {
	if s.onEvent == nil {
		return
	}
	e := events.NewEvent(events.Image, st)
	e.ID, e.Name = id, name
	s.onEvent(e)
}

// pullErrorEvent records a failed pull as podman's libimage does: the name
// as the user gave it and the error, no ID.
func (s *Store) pullErrorEvent(name string, err error) {
	if s.onEvent == nil || err == nil {
		return
	}
	e := events.NewEvent(events.Image, events.PullError)
	e.Name, e.Error = name, err.Error()
	s.onEvent(e)
}

// PullNever is a pull with policy never, as podman's create does one: the
// local image, recorded as pulled, or the lookup's error, recorded as a
// pull-error.
func (s *Store) PullNever(ctx context.Context, ref string) (*Image, error) {
	img, err := s.Lookup(ctx, ref)
	if err != nil {
		s.pullErrorEvent(ref, err)
		return nil, err
	}
	s.event(img.ID, ref, events.Pull)
	return img, nil
}
