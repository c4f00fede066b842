package define

import (
	"time"

	"github.com/pier-engine/pier/internal/errdefs"
)

// KindVolume is the dependency kind of a container on a named volume.
const KindVolume = "volume"

// Volume errors, with podman's texts.
var (
	ErrNoSuchVolume     = errdefs.New(errdefs.ErrNotFound, "no such volume")
	ErrVolumeExists     = errdefs.New(errdefs.ErrConflict, "volume already exists")
	ErrVolumeBeingUsed  = errdefs.New(errdefs.ErrConflict, "volume is being used")
	ErrVolumeNameFormat = errdefs.New(errdefs.ErrInvalidArgument, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument")
)

// Volume is what the state store keeps for one named (or anonymous)
// volume of the local driver. Its data lives in MountPoint.
type Volume struct {
	Name       string            `json:"name"`
	Driver     string            `json:"driver"`
	MountPoint string            `json:"mountPoint"`
	Created    time.Time         `json:"created"`
	Labels     map[string]string `json:"labels,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	// Anonymous volumes are made for `-v /dst` and image VOLUMEs; `rm -v`
	// and `run --rm` remove them with their container.
	Anonymous bool `json:"anonymous,omitempty"`
	// NeedsCopyUp stays true until the first container mounting the empty
	// volume has filled it from its image (podman's copy-up).
	NeedsCopyUp bool `json:"needsCopyUp"`
	// UID and GID own the data directory (volume create --uid/--gid): set
	// at create, and the first container does not chown it to its user.
	UID *int `json:"uid,omitempty"`
	GID *int `json:"gid,omitempty"`
}
