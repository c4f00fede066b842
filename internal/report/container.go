// Package report holds the listing rows that both the CLI and the REST
// API return, so that `pier ps --format json` and the libpod API's
// containers/json are one shape built in one place.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
)

// ListContainer is podman's entities.ListContainer: the JSON shape of
// `ps --format json` and of the libpod API's container list.
type ListContainer struct {
	AutoRemove   bool
	Command      []string
	Created      time.Time
	CreatedAt    string
	CIDFile      string
	Exited       bool
	ExitedAt     int64
	ExitCode     int32
	ExposedPorts map[uint16][]string
	ID           string `json:"Id"`
	Image        string
	ImageID      string
	IsInfra      bool
	Labels       map[string]string
	Mounts       []string
	Names        []string
	Namespaces   ListNamespaces
	Networks     []string
	Pid          int
	Pod          string
	PodName      string
	Ports        []PortMapping
	Restarts     uint
	Size         *ListSize
	StartedAt    int64
	State        string
	Status       string
}

func sortedNetworks(m map[string]types.PerNetworkOptions) []string {
	out := []string{}
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type ListNamespaces struct {
	MNT    string `json:"Mnt,omitempty"`
	Cgroup string `json:"Cgroup,omitempty"`
	IPC    string `json:"Ipc,omitempty"`
	NET    string `json:"Net,omitempty"`
	PIDNS  string `json:"Pidns,omitempty"`
	UTS    string `json:"Uts,omitempty"`
	User   string `json:"User,omitempty"`
}

// PortMapping is podman's PortMapping.
type PortMapping = types.PortMapping

type ListSize struct {
	RootFsSize int64 `json:"rootFsSize"`
	RwSize     int64 `json:"rwSize"`
}

// NewListContainer is c's row at now.
func NewListContainer(c *define.Container, now time.Time) ListContainer {
	cfg, st := &c.Config, &c.State
	p := ListContainer{
		AutoRemove: cfg.AutoRemove,
		Command:    cfg.Cmd,
		Created:    cfg.Created,
		CreatedAt:  format.HumanAgo(now, cfg.Created),
		Exited:     st.Status == define.StatusExited || st.Status == define.StatusStopped,
		ExitedAt:   st.FinishedAt.Unix(),
		ExitCode:   st.ExitCode,
		ID:         cfg.ID,
		Image:      cfg.Image,
		ImageID:    cfg.ImageID,
		IsInfra:    cfg.IsInfra,
		Labels:     cfg.Labels,
		Pod:        cfg.Pod,
		Names:      []string{cfg.Name},
		Networks:   []string{},
		Pid:        st.PID,
		Restarts:   st.RestartCount,
		StartedAt:  st.StartedAt.Unix(),
		State:      st.Status.String(),
	}
	p.Ports = cfg.PortMappings
	p.Networks = sortedNetworks(cfg.Networks)
	for _, m := range cfg.Mounts {
		if m.Type != "tmpfs" {
			p.Mounts = append(p.Mounts, m.Destination)
		}
	}
	p.Status = Status(p.State, st.StartedAt, st.FinishedAt, st.ExitCode, now)
	if st.Health != nil && p.Status != "" {
		p.Status += " (" + st.Health.Status + ")"
	}
	if st.Status == define.StatusStorage {
		// podman lists another tool's container with no times or networks.
		p.StartedAt, p.ExitedAt, p.Networks = 0, 0, nil
	}
	return p
}

// Status is ps's STATUS column: "Up 2 seconds", "Exited (0) 3 seconds
// ago", "Created".
func Status(state string, started, finished time.Time, code int32, now time.Time) string {
	switch state {
	case "running":
		return "Up " + format.HumanDuration(now.Sub(started))
	case "exited", "stopped":
		return fmt.Sprintf("Exited (%d) %s ago", code, format.HumanDuration(now.Sub(finished)))
	case "paused":
		return "Paused"
	}
	if state == "" {
		return ""
	}
	return strings.ToUpper(state[:1]) + state[1:]
}
