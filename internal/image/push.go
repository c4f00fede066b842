//go:build !pierslim

package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	"go.podman.io/image/v5/docker"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/pkg/compression"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// PushOptions tune Push.
type PushOptions struct {
	RegistryOptions
	// Progress and Quiet as in PullOptions.
	Progress io.Writer
	Quiet    bool
	// DigestFile, when set, receives the digest of the pushed manifest.
	DigestFile string
	// RemoveSignatures drops the image's signatures instead of copying
	// them (needed for destinations that cannot store them).
	RemoveSignatures bool
	// Format forces the manifest type: "oci", "v2s2" or "v2s1"; empty
	// keeps the image's own when the destination accepts it.
	Format string
	// CompressionFormat (gzip, zstd, zstd:chunked) and CompressionLevel
	// recompress layers; ForceCompressionFormat refuses to reuse blobs
	// compressed otherwise that are already at the destination.
	CompressionFormat      string
	CompressionLevel       *int
	ForceCompressionFormat bool
	// Retry and RetryDelay as in PullOptions.
	Retry      *uint
	RetryDelay time.Duration
}

// Push copies the local image src to dest: a registry reference
// (with or without "docker://") or docker-archive:PATH[:REF],
// oci-archive:PATH[:REF], oci:DIR[:REF], dir:DIR. An empty dest is the
// name src resolved to, as podman (`push localhost:5000/x` pushes there).
func (s *Store) Push(ctx context.Context, src, dest string, o PushOptions) error {
	simg, resolved, err := s.lookup(src)
	if err != nil {
		return err
	}
	if dest == "" {
		if strings.HasPrefix(simg.ID, resolved) {
			return fmt.Errorf("image %s has no name to push it to: give a destination: %w", src, errdefs.ErrInvalidArgument)
		}
		dest = resolved
	}
	sys, err := registryContext(s.sys, o.RegistryOptions, true)
	if err != nil {
		return err
	}
	if o.CompressionFormat != "" {
		algo, err := compression.AlgorithmByName(o.CompressionFormat)
		if err != nil {
			return fmt.Errorf("--compression-format %q: %w: %w", o.CompressionFormat, err, errdefs.ErrInvalidArgument)
		}
		sys.CompressionFormat = &algo
	}
	sys.CompressionLevel = o.CompressionLevel
	mimeType, err := manifestType(o.Format)
	if err != nil {
		return err
	}
	var srcNamed reference.Named
	if named, err := reference.ParseNormalizedNamed(resolved); err == nil && !strings.HasPrefix(simg.ID, resolved) {
		srcNamed = named
	}
	srcRef, err := istorage.Transport.NewStoreReference(s.store, srcNamed, simg.ID)
	if err != nil {
		return fmt.Errorf("creating storage reference: %w", err)
	}
	destRef, err := parseDestination(dest, srcNamed)
	if err != nil {
		return err
	}
	pc, err := signaturePolicy(sys)
	if err != nil {
		return err
	}
	defer func() { _ = pc.Destroy() }()
	rep := o.Progress
	if o.Quiet {
		rep = nil
	}
	var mblob []byte
	err = withRetry(ctx, PullOptions{Retry: o.Retry, RetryDelay: o.RetryDelay}, func() error {
		var err error
		mblob, err = copy.Image(ctx, pc, destRef, srcRef, &copy.Options{
			ReportWriter:           rep,
			SourceCtx:              s.SystemContext(),
			DestinationCtx:         sys,
			RemoveSignatures:       o.RemoveSignatures,
			ForceManifestMIMEType:  mimeType,
			ForceCompressionFormat: o.ForceCompressionFormat,
		})
		return err
	})
	if err != nil {
		return classifyRegistryError(fmt.Errorf("pushing %s to %s: %w", src, dest, err))
	}
	if o.DigestFile != "" {
		d, err := manifest.Digest(mblob)
		if err != nil {
			return fmt.Errorf("computing digest of pushed manifest: %w", err)
		}
		if err := os.WriteFile(o.DigestFile, []byte(d.String()), 0o644); err != nil {
			return fmt.Errorf("writing digest file: %w", err)
		}
	}
	s.event(simg.ID, dest, events.Push)
	return nil
}

// manifestType maps podman's --format values to MIME types.
func manifestType(format string) (string, error) {
	switch format {
	case "":
		return "", nil
	case "oci":
		return "application/vnd.oci.image.manifest.v1+json", nil
	case "v2s2", "docker":
		return manifest.DockerV2Schema2MediaType, nil
	case "v2s1":
		return manifest.DockerV2Schema1SignedMediaType, nil
	}
	return "", fmt.Errorf("unknown format %q: supported formats are oci, v2s1 and v2s2: %w", format, errdefs.ErrInvalidArgument)
}

// parseDestination parses a push destination. A docker-archive without
// a name inside gets the source's name, so that loading it back restores
// the tag (podman does the same).
func parseDestination(dest string, srcNamed reference.Named) (types.ImageReference, error) {
	transport, rest, ok := strings.Cut(dest, ":")
	if ok {
		var t types.ImageTransport
		switch transport {
		case "docker":
			if strings.HasPrefix(rest, "//") {
				t = docker.Transport
			}
		case dockerarchive.Transport.Name():
			t = dockerarchive.Transport
		case ociarchive.Transport.Name():
			t = ociarchive.Transport
		case ocilayout.Transport.Name():
			t = ocilayout.Transport
		case directory.Transport.Name():
			t = directory.Transport
		case "containers-storage", "docker-daemon", "sif", "tarball", "ostree":
			return nil, fmt.Errorf("pushing to the %s transport is not supported by pier: %w", transport, errdefs.ErrNotImplemented)
		}
		if t != nil {
			ref, err := t.ParseReference(rest)
			if err != nil {
				return nil, fmt.Errorf("parsing destination %q: %w: %w", dest, err, errdefs.ErrInvalidArgument)
			}
			if t == dockerarchive.Transport && ref.DockerReference() == nil {
				if tagged, ok := srcNamed.(reference.NamedTagged); ok {
					if named, err := dockerarchive.NewReference(rest, tagged); err == nil {
						ref = named
					}
				}
			}
			return ref, nil
		}
	}
	ref, err := docker.ParseReference("//" + dest)
	if err != nil {
		return nil, fmt.Errorf("parsing destination %q: %w: %w", dest, err, errdefs.ErrInvalidArgument)
	}
	return ref, nil
}
