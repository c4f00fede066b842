//go:build !pierslim

package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// Save formats beyond the archives: directories, as podman's save.
const (
	FormatOCIDir    = "oci-dir"
	FormatDockerDir = "docker-dir"
)

// SaveOptions are `podman save`'s.
type SaveOptions struct {
	// Format is docker-archive (default), oci-archive, oci-dir or
	// docker-dir. Only docker-archive holds several images.
	Format string
	// AdditionalTags are more names for the single image saved to a
	// docker-archive (save IMAGE TAG...).
	AdditionalTags []string
	// OCIAcceptUncompressedLayers keeps uncompressed layers uncompressed
	// in OCI formats (--uncompressed).
	OCIAcceptUncompressedLayers bool
	// DirCompress compresses the layers of a docker-dir (--compress).
	DirCompress bool
}

// Save writes the images refs name to w (see SaveFile). The archive is
// built in TmpDir, as the archive writers need a seekable file.
func (s *Store) Save(ctx context.Context, refs []string, w io.Writer, opts SaveOptions) error {
	f, err := os.CreateTemp(s.opts.TmpDir, "pier-save-")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := s.saveFile(ctx, refs, f.Name(), opts); err != nil {
		return err
	}
	s.savedEvents(refs, "/dev/stdout")
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("writing archive: %w", err)
	}
	return nil
}

// SaveFile saves images as podman's libimage: any number to a
// docker-archive, each with the names it was asked by (plus
// AdditionalTags), one to the other formats. Signatures are dropped, as
// podman does.
func (s *Store) SaveFile(ctx context.Context, refs []string, path string, opts SaveOptions) error {
	if err := s.saveFile(ctx, refs, path, opts); err != nil {
		return err
	}
	s.savedEvents(refs, path)
	return nil
}

// savedEvents records a save event per image, named by where it went.
func (s *Store) savedEvents(refs []string, dest string) {
	for _, ref := range refs {
		if simg, _, err := s.lookup(ref); err == nil {
			s.event(simg.ID, dest, events.Save)
		}
	}
}

func (s *Store) saveFile(ctx context.Context, refs []string, path string, opts SaveOptions) error {
	if opts.Format == "" {
		opts.Format = FormatDockerArchive
	}
	switch len(refs) {
	case 0:
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "no image specified for saving images")
	case 1:
	default:
		if opts.Format != FormatDockerArchive {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported format %q for saving multiple images (only docker-archive)", opts.Format)
		}
		if len(opts.AdditionalTags) > 0 {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot save multiple images with multiple tags")
		}
	}
	mods := []func(*copy.Options){func(o *copy.Options) {
		o.RemoveSignatures = true
		o.DestinationCtx.OCIAcceptUncompressedLayers = opts.OCIAcceptUncompressedLayers
	}}
	switch opts.Format {
	case FormatDockerArchive:
		return s.saveDocker(ctx, refs, path, opts.AdditionalTags, append(mods, forceManifestType(manifest.DockerV2Schema2MediaType)))
	case FormatOCIArchive:
		return s.saveSingle(ctx, refs[0], path, opts.Format, mods)
	case FormatOCIDir:
		return s.saveSingle(ctx, refs[0], path, opts.Format, append(mods, forceManifestType(ociv1.MediaTypeImageManifest)))
	case FormatDockerDir:
		mods = append(mods, forceManifestType(manifest.DockerV2Schema2MediaType), func(o *copy.Options) {
			if opts.DirCompress {
				o.DestinationCtx.DirForceCompress = true
			}
		})
		return s.saveSingle(ctx, refs[0], path, opts.Format, mods)
	}
	return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported format %q for saving images", opts.Format)
}

func forceManifestType(t string) func(*copy.Options) {
	return func(o *copy.Options) { o.ForceManifestMIMEType = t }
}

func (s *Store) saveSingle(ctx context.Context, ref, path, format string, mods []func(*copy.Options)) error {
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
	var dest types.ImageReference
	switch format {
	case FormatOCIArchive:
		dest, err = ociarchive.NewReference(path, tag)
	case FormatOCIDir:
		dest, err = ocilayout.NewReference(path, tag)
	default:
		dest, err = directory.NewReference(path)
	}
	if err != nil {
		return fmt.Errorf("creating %s %s: %w", format, path, err)
	}
	src, err := istorage.Transport.NewStoreReference(s.store, nil, simg.ID)
	if err != nil {
		return fmt.Errorf("creating storage reference: %w", err)
	}
	if _, err := s.copyImage(ctx, src, dest, false, mods...); err != nil {
		return fmt.Errorf("saving %s: %w", ref, err)
	}
	return nil
}

// saveDocker writes every image once, in the order first asked, with all
// the names it was asked by.
func (s *Store) saveDocker(ctx context.Context, refs []string, path string, extra []string, mods []func(*copy.Options)) error {
	var extraTags []reference.NamedTagged
	for _, t := range extra {
		named, err := NormalizeName(t)
		if err != nil {
			continue // podman skips a tag it cannot parse
		}
		tagged, ok := named.(reference.NamedTagged)
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid additional tag %q: normalized to untagged %q", t, named.String())
		}
		extraTags = append(extraTags, tagged)
	}
	type entry struct {
		id   string
		tags []reference.NamedTagged
	}
	var order []*entry
	byID := map[string]*entry{}
	seen := map[string]bool{}
	for _, ref := range refs {
		simg, name, err := s.lookup(ref)
		if err != nil {
			return err
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		e := byID[simg.ID]
		if e == nil {
			e = &entry{id: simg.ID, tags: extraTags}
			byID[simg.ID] = e
			order = append(order, e)
		}
		if named, err := reference.ParseNamed(name); err == nil && !strings.HasPrefix(simg.ID, name) {
			if t, ok := named.(reference.NamedTagged); ok {
				e.tags = append(e.tags, t)
			}
		}
	}
	writer, err := dockerarchive.NewWriter(s.SystemContext(), path)
	if err != nil {
		return fmt.Errorf("creating docker archive %s: %w", path, err)
	}
	for _, e := range order {
		if err := s.saveToArchive(ctx, writer, e.id, e.tags, mods); err != nil {
			return errors.Join(err, writer.Close())
		}
	}
	if err := writer.Close(); err != nil {
		return fmt.Errorf("finishing docker archive %s: %w", path, err)
	}
	return nil
}

func (s *Store) saveToArchive(ctx context.Context, writer *dockerarchive.Writer, id string, tags []reference.NamedTagged, mods []func(*copy.Options)) error {
	src, err := istorage.Transport.NewStoreReference(s.store, nil, id)
	if err != nil {
		return fmt.Errorf("creating storage reference: %w", err)
	}
	dest, err := writer.NewReference(nil)
	if err != nil {
		return fmt.Errorf("saving %s: %w", id, err)
	}
	sys := s.SystemContext()
	sys.DockerArchiveAdditionalTags = tags
	if _, err := s.copyImage(ctx, src, dest, false, append([]func(*copy.Options){withDestSys(sys)}, mods...)...); err != nil {
		return fmt.Errorf("saving %s: %w", id, err)
	}
	return nil
}
