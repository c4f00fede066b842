package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/pkg/compression"
	istorage "go.podman.io/image/v5/storage"

	"github.com/pier-engine/pier/internal/errdefs"
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
		return nil, err
	}
	if format == FormatOCIArchive {
		return s.loadOCI(ctx, file, index)
	}
	return s.loadDocker(ctx, file)
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
			return "", nil, fmt.Errorf("payload does not match any of the supported image formats (oci-archive, docker-archive): %v: %w", err, errdefs.ErrInvalidArgument)
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
	return "", nil, fmt.Errorf("payload does not match any of the supported image formats (oci-archive, docker-archive): %w", errdefs.ErrInvalidArgument)
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

// Save writes the images refs name to w as a docker-archive (any number of
// images, each with the names it was asked by) or an oci-archive (one
// image). The archive is built in TmpDir, as the archive writers need a
// seekable file.
func (s *Store) Save(ctx context.Context, refs []string, w io.Writer, format string) error {
	f, err := os.CreateTemp(s.opts.TmpDir, "pier-save-")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := s.SaveFile(ctx, refs, f.Name(), format); err != nil {
		return err
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("writing archive: %w", err)
	}
	return nil
}

// SaveFile is Save to a path.
func (s *Store) SaveFile(ctx context.Context, refs []string, path, format string) error {
	if len(refs) == 0 {
		return fmt.Errorf("no image to save: %w", errdefs.ErrInvalidArgument)
	}
	switch format {
	case "", FormatDockerArchive:
		return s.saveDocker(ctx, refs, path)
	case FormatOCIArchive:
		if len(refs) > 1 {
			return fmt.Errorf("unsupported format %q for multi-image archives: %w", format, errdefs.ErrInvalidArgument)
		}
		return s.saveOCI(ctx, refs[0], path)
	}
	return fmt.Errorf("unsupported format %q: use docker-archive or oci-archive: %w", format, errdefs.ErrInvalidArgument)
}

func (s *Store) saveOCI(ctx context.Context, ref, path string) error {
	simg, name, err := s.lookup(ref)
	if err != nil {
		return err
	}
	// The name the image was asked by becomes the archive's ref.name,
	// unless it was asked by ID.
	tag := name
	if strings.HasPrefix(simg.ID, name) {
		tag = ""
	}
	dest, err := ociarchive.NewReference(path, tag)
	if err != nil {
		return fmt.Errorf("creating oci archive %s: %w", path, err)
	}
	src, err := istorage.Transport.NewStoreReference(s.store, nil, simg.ID)
	if err != nil {
		return fmt.Errorf("creating storage reference: %w", err)
	}
	if _, err := s.copyImage(ctx, src, dest, false); err != nil {
		return fmt.Errorf("saving %s: %w", ref, err)
	}
	return nil
}

func (s *Store) saveDocker(ctx context.Context, refs []string, path string) error {
	type entry struct {
		id   string
		tags []reference.NamedTagged
	}
	var order []*entry
	byID := map[string]*entry{}
	for _, ref := range refs {
		simg, name, err := s.lookup(ref)
		if err != nil {
			return err
		}
		e := byID[simg.ID]
		if e == nil {
			e = &entry{id: simg.ID}
			byID[simg.ID] = e
			order = append(order, e)
		}
		if named, err := reference.ParseNormalizedNamed(name); err == nil && !strings.HasPrefix(simg.ID, name) {
			if t, ok := reference.TagNameOnly(named).(reference.NamedTagged); ok {
				e.tags = append(e.tags, t)
			}
		}
	}
	writer, err := dockerarchive.NewWriter(s.SystemContext(), path)
	if err != nil {
		return fmt.Errorf("creating docker archive %s: %w", path, err)
	}
	for _, e := range order {
		src, err := istorage.Transport.NewStoreReference(s.store, nil, e.id)
		if err != nil {
			_ = writer.Close()
			return fmt.Errorf("creating storage reference: %w", err)
		}
		// One copy per image; its other names go in as additional tags.
		var first reference.NamedTagged
		sys := s.SystemContext()
		if len(e.tags) > 0 {
			first, sys.DockerArchiveAdditionalTags = e.tags[0], e.tags[1:]
		}
		dest, err := writer.NewReference(first)
		if err == nil {
			_, err = s.copyImage(ctx, src, dest, false, sys)
		}
		if err != nil {
			_ = writer.Close()
			return fmt.Errorf("saving %s: %w", e.id, err)
		}
	}
	if err := writer.Close(); err != nil {
		return fmt.Errorf("finishing docker archive %s: %w", path, err)
	}
	return nil
}
