package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/signal"
)

// running reports whether the container is up, for the 304 answers that
// start and stop give when there is nothing to do.
func (s *Server) running(ctx context.Context, name string) (bool, error) {
	c, err := s.rt.Lookup(ctx, name)
	if err != nil {
		return false, err
	}
	return c.State.Status == define.StatusRunning || c.State.Status == define.StatusPaused, nil
}

// startContainer: 204, or 304 when it already runs.
func (s *Server) startContainer(w http.ResponseWriter, r *http.Request) {
	name := param(r, "name")
	up, err := s.running(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	if up {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	c, err := s.rt.Lookup(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	if waited, err := s.startForWaiters(r.Context(), c.Config.ID); waited {
		noContent(w, err)
		return
	}
	if _, err := s.rt.Start(r.Context(), name, engine.StartOptions{}); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// stopContainer: 204, or 304 when it is not running. The timeout is "t"
// (Docker) or "timeout" (libpod).
func (s *Server) stopContainer(w http.ResponseWriter, r *http.Request) {
	name := param(r, "name")
	timeout, err := uintQuery(r, "t", "timeout")
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return
	}
	up, err := s.running(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	if !up {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if err := s.rt.Stop(r.Context(), name, timeout); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// killContainer sends "signal" (SIGKILL by default); 409 when the
// container is not running.
func (s *Server) killContainer(w http.ResponseWriter, r *http.Request) {
	name := param(r, "name")
	sigName := r.Form.Get("signal")
	if sigName == "" {
		sigName = "SIGKILL"
	}
	sig, err := signal.ParseKill(sigName)
	if err != nil {
		writeError(w, err)
		return
	}
	up, err := s.running(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	if !up {
		writeErrorStatus(w, http.StatusConflict, fmt.Errorf("can only kill running containers. %s is in state stopped: %w", name, define.ErrCtrStateInvalid))
		return
	}
	if err := s.rt.Kill(r.Context(), name, sig); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// waitConditions maps a "condition" query to the engine's states; Docker's
// names (not-running, next-exit, removed) and podman's state names.
func waitConditions(r *http.Request) (engine.WaitConditions, error) {
	var conds engine.WaitConditions
	for _, c := range r.Form["condition"] {
		switch c {
		case "", "exited", "stopped":
			conds = append(conds, define.StatusExited, define.StatusStopped)
		case "running":
			conds = append(conds, define.StatusRunning)
		case "paused":
			conds = append(conds, define.StatusPaused)
		case "created", "configured":
			conds = append(conds, define.StatusCreated)
		default:
			return nil, fmt.Errorf("invalid condition %q: %w", c, define.ErrInvalidArg)
		}
	}
	if len(conds) == 0 {
		conds = engine.WaitConditions{define.StatusExited, define.StatusStopped}
	}
	return conds, nil
}

// libpodWait answers the bare exit code.
func (s *Server) libpodWait(w http.ResponseWriter, r *http.Request) {
	code, ok := s.wait(w, r)
	if ok {
		writeJSON(w, http.StatusOK, code)
	}
}

func (s *Server) wait(w http.ResponseWriter, r *http.Request) (int32, bool) {
	conds, err := waitConditions(r)
	if err != nil {
		writeError(w, err)
		return 0, false
	}
	interval := 250 * time.Millisecond
	if v := r.Form.Get("interval"); v != "" {
		if interval, err = time.ParseDuration(v); err != nil {
			badRequest(w, "invalid interval %q: %w", v, err)
			return 0, false
		}
	}
	id := param(r, "name")
	var code int32
	c, err := s.rt.Lookup(r.Context(), id)
	if err == nil {
		id = c.Config.ID
		code, err = s.rt.Wait(r.Context(), id, conds, interval)
	}
	if errors.Is(err, define.ErrNoSuchCtr) {
		// Removed before or while we waited: an attach session may know
		// its exit code.
		if rec := s.exits.get(id); rec != nil {
			select {
			case <-rec.done:
				return int32(rec.code), true
			case <-r.Context().Done():
			}
		}
	}
	if err != nil {
		writeError(w, err)
		return 0, false
	}
	return code, true
}

// removeReport is podman's entities.RmReport.
type removeReport struct {
	Err *string `json:"Err,omitempty"`
	ID  string  `json:"Id"`
}

func (s *Server) removeContainer(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := param(r, "name")
	timeout, err := uintQuery(r, "t", "timeout")
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return "", false
	}
	c, err := s.rt.Lookup(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return "", false
	}
	opts := engine.RemoveOptions{
		Force:   boolQuery(r, "force"),
		Volumes: boolQuery(r, "v") || boolQuery(r, "volumes"),
		Timeout: timeout,
	}
	if err := s.rt.Remove(r.Context(), c.Config.ID, opts); err != nil {
		writeError(w, err)
		return "", false
	}
	return c.Config.ID, true
}

// compatRemove: 204 with no body.
func (s *Server) compatRemove(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.removeContainer(w, r); ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

// libpodRemove: podman's list of reports.
func (s *Server) libpodRemove(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.removeContainer(w, r); ok {
		writeJSON(w, http.StatusOK, []removeReport{{ID: id}})
	}
}

// uintQuery reads the first of names that is set; nil when none is.
func uintQuery(r *http.Request, names ...string) (*uint, error) {
	for _, n := range names {
		v := r.Form.Get(n)
		if v == "" {
			continue
		}
		u, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		t := uint(u)
		return &t, nil
	}
	return nil, nil
}

// restartContainer stops (with "t" or "timeout") and starts again: 204.
func (s *Server) restartContainer(w http.ResponseWriter, r *http.Request) {
	timeout, err := uintQuery(r, "t", "timeout")
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return
	}
	if err := s.rt.Restart(r.Context(), param(r, "name"), timeout); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pauseContainer and unpauseContainer: 204, 409 in the wrong state.
func (s *Server) pauseContainer(w http.ResponseWriter, r *http.Request) {
	noContent(w, s.rt.Pause(r.Context(), param(r, "name")))
}

func (s *Server) unpauseContainer(w http.ResponseWriter, r *http.Request) {
	noContent(w, s.rt.Unpause(r.Context(), param(r, "name")))
}

// containerExists is libpod's 204 or 404.
func (s *Server) containerExists(w http.ResponseWriter, r *http.Request) {
	_, err := s.rt.Lookup(r.Context(), param(r, "name"))
	noContent(w, err)
}

// noContent answers 204, or err's error.
func noContent(w http.ResponseWriter, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
