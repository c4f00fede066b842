package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/monitor"
)

// SandboxRequest are create's less common options of how the process
// runs (see define.Sandbox). Rootfs is an absolute path; the CLI splits
// off --rootfs's ":O" into RootfsOverlay.
type SandboxRequest struct {
	Personality, RdtClass, SeccompPolicy string
	PreserveFD                           []uint
	Rootfs                               string
	RootfsOverlay                        bool
}

// seccompImageLabel is the image label holding the profile that
// --seccomp-policy=image applies (containers/common's seccomp label).
const seccompImageLabel = "io.containers.seccomp.profile"

// applySandbox checks and stores the request's sandbox options with
// podman's texts; the image policy's profile is taken later, from the
// image (imageSeccomp).
func applySandbox(cfg *define.ContainerConfig, req *CreateRequest) error {
	sb := &req.Sandbox
	switch sb.SeccompPolicy {
	case "", "default":
	case "image":
		cfg.SeccompPolicy = "image"
	default:
		return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf(`invalid seccomp policy %q: valid policies are ["default" "image"]`, sb.SeccompPolicy))
	}
	if len(sb.PreserveFD) > 0 && req.PreserveFDs > 0 {
		return errdefs.New(errdefs.ErrInvalidArgument, "cannot specify both --preserve-fds and --preserve-fd")
	}
	cfg.Personality, cfg.RdtClass = sb.Personality, sb.RdtClass
	cfg.PreserveFD = slices.Clone(sb.PreserveFD)
	if sb.Rootfs != "" {
		if !filepath.IsAbs(sb.Rootfs) {
			return fmt.Errorf("--rootfs %q must be an absolute path: %w", sb.Rootfs, errdefs.ErrInvalidArgument)
		}
		if _, err := os.Stat(sb.Rootfs); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("running container create option: faccessat %s: %v", sb.Rootfs, err))
		}
		cfg.Rootfs, cfg.RootfsOverlay = sb.Rootfs, sb.RootfsOverlay
	}
	return nil
}

// imageSeccomp takes the image's seccomp profile for
// --seccomp-policy=image, as podman: an image without the label is an
// error unless seccomp is off anyway.
func imageSeccomp(cfg *define.ContainerConfig, img *image.Image) error {
	if cfg.SeccompPolicy != "image" || cfg.Seccomp == "unconfined" {
		return nil
	}
	var p string
	if img != nil {
		p = img.Config.Config.Labels[seccompImageLabel]
	}
	if p == "" {
		return errdefs.New(errdefs.ErrInvalidArgument, "no seccomp policy defined by image")
	}
	cfg.SeccompImageProfile = p
	return nil
}

// preserveFD sets mcfg's fds for run --preserve-fd: the range up to the
// highest, only the named ones passed. stdio cannot be preserved (podman
// fails the start, exit 126); fds the starting process did not inherit
// are dropped, as a later start passes none.
func preserveFD(mcfg *monitor.Config, fds []uint) error {
	if len(fds) == 0 {
		return nil
	}
	for _, fd := range fds {
		if fd < 3 {
			return errdefs.WithExitCode(errdefs.ExitCannotInvoke, fmt.Errorf("cannot preserve FD %d, consider using the passthrough log-driver to pass STDIO streams into the container: %w", fd, errdefs.ErrInvalidArgument))
		}
	}
	list := fdInts(fds)
	if monitor.CheckInheritedFD(list) != nil {
		return nil
	}
	mcfg.PreserveFDs, mcfg.PreserveFD = slices.Max(list)-2, list
	return nil
}

func fdInts(fds []uint) []int {
	out := make([]int, len(fds))
	for i, fd := range fds {
		out[i] = int(fd)
	}
	return out
}
