package engine

import (
	"syscall"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/monitor"
)

// CreateRequest is the one request type for creating a container; the CLI
// (and later the REST API) fill it from their own input.
type CreateRequest struct {
	Image      string   // user reference; resolved against local images
	Name       string   // empty: a random adjective_surname
	Command    []string // overrides the image's CMD
	Entrypoint *string  // nil: image's; "" clears it; JSON array or a single string as podman
	Env        []string // KEY=VAL, already expanded by the CLI (-e, --env-file)
	WorkingDir string
	User       string
	Labels     map[string]string
	Hostname   string
	ReadOnly   bool
	Terminal   bool
	Stdin      bool
	// Mounts are bind and tmpfs mounts (the CLI parses -v and --tmpfs
	// with specgen.ParseVolume and ParseTmpfs); the engine validates them
	// again and checks that bind sources exist.
	Mounts      []define.Mount
	NetworkMode string // "", "none", "host"
	// Ulimits replace the defaults (containers.conf default_ulimits and
	// podman's nofile/nproc) of the same type.
	Ulimits     []spec.POSIXRlimit
	StopSignal  syscall.Signal // 0: the image's, else SIGTERM
	StopTimeout *uint
	AutoRemove  bool
	LogDriver   string
	CreateCmd   []string
	// Pull, when set, pulls the image per its policy (run's and create's
	// --pull, "missing" by default); nil only looks the image up locally.
	Pull *image.PullOptions
}

// ContainerSummary is what `ps` needs, computed from the stored config and
// state without touching image storage.
type ContainerSummary struct {
	define.Container
	// Size fields and pod fields come later.
}

// StartOptions controls Start; Attach nil means detached.
type StartOptions struct {
	Attach *AttachStreams
}

// AttachStreams are the CLI's ends of a container's stdio; Resize, when
// set, delivers terminal size changes (the first value is the initial size).
type AttachStreams = monitor.AttachStreams

// TermSize is a terminal size in cells.
type TermSize = monitor.TermSize

// RemoveOptions mirror `rm` flags.
type RemoveOptions struct {
	Force   bool
	Volumes bool
	Timeout *uint
}

// LogOptions mirror `logs` flags.
type LogOptions struct {
	Follow       bool
	Tail         int // -1: all
	Since, Until time.Time
	Timestamps   bool
}

// WaitConditions are the states `wait --condition` accepts.
type WaitConditions []define.Status
