package api

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// resizers are the terminal size channels of the attach and exec
// sessions in progress, by container or exec ID: a resize request is
// delivered through the session's connection to the monitor. last is
// the newest size of each, which a start also uses as the console size
// (clients resize between their attach and the start).
type resizers struct {
	mu   sync.Mutex
	m    map[string]chan engine.TermSize
	last map[string]engine.TermSize
}

// open registers a channel for id, holding the size already given; close
// it with done.
func (rs *resizers) open(id string) chan engine.TermSize {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m == nil {
		rs.m = map[string]chan engine.TermSize{}
	}
	ch := make(chan engine.TermSize, 1)
	rs.m[id] = ch
	if size, ok := rs.last[id]; ok {
		ch <- size
	}
	return ch
}

func (rs *resizers) done(id string, ch chan engine.TermSize) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m[id] == ch {
		delete(rs.m, id)
		delete(rs.last, id)
	}
}

// send records size and delivers it to id's session, if there is one,
// dropping a size not read yet.
func (rs *resizers) send(id string, size engine.TermSize) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.last == nil {
		rs.last = map[string]engine.TermSize{}
	}
	rs.last[id] = size
	ch, ok := rs.m[id]
	if !ok {
		return false
	}
	select {
	case <-ch:
	default:
	}
	ch <- size
	return true
}

// current is the newest size given for id, nil if none.
func (rs *resizers) current(id string) *engine.TermSize {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	size, ok := rs.last[id]
	if !ok {
		return nil
	}
	return &size
}

// forget drops a size no session took.
func (rs *resizers) forget(id string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if _, open := rs.m[id]; !open {
		delete(rs.last, id)
	}
}

// resize is POST /containers/{name}/resize and /exec/{id}/resize with
// h and w: 200 once an attached session has it, or, for a container not
// started yet, once kept for its start; 409 for a running container with
// no client attached to its terminal (pier resizes through that
// connection).
func (s *Server) resize(w http.ResponseWriter, r *http.Request) {
	h, herr := strconv.ParseUint(r.Form.Get("h"), 10, 16)
	wd, werr := strconv.ParseUint(r.Form.Get("w"), 10, 16)
	if herr != nil || werr != nil {
		badRequest(w, "failed to parse parameters for %s: h and w must be terminal sizes", r.URL.String())
		return
	}
	id, started := param(r, "id"), true
	if id != "" {
		sess, err := s.execs.get(id)
		if err != nil {
			writeError(w, err)
			return
		}
		sess.mu.Lock()
		started = sess.running || sess.done
		sess.mu.Unlock()
	} else {
		c, err := s.rt.Lookup(r.Context(), param(r, "name"))
		if err != nil {
			writeError(w, err)
			return
		}
		id, started = c.Config.ID, c.State.Running()
	}
	if !s.sizes.send(id, engine.TermSize{Height: uint16(h), Width: uint16(wd)}) && started {
		s.sizes.forget(id)
		writeError(w, fmt.Errorf("%s has no attached terminal session to resize: %w", id, define.ErrCtrStateInvalid))
		return
	}
	w.WriteHeader(http.StatusOK)
}
