package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/pier-engine/pier/internal/define"
)

// dockerWaitPoll is how often a Docker wait looks at the container.
const dockerWaitPoll = 100 * time.Millisecond

// dockerWaitBody is Docker's wait answer.
type dockerWaitBody struct {
	StatusCode int
	Error      *struct{ Message string }
}

// compatWait is Docker's wait: conditions not-running (default),
// next-exit and removed. As Docker and podman, the status line goes out
// at once, so that a client may start the container only then (docker
// run does); the body follows when the condition is met.
func (s *Server) compatWait(w http.ResponseWriter, r *http.Request) {
	cond := r.Form.Get("condition")
	switch cond {
	case "":
		cond = "not-running"
	case "not-running", "next-exit", "removed":
	default:
		badRequest(w, "condition %q: not a valid docker condition", cond)
		return
	}
	id := param(r, "name")
	if c, err := s.rt.Lookup(r.Context(), id); err == nil {
		id = c.Config.ID
	} else if s.exits.get(id) == nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	body := dockerWaitBody{}
	code, err := s.dockerWait(r.Context(), id, cond)
	body.StatusCode = int(code)
	if err != nil {
		slog.Error(fmt.Sprintf("While waiting on condition: %q", err))
		body.Error = &struct{ Message string }{err.Error()}
	}
	if err := json.NewEncoder(w).Encode(body); err != nil {
		slog.Info("Unable to write json: " + err.Error())
	}
}

// dockerWait polls the container until cond holds and returns its exit
// code. next-exit is an exit that happens after the wait began; removed
// waits for the container to be gone and reports its last exit (an
// attach session's, when it removed an --rm container).
func (s *Server) dockerWait(ctx context.Context, id, cond string) (int32, error) {
	var since time.Time
	var code int32
	for first := true; ; first = false {
		c, err := s.rt.Lookup(ctx, id)
		if errors.Is(err, define.ErrNoSuchCtr) {
			if rec := s.exits.get(id); rec != nil {
				select {
				case <-rec.done:
					return int32(rec.code), nil
				case <-ctx.Done():
					return -1, ctx.Err()
				}
			}
			if cond == "removed" && !first {
				return code, nil
			}
		}
		if err != nil {
			return -1, err
		}
		st := c.State.Status
		exited := st == define.StatusExited || st == define.StatusStopped
		if first {
			since = c.State.FinishedAt
		}
		switch {
		case cond == "not-running" && st != define.StatusRunning && st != define.StatusPaused:
			return c.State.ExitCode, nil
		case cond == "next-exit" && exited && c.State.FinishedAt.After(since):
			return c.State.ExitCode, nil
		case cond == "removed" && exited:
			code = c.State.ExitCode
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(dockerWaitPoll):
		}
	}
}
