package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/moby/moby/api/types/events"

	"github.com/pier-engine/pier/internal/engine"
	pevents "github.com/pier-engine/pier/internal/events"
)

// eventMessage is podman's API event: Docker's message with the fields
// older Docker clients still read (status, id, from) and the health.
type eventMessage struct {
	Status       string `json:"status,omitempty"`
	ID           string `json:"id,omitempty"`
	From         string `json:"from,omitempty"`
	Type         events.Type
	Action       events.Action
	Actor        events.Actor
	Scope        string `json:"scope,omitempty"`
	Time         int64  `json:"time,omitempty"`
	TimeNano     int64  `json:"timeNano,omitempty"`
	HealthStatus string `json:",omitempty"`
}

func newEventMessage(e *pevents.Event) eventMessage {
	attrs := map[string]string{}
	for k, v := range e.Attributes {
		attrs[k] = v
	}
	attrs["image"], attrs["name"], attrs["podId"] = e.Image, e.Name, e.PodID
	if e.ContainerExitCode != nil {
		attrs["containerExitCode"] = strconv.Itoa(*e.ContainerExitCode)
	}
	if e.Network != "" {
		attrs["network"] = e.Network
	}
	if e.Error != "" {
		attrs["error"] = e.Error
	}
	status := string(e.Status)
	return eventMessage{
		Status: status, ID: e.ID, From: e.Image,
		Type: events.Type(e.Type), Action: events.Action(status),
		Actor: events.Actor{ID: e.ID, Attributes: attrs}, Scope: "local",
		Time: e.Time.Unix(), TimeNano: e.Time.UnixNano(), HealthStatus: e.HealthStatus,
	}
}

// eventsHandler streams events as JSON objects, one per line: since,
// until and filters as `pier events` takes them; stream=false (libpod)
// ends at the log's end, as does an until.
func (s *Server) eventsHandler(w http.ResponseWriter, r *http.Request) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	stream := true
	if v := r.Form.Get("stream"); v != "" {
		stream = boolQuery(r, "stream")
	}
	req := engine.EventsRequest{
		Filters: filterFlags(filters), Since: r.Form.Get("since"), Until: r.Form.Get("until"),
		Stream: stream,
	}
	started := false
	enc := json.NewEncoder(w)
	begin := func() {
		if !started {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			started = true
		}
	}
	if stream {
		begin() // a client waits for the status line before it acts
	}
	err = s.rt.Events(r.Context(), req, func(e *pevents.Event) error {
		begin()
		if err := enc.Encode(newEventMessage(e)); err != nil {
			return fmt.Errorf("writing event: %w", err)
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return nil
	})
	if err != nil && !started {
		writeError(w, err)
		return
	}
	begin()
}
