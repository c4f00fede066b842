package image

import "github.com/pier-engine/pier/internal/events"

// EventFunc records an image event: the image's ID and the name podman
// reports with the verb (the reference, destination or path the user
// gave, or the name untagged).
type EventFunc func(id, name string, s events.Status)

// SetEventFunc makes every image verb of s record its event through fn
// (the engine's eventer). Unset, nothing is recorded.
func (s *Store) SetEventFunc(fn EventFunc) { s.onEvent = fn }

func (s *Store) event(id, name string, st events.Status) {
	if s.onEvent != nil {
		s.onEvent(id, name, st)
	}
}
