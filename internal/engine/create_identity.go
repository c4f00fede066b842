package engine

import (
	"regexp"
	"slices"
	"sync"

	cconfig "go.podman.io/common/pkg/config"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// IdentityRequest is what a new container's /etc files, process umask,
// environment merging and image volumes are made of, beyond -u, -e and
// the user's mounts (--sysctl and --no-hostname are CreateRequest's).
type IdentityRequest struct {
	// Passwd is run's --passwd (nil: true); PasswdEntry, GroupEntry and
	// HostUsers are --passwd-entry, --group-entry and --hostuser.
	Passwd                  *bool
	PasswdEntry, GroupEntry string
	HostUsers               []string
	// ChrootDirs is --chrootdirs.
	ChrootDirs []string
	// ReadOnlyTmpfs is --read-only-tmpfs (nil: true).
	ReadOnlyTmpfs *bool
	// ShmSizeSystemd is --shm-size-systemd in bytes (nil: unset).
	ShmSizeSystemd *int64
	// Umask is --umask ("": containers.conf's).
	Umask string
	// EnvMerge are --env-merge "KEY=word" entries, expanded against the
	// image's environment.
	EnvMerge []string
	// ImageVolume is --image-volume: "anonymous", "tmpfs" or "ignore"
	// ("": containers.conf image_volume_mode).
	ImageVolume string
}

// umaskPattern is podman's rule for a umask: one to four octal digits.
var umaskPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-7]{1,4}$`) })

// applyIdentity checks and stores the request's identity options.
func (r *Runtime) applyIdentity(cfg *define.ContainerConfig, req *IdentityRequest) error {
	if req.Umask != "" {
		if !umaskPattern().MatchString(req.Umask) {
			return errdefs.New(errdefs.ErrInvalidArgument, "running container create option: invalid umask string "+req.Umask+": invalid argument")
		}
		cfg.Umask = req.Umask
	}
	if _, err := r.imageVolumeMode(req.ImageVolume); err != nil {
		return err
	}
	cfg.Passwd = req.Passwd
	cfg.PasswdEntry, cfg.GroupEntry = req.PasswdEntry, req.GroupEntry
	cfg.HostUsers = slices.Clone(req.HostUsers)
	cfg.ChrootDirs = slices.Clone(req.ChrootDirs)
	cfg.NoReadOnlyTmpfs = req.ReadOnlyTmpfs != nil && !*req.ReadOnlyTmpfs
	if req.ShmSizeSystemd != nil {
		cfg.ShmSizeSystemd = *req.ShmSizeSystemd
	}
	return nil
}

// imageVolumeMode is --image-volume, else containers.conf's
// image_volume_mode, checked with podman 5's rule and words (which refuse
// "bind", the name podman 4 had for "anonymous").
func (r *Runtime) imageVolumeMode(mode string) (string, error) {
	if mode == "" && r.conf.Common != nil {
		mode = r.conf.Common.Engine.ImageVolumeMode
	}
	if err := cconfig.ValidateImageVolumeMode(mode); err != nil {
		return "", errdefs.New(errdefs.ErrInvalidArgument, err.Error())
	}
	if mode == "" {
		mode = "anonymous"
	}
	return mode, nil
}
