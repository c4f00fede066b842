package api

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// idleTracker fires when no connection has been active for the timeout,
// as podman's: the clock runs from the start and again each time the last
// active connection closes. A keep-alive connection waiting between
// requests still counts until it is closed.
type idleTracker struct {
	timeout time.Duration
	mu      sync.Mutex
	managed map[net.Conn]struct{}
	count   int
	// hijacked are connections a handler took over (attach); it reports
	// their end with hijackDone.
	hijacked int
	timer    *time.Timer
	never    chan time.Time
}

func newIdleTracker(timeout time.Duration) *idleTracker {
	t := &idleTracker{timeout: timeout, managed: map[net.Conn]struct{}{}}
	if timeout > 0 {
		t.timer = time.NewTimer(timeout)
	} else {
		t.never = make(chan time.Time)
	}
	return t
}

func (t *idleTracker) connState(c net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch state {
	case http.StateNew:
		t.count++
	case http.StateActive:
		t.managed[c] = struct{}{}
		t.stop()
	case http.StateHijacked:
		delete(t.managed, c)
		t.hijacked++
	case http.StateClosed:
		before := len(t.managed)
		delete(t.managed, c)
		if before > 0 {
			t.restartIfIdle()
		}
	}
}

// hijackDone is a hijacked connection's close.
func (t *idleTracker) hijackDone() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hijacked--
	t.restartIfIdle()
}

// restartIfIdle starts the idle clock when nothing is connected.
func (t *idleTracker) restartIfIdle() {
	if len(t.managed)+t.hijacked == 0 && t.timer != nil {
		t.timer.Reset(t.timeout)
	}
}

func (t *idleTracker) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
}

func (t *idleTracker) done() <-chan time.Time {
	if t.timer == nil {
		return t.never
	}
	return t.timer.C
}

func (t *idleTracker) active() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.managed) + t.hijacked
}

func (t *idleTracker) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}
