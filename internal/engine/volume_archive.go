package engine

import (
	"context"
	"fmt"
	"io"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"

	"github.com/pier-engine/pier/internal/define"
)

// VolumeExport writes a tar of volume name's contents to w (podman's
// volume export). A volume mounted only at use (a type or device option,
// such as tmpfs) has no contents outside a container: its tar is empty,
// as podman's.
func (r *Runtime) VolumeExport(ctx context.Context, name string, w io.Writer) error {
	v, err := r.store.Volume(ctx, name)
	if err != nil {
		return err
	}
	if !hasDataDir(v) {
		return archiveEmpty(w)
	}
	// Read from inside the volume (chroot): a symlink in it cannot make
	// the tar include host files.
	rc, err := chrootarchive.Tar(v.MountPoint, &archive.TarOptions{Compression: archive.Uncompressed}, v.MountPoint)
	if err != nil {
		return fmt.Errorf("exporting volume %s: %w", v.Name, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("exporting volume %s: %w", v.Name, err)
	}
	return nil
}

// VolumeImport unpacks the tar rd (plain or compressed, as podman
// accepts) into volume name, under the volume's lock. Unpacking is
// chrooted into the volume, so no entry of the tar lands outside it.
func (r *Runtime) VolumeImport(ctx context.Context, name string, rd io.Reader) error {
	v, err := r.store.Volume(ctx, name)
	if err != nil {
		return err
	}
	if !hasDataDir(v) {
		return fmt.Errorf("volume %s is mounted only inside containers (%s): import needs a volume with its own data directory: %w",
			v.Name, v.Options["type"], define.ErrInvalidArg)
	}
	l, err := r.locks.Lock(ctx, lockName(kindVolume, v.Name))
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := chrootarchive.Untar(rd, v.MountPoint, &archive.TarOptions{}); err != nil {
		return fmt.Errorf("extracting into volume %s: %w", v.Name, err)
	}
	return nil
}

// hasDataDir reports whether the volume's content lives in its own
// directory (the local driver without a type or device option).
func hasDataDir(v *define.Volume) bool {
	return v.Options["type"] == "" && v.Options["device"] == ""
}

// archiveEmpty writes an empty tar stream.
func archiveEmpty(w io.Writer) error {
	_, err := w.Write(make([]byte, 1024)) // two zero blocks end a tar
	return err
}
