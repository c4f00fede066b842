package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	sdjournal "github.com/coreos/go-systemd/v22/journal"

	"github.com/pier-engine/pier/internal/journal"
)

// journaldEventer is podman's journald backend: each event is a journal
// entry with SYSLOG_IDENTIFIER=podman and PODMAN_* fields, the same
// fields podman writes and reads, so podman and pier read each other's
// events there too.
type journaldEventer struct{}

// identifier is podman's: `podman events` and `podman logs` match it.
const identifier = "podman"

func (journaldEventer) Write(e Event) error {
	m, err := journalFields(&e)
	if err != nil {
		return err
	}
	// Health events at notice level, as podman 5 (its healthcheck units
	// log at notice; info-level entries would be filtered there).
	prio := sdjournal.PriInfo
	if e.HealthStatus != "" {
		prio = sdjournal.PriNotice
	}
	return sdjournal.Send(e.ToHumanReadable(false), prio, m)
}

// journalFields are podman's fields of an event entry.
func journalFields(e *Event) (map[string]string, error) {
	m := map[string]string{
		"SYSLOG_IDENTIFIER": identifier,
		"PODMAN_EVENT":      string(e.Status),
		"PODMAN_TYPE":       string(e.Type),
		"PODMAN_TIME":       e.Time.Format(time.RFC3339Nano),
	}
	switch e.Type {
	case Image:
		m["PODMAN_NAME"], m["PODMAN_ID"] = e.Name, e.ID
		if e.Error != "" {
			m["ERROR"] = e.Error
		}
	case Container, Pod:
		m["PODMAN_IMAGE"], m["PODMAN_NAME"], m["PODMAN_ID"] = e.Image, e.Name, e.ID
		if e.ContainerExitCode != nil {
			m["PODMAN_EXIT_CODE"] = strconv.Itoa(*e.ContainerExitCode)
		}
		if e.PodID != "" {
			m["PODMAN_POD_ID"] = e.PodID
		}
		if err := addLabels(m, e.Attributes); err != nil {
			return nil, err
		}
		if e.Status == HealthStatus {
			m["PODMAN_HEALTH_STATUS"] = e.HealthStatus
			if e.HealthLog != "" {
				m["PODMAN_HEALTH_LOG"] = e.HealthLog
			}
			m["PODMAN_HEALTH_FAILING_STREAK"] = strconv.Itoa(e.HealthFailingStreak)
		}
		if e.ContainerInspectData != "" {
			m["PODMAN_CONTAINER_INSPECT_DATA"] = e.ContainerInspectData
		}
	case Network:
		m["PODMAN_ID"], m["PODMAN_NETWORK_NAME"] = e.ID, e.Network
		if err := addLabels(m, e.Attributes); err != nil {
			return nil, err
		}
	case Volume:
		m["PODMAN_NAME"] = e.Name
	}
	return m, nil
}

func addLabels(m, attrs map[string]string) error {
	if len(attrs) == 0 {
		return nil
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return err
	}
	m["PODMAN_LABELS"] = string(b)
	return nil
}

// Read goes through the journal's podman entries of this user, as podman
// does; streaming without --since/--until it starts at the end.
func (journaldEventer) Read(ctx context.Context, o ReadOptions, fn func(*Event) error) error {
	r, err := journal.Open([]string{
		journal.Match("SYSLOG_IDENTIFIER", identifier),
		journal.Match("_UID", strconv.Itoa(os.Getuid())),
	})
	if err != nil {
		return err
	}
	defer r.Close()
	if o.Stream && !o.FromStart {
		err = r.SeekTail()
	} else {
		err = r.SeekTime(time.Time{})
	}
	if err != nil {
		return err
	}
	for {
		entry, err := r.Next(ctx, o.Stream, o.Until)
		if err != nil || entry == nil {
			return err
		}
		e, err := fromJournal(entry.Fields)
		if err != nil {
			// One undecodable entry must not make events unusable.
			slog.Error(fmt.Sprintf("unable to decode event: %v", err))
			continue
		}
		if e == nil || !o.Filters.Match(e) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// fromJournal is podman's reading of an event entry; nil for an entry of
// podman's identifier that is no event (no PODMAN_TYPE).
func fromJournal(f map[string]string) (*Event, error) {
	if f["PODMAN_TYPE"] == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, f["PODMAN_TIME"])
	if err != nil {
		return nil, err
	}
	e := &Event{Type: Type(f["PODMAN_TYPE"]), Status: Status(f["PODMAN_EVENT"]), Time: t, Name: f["PODMAN_NAME"]}
	switch e.Type {
	case Container, Pod:
		e.ID, e.Image, e.PodID = f["PODMAN_ID"], f["PODMAN_IMAGE"], f["PODMAN_POD_ID"]
		if code, ok := f["PODMAN_EXIT_CODE"]; ok {
			if n, err := strconv.Atoi(code); err == nil {
				e.ContainerExitCode = &n
			}
		}
		if err := labelsFrom(f, e); err != nil {
			return nil, err
		}
		e.HealthStatus, e.HealthLog = f["PODMAN_HEALTH_STATUS"], f["PODMAN_HEALTH_LOG"]
		if s, ok := f["PODMAN_HEALTH_FAILING_STREAK"]; ok {
			e.HealthFailingStreak, _ = strconv.Atoi(s)
		}
		e.ContainerInspectData = f["PODMAN_CONTAINER_INSPECT_DATA"]
	case Network:
		e.ID, e.Network = f["PODMAN_ID"], f["PODMAN_NETWORK_NAME"]
		if err := labelsFrom(f, e); err != nil {
			return nil, err
		}
	case Image:
		e.ID, e.Error = f["PODMAN_ID"], f["ERROR"]
	}
	return e, nil
}

func labelsFrom(f map[string]string, e *Event) error {
	s := f["PODMAN_LABELS"]
	if s == "" {
		return nil
	}
	labels := map[string]string{}
	if err := json.Unmarshal([]byte(s), &labels); err != nil {
		return err
	}
	if len(labels) > 0 {
		e.Attributes = labels
	}
	return nil
}
