// Package events is pier's eventer: what happened to containers, images,
// volumes, networks and the system, recorded once where it happens and
// read back by `pier events`. The record is podman 5's (libpod/events):
// the same JSON lines in the same file, so podman and pier read each
// other's logs, and the same human-readable line.
package events

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Type is what an event is about.
type Type string

// Status is what happened.
type Status string

// Event types, podman's names.
const (
	Container Type = "container"
	Image     Type = "image"
	Network   Type = "network"
	Pod       Type = "pod"
	System    Type = "system"
	Volume    Type = "volume"
	Secret    Type = "secret"
	Machine   Type = "machine"
	Artifact  Type = "artifact"
)

// Event statuses, podman's names.
const (
	Attach            Status = "attach"
	AutoUpdate        Status = "auto-update"
	Build             Status = "build"
	Checkpoint        Status = "checkpoint"
	Cleanup           Status = "cleanup"
	Commit            Status = "commit"
	Copy              Status = "copy"
	Create            Status = "create"
	Exec              Status = "exec"
	ExecDied          Status = "exec_died"
	Exited            Status = "died"
	Export            Status = "export"
	HealthStatus      Status = "health_status"
	History           Status = "history"
	Import            Status = "import"
	Init              Status = "init"
	Kill              Status = "kill"
	LoadFromArchive   Status = "loadfromarchive"
	Mount             Status = "mount"
	NetworkConnect    Status = "connect"
	NetworkDisconnect Status = "disconnect"
	Pause             Status = "pause"
	Prune             Status = "prune"
	Pull              Status = "pull"
	PullError         Status = "pull-error"
	Push              Status = "push"
	Refresh           Status = "refresh"
	Remove            Status = "remove"
	Rename            Status = "rename"
	Renumber          Status = "renumber"
	Restart           Status = "restart"
	Restore           Status = "restore"
	Rotate            Status = "log-rotation"
	Save              Status = "save"
	Start             Status = "start"
	Stop              Status = "stop"
	Sync              Status = "sync"
	Tag               Status = "tag"
	Unmount           Status = "unmount"
	Unpause           Status = "unpause"
	Untag             Status = "untag"
	Update            Status = "update"
)

// Event is one record. Field order and JSON tags are podman 5's: the file
// backend writes encoding/json of this struct, byte for byte podman's line.
type Event struct {
	// ContainerExitCode is set on "died" and on the "remove" of a
	// container that ran.
	ContainerExitCode *int   `json:",omitempty"`
	ID                string `json:",omitempty"`
	Image             string `json:",omitempty"`
	Name              string `json:",omitempty"`
	// Network is the network's name in a network event.
	Network             string `json:"network,omitempty"`
	Status              Status
	Time                time.Time
	Type                Type
	HealthStatus        string `json:"health_status,omitempty"`
	HealthLog           string `json:"health_log,omitempty"`
	HealthFailingStreak int    `json:"health_failing_streak,omitempty"`
	Error               string `json:"error,omitempty"`

	Details
}

// Details are podman's per-object extras; Attributes are a container's
// labels (and the rotation markers of system events).
type Details struct {
	ContainerInspectData string `json:",omitempty"`
	PodID                string `json:",omitempty"`
	Attributes           map[string]string
}

// NewEvent is an event of the given type and status, stamped now.
func NewEvent(t Type, s Status) Event {
	// Round(0) drops the monotonic reading: a time read back from the
	// file has none, and comparisons must agree with what was written.
	return Event{Type: t, Status: s, Time: time.Now().Round(0)}
}

// ToJSONString is the line the file backend writes.
func (e *Event) ToJSONString() (string, error) {
	b, err := json.Marshal(e)
	return string(b), err
}

// FromJSONString parses one line of the events file.
func FromJSONString(s string) (*Event, error) {
	e := new(Event)
	if err := json.Unmarshal([]byte(s), e); err != nil {
		return nil, err
	}
	return e, nil
}

// ToHumanReadable is `podman events`'s default line. Labels follow name=
// in key order (podman prints them in map order, i.e. at random).
func (e *Event) ToHumanReadable(truncate bool) string {
	id := e.ID
	if truncate && len(id) > 12 {
		id = id[:12]
	}
	switch e.Type {
	case Container, Pod:
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s %s (image=%s, name=%s", e.Time, e.Type, e.Status, id, e.Image, e.Name)
		if e.PodID != "" {
			fmt.Fprintf(&b, ", pod_id=%s", e.PodID)
		}
		if e.Status == HealthStatus {
			fmt.Fprintf(&b, ", health_status=%s, health_failing_streak=%d", e.HealthStatus, e.HealthFailingStreak)
			fmt.Fprintf(&b, ", health_log=%s", e.HealthLog)
		}
		for _, k := range sortedKeys(e.Attributes) {
			fmt.Fprintf(&b, ", %s=%s", k, e.Attributes[k])
		}
		b.WriteString(")")
		return b.String()
	case Network:
		if e.Status == Create || e.Status == Remove {
			if driver, ok := e.Attributes["driver"]; ok {
				return fmt.Sprintf("%s %s %s %s (name=%s, type=%s)", e.Time, e.Type, e.Status, e.ID, e.Network, driver)
			}
			return ""
		}
		return fmt.Sprintf("%s %s %s %s (container=%s, name=%s)", e.Time, e.Type, e.Status, id, id, e.Network)
	case Image, Artifact:
		s := fmt.Sprintf("%s %s %s %s %s", e.Time, e.Type, e.Status, id, e.Name)
		if e.Error != "" {
			s += " " + e.Error
		}
		return s
	case System:
		if e.Name != "" {
			return fmt.Sprintf("%s %s %s %s", e.Time, e.Type, e.Status, e.Name)
		}
		return fmt.Sprintf("%s %s %s", e.Time, e.Type, e.Status)
	case Volume, Machine:
		return fmt.Sprintf("%s %s %s %s", e.Time, e.Type, e.Status, e.Name)
	case Secret:
		return fmt.Sprintf("%s %s %s %s", e.Time, e.Type, e.Status, id)
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
