package image

import (
	"fmt"
	"io"

	"go.podman.io/storage/pkg/chrootarchive"
)

// ExportContainer writes a container's root filesystem to w as an
// uncompressed tar, as podman's export. The mount it takes for the copy is
// counted, so a running container's own mount is shared, not replaced.
func (s *Store) ExportContainer(id string, w io.Writer) (err error) {
	mp, err := s.Mount(id)
	if err != nil {
		return err
	}
	defer func() {
		if uerr := s.UnmountOnce(id, false); uerr != nil && err == nil {
			err = uerr
		}
	}()
	// The tar runs chrooted in the rootfs: symlinks in it cannot point the
	// archiver at host files.
	rc, err := chrootarchive.Tar(mp, nil, mp)
	if err != nil {
		return fmt.Errorf("reading container directory %q: %w", id, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("exporting container %s: %w", id, err)
	}
	return rc.Close()
}
