//go:build !pierslim

package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/directory"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// Archive formats of load and save.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
)

// Load copies every image of a docker-archive or oci-archive (detected from
// its content) into storage and returns the loaded names, or "sha256:<id>"
// for an image without a name, as `podman load` reports them. A reader
// that is not a regular file (stdin) is spooled to TmpDir first.
func (s *Store) Load(ctx context.Context, r io.Reader) ([]string, error) {
	file, cleanup, err := s.spool(r)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	format, index, err := detectArchive(file)
	if err != nil {
		return nil, noFormatError(file, err)
	}
	var loaded []string
	if format == FormatOCIArchive {
		loaded, err = s.loadOCI(ctx, file, index)
	} else {
		loaded, err = s.loadDocker(ctx, file)
	}
	if err == nil {
		s.loadedEvents(loaded, file)
	}
	return loaded, err
}

// loadedEvents records a loadfromarchive event per loaded image, named
// by the archive it came from.
func (s *Store) loadedEvents(loaded []string, from string) {
	for _, name := range loaded {
		if simg, _, err := s.lookup(name); err == nil {
			s.event(simg.ID, from, events.LoadFromArchive)
		}
	}
}

// detectArchive looks at the tar's top-level entries: manifest.json makes
// a docker-archive (preferred: `docker save` writes both files and its
// manifest.json carries the full names), index.json an oci-archive. The
// index is returned for naming. Only headers are read, and index.json is
// read with a size cap: the file is untrusted.
func detectArchive(file string) (string, *ociv1.Index, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", nil, fmt.Errorf("opening archive: %w", err)
	}
	defer f.Close()
	rd, _, err := compression.AutoDecompress(f)
	if err != nil {
		return "", nil, fmt.Errorf("reading archive: %w", err)
	}
	defer rd.Close()
	tr := tar.NewReader(rd)
	var index *ociv1.Index
	hasDocker := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, err
		}
		switch strings.TrimPrefix(hdr.Name, "./") {
		case "manifest.json":
			hasDocker = true
		case "index.json":
			var idx ociv1.Index
			if err := json.NewDecoder(io.LimitReader(tr, 4<<20)).Decode(&idx); err == nil {
				index = &idx
			}
		}
	}
	switch {
	case hasDocker:
		return FormatDockerArchive, nil, nil
	case index != nil:
		return FormatOCIArchive, index, nil
	}
	return "", nil, errNoArchive
}

var errNoArchive = errors.New("file does not exist")

// noFormatError is podman's diagnostic for a file that is no image
// archive: what each transport it tried found wrong.
func noFormatError(file string, err error) error {
	if abs, aerr := filepath.Abs(file); aerr == nil {
		file = abs
	}
	archiveErr := func(component string) string {
		if errors.Is(err, errNoArchive) {
			return fmt.Sprintf("loading tar component %q: file does not exist", component)
		}
		return fmt.Sprintf("loading tar component %q: %v", component, err)
	}
	return errdefs.Errorf(errdefs.ErrInvalidArgument,
		"payload does not match any of the supported image formats:\n * oci: open %s/index.json: not a directory\n * oci-archive: %s\n * docker-archive: %s\n * dir: open %s/manifest.json: not a directory",
		file, archiveErr("index.json"), archiveErr("manifest.json"), file)
}

func (s *Store) loadDocker(ctx context.Context, file string) ([]string, error) {
	reader, err := dockerarchive.NewReader(s.SystemContext(), file)
	if err != nil {
		return nil, fmt.Errorf("reading docker archive: %w", err)
	}
	defer reader.Close()
	groups, err := reader.List()
	if err != nil {
		return nil, fmt.Errorf("reading docker archive: %w", err)
	}
	var loaded []string
	for _, refs := range groups {
		// Copy the image once, then give it its other names.
		var names []string
		for _, r := range refs {
			if named := r.DockerReference(); named != nil {
				names = append(names, named.String())
			}
		}
		first := ""
		if len(names) > 0 {
			first = names[0]
		}
		dest, err := s.storageRef(ctx, first, refs[0])
		if err != nil {
			return loaded, err
		}
		id, err := s.copyImage(ctx, refs[0], dest, true)
		if err != nil {
			return loaded, fmt.Errorf("loading image from docker archive: %w", err)
		}
		if len(names) > 1 {
			if err := s.store.AddNames(id, names[1:]); err != nil {
				return loaded, fmt.Errorf("naming loaded image %s: %w", id, err)
			}
		}
		if len(names) == 0 {
			names = []string{"sha256:" + id}
		}
		loaded = append(loaded, names...)
	}
	return loaded, nil
}

// loadOCI loads every manifest of the archive's index. A manifest's
// org.opencontainers.image.ref.name annotation names it (normalized as
// podman: a bare "name:tag" becomes localhost/name:tag); without one the
// image stays unnamed.
func (s *Store) loadOCI(ctx context.Context, file string, index *ociv1.Index) ([]string, error) {
	var loaded []string
	for i, desc := range index.Manifests {
		refName := desc.Annotations[ociv1.AnnotationRefName]
		// The oci-archive transport selects an image of a multi-image
		// index only by its ref.name.
		sel := ""
		if len(index.Manifests) > 1 {
			if refName == "" {
				return loaded, fmt.Errorf("image %d of the oci archive has no name, cannot select it among %d: %w", i, len(index.Manifests), errdefs.ErrInvalidArgument)
			}
			sel = refName
		}
		src, err := ociarchive.NewReference(file, sel)
		if err != nil {
			return loaded, fmt.Errorf("reading oci archive: %w", err)
		}
		var destName string
		if refName != "" {
			named, err := NormalizeName(refName)
			if err != nil {
				return loaded, fmt.Errorf("image name %q in oci archive: %w", refName, err)
			}
			destName = named.String()
		}
		dest, err := s.storageRef(ctx, destName, src)
		if err != nil {
			return loaded, err
		}
		id, err := s.copyImage(ctx, src, dest, true)
		if err != nil {
			return loaded, fmt.Errorf("loading image from oci archive: %w", err)
		}
		if destName == "" {
			destName = "sha256:" + id
		}
		loaded = append(loaded, destName)
	}
	return loaded, nil
}

// LoadDir loads the image of a directory written by `save --format
// oci-dir` (index.json) or `docker-dir` (manifest.json). As podman, the
// image stays unnamed and is reported as "sha256:<id>".
func (s *Store) LoadDir(ctx context.Context, dir string) ([]string, error) {
	var src types.ImageReference
	var err error
	switch {
	case fileExists(filepath.Join(dir, "index.json")):
		src, err = ocilayout.NewReference(dir, "")
	case fileExists(filepath.Join(dir, "manifest.json")):
		src, err = directory.NewReference(dir)
	default:
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument,
			"payload does not match any of the supported image formats:\n * oci: open %s/index.json: no such file or directory\n * oci-archive: loading index: read %s: is a directory\n * docker-archive: read %s: is a directory\n * dir: open %s/manifest.json: no such file or directory", dir, dir, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	dest, err := s.storageRef(ctx, "", src)
	if err != nil {
		return nil, err
	}
	id, err := s.copyImage(ctx, src, dest, true)
	if err != nil {
		return nil, fmt.Errorf("loading image from %s: %w", dir, err)
	}
	s.event(id, dir, events.LoadFromArchive)
	return []string{"sha256:" + id}, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
