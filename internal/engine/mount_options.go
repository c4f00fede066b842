package engine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// prepareMountOptions does on the host what -v's U and O ask, at every
// start as podman does: U gives the source to the container's user
// (mapped into the user namespace), O makes an overlay's upper and work
// directories in the run dir, which the next start clears.
func prepareMountOptions(cfg *define.ContainerConfig, runDir string, h *specgen.Host) error {
	h.OverlayDir = filepath.Join(runDir, "overlay")
	for _, m := range cfg.Mounts {
		if m.Type != "bind" && m.Type != "volume" {
			continue
		}
		if slices.Contains(m.Options, "U") {
			uid, gid := hostID(cfg.UIDMap, h.User.UID), hostID(cfg.GIDMap, h.User.GID)
			if err := chownTree(m.Source, uid, gid); err != nil {
				return fmt.Errorf("chowning %s for the container's user: %w", m.Source, err)
			}
		}
		if slices.Contains(m.Options, "O") {
			dir := specgen.OverlayDir(h.OverlayDir, filepath.Clean(m.Destination))
			for _, d := range []string{"upper", "work"} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					return fmt.Errorf("creating the overlay of %s: %w", m.Destination, err)
				}
			}
		}
	}
	return nil
}

// hostID is the host's ID for container ID id under mappings (itself
// without any).
func hostID(mappings []spec.LinuxIDMapping, id uint32) int {
	for _, m := range mappings {
		if id >= m.ContainerID && id < m.ContainerID+m.Size {
			return int(m.HostID + id - m.ContainerID)
		}
	}
	return int(id)
}

// chownTree changes the owner of root and everything below it, links
// themselves rather than what they point to.
func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}
