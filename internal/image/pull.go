//go:build !pierslim

package image

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	encconfig "github.com/containers/ocicrypt/config"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	"go.podman.io/image/v5/docker"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// Pull makes the image ref names available locally according to the pull
// policy and returns it. ref is a registry reference (short names are
// resolved through registries.conf, "docker://" forces a registry) or
// a transport reference: docker-archive:PATH[:REF], oci-archive:PATH[:REF],
// oci:DIR[:REF], dir:DIR. The pull policy applies to registries only;
// archives and directories are always copied.
func (s *Store) Pull(ctx context.Context, ref string, o PullOptions) (*Image, error) {
	imgs, err := s.pull(ctx, ref, o, false)
	if err != nil {
		s.pullErrorEvent(ref, err)
		return nil, err
	}
	s.event(imgs[0].ID, ref, events.Pull)
	return imgs[0], nil
}

// PullAllTags pulls every tag of a registry repository (podman's pull
// --all-tags), in the registry's order.
func (s *Store) PullAllTags(ctx context.Context, ref string, o PullOptions) ([]*Image, error) {
	imgs, err := s.pull(ctx, ref, o, true)
	s.pullErrorEvent(ref, err)
	for _, img := range imgs {
		s.event(img.ID, ref, events.Pull)
	}
	return imgs, err
}

func (s *Store) pull(ctx context.Context, name string, o PullOptions, allTags bool) ([]*Image, error) {
	policy := o.Policy
	if policy == "" {
		policy = PullAlways
	}
	if _, err := ParsePullPolicy(string(policy)); err != nil {
		return nil, err
	}
	sys, err := registryContext(s.sys, o.RegistryOptions, true)
	if err != nil {
		return nil, err
	}
	src, dockerName, err := parseSource(name)
	if err != nil {
		return nil, err
	}
	if src != nil {
		if allTags {
			return nil, fmt.Errorf("pulling all tags is not supported for %s transport: %w", src.Transport().Name(), errdefs.ErrInvalidArgument)
		}
		img, err := s.pullFromTransport(ctx, src, sys, o)
		if err != nil {
			return nil, err
		}
		return []*Image{img}, nil
	}
	if id := strings.TrimPrefix(dockerName, "sha256:"); strings.HasPrefix(dockerName, "sha256:") || fullIDRe().MatchString(id) {
		// An ID names a local image only; there is nothing to pull.
		if policy == PullAlways {
			return nil, fmt.Errorf("pull policy is always but image has been referred to by ID (%s): %w", dockerName, errdefs.ErrInvalidArgument)
		}
		img, err := s.Lookup(ctx, dockerName)
		if err != nil {
			return nil, err
		}
		return []*Image{img}, nil
	}
	if !allTags {
		img, err := s.pullOne(ctx, dockerName, policy, sys, o)
		if err != nil {
			return nil, err
		}
		return []*Image{img}, nil
	}
	named, err := reference.ParseNormalizedNamed(dockerName)
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %v: %w", dockerName, err, errdefs.ErrInvalidArgument)
	}
	if !reference.IsNameOnly(named) {
		return nil, fmt.Errorf("tag or digest can't be used with --all-tags: %w", errdefs.ErrInvalidArgument)
	}
	repoRef, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %w", dockerName, err)
	}
	tags, err := docker.GetRepositoryTags(ctx, sys, repoRef)
	if err != nil {
		return nil, classifyRegistryError(fmt.Errorf("listing tags of %s: %w", named.Name(), err))
	}
	var imgs []*Image
	for _, tag := range tags {
		tagged, err := reference.WithTag(named, tag)
		if err != nil {
			return imgs, fmt.Errorf("creating tagged reference (name %s, tag %s): %w", named.Name(), tag, err)
		}
		img, err := s.pullOne(ctx, tagged.String(), policy, sys, o)
		if err != nil {
			return imgs, err
		}
		imgs = append(imgs, img)
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("repository %s has no tags: %w", named.Name(), errdefs.ErrNotFound)
	}
	return imgs, nil
}

// parseSource splits a pull reference into a transport reference, or
// (nil, name) for a registry image whose short name is still to be
// resolved. Only the transports pier supports are recognised; a name
// like "localhost:5000/x" or "busybox:latest" is a registry image, and
// "docker://busybox" is fully qualified at once (docker.io/library/...),
// as in podman.
func parseSource(name string) (types.ImageReference, string, error) {
	transport, rest, ok := strings.Cut(name, ":")
	if ok {
		var t types.ImageTransport
		switch transport {
		case "docker":
			if strings.HasPrefix(rest, "//") {
				ref, err := docker.ParseReference(rest)
				if err != nil {
					return nil, "", fmt.Errorf("parsing reference %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
				}
				return nil, ref.DockerReference().String(), nil
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
			return nil, "", fmt.Errorf("pulling from the %s transport is not supported by pier: %w", transport, errdefs.ErrNotImplemented)
		}
		if t != nil {
			ref, err := t.ParseReference(rest)
			if err != nil {
				return nil, "", fmt.Errorf("parsing reference %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
			}
			return ref, "", nil
		}
	}
	// name:tag@digest: the digest wins and the tag is dropped, as podman
	// and Docker do.
	if r, err := reference.Parse(name); err == nil {
		if nt, ok := r.(reference.NamedTagged); ok {
			if d, ok := r.(reference.Digested); ok {
				if nd, err := reference.WithDigest(reference.TrimNamed(nt), d.Digest()); err == nil {
					return nil, nd.String(), nil
				}
			}
		}
	} else {
		return nil, "", fmt.Errorf("parsing reference %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
	}
	return nil, name, nil
}

// pullOne applies the pull policy to one registry image, as podman's
// libimage does: local lookup first (its resolved name, e.g.
// "localhost/x", is then what gets pulled), then short-name candidates in
// order, the first success wins.
func (s *Store) pullOne(ctx context.Context, name string, policy PullPolicy, sys *types.SystemContext, o PullOptions) (*Image, error) {
	rep := o.report()
	custom := o.customPlatform()
	local, resolvedName := s.localForPull(ctx, name, o.RegistryOptions)
	if custom && (policy == PullMissing || policy == PullNewer) {
		// Images in the wild often declare a wrong platform, so with an
		// explicit platform podman always asks the registry.
		policy = PullNewer
	}
	switch {
	case policy == PullNever:
		if local == nil {
			return nil, errNotKnown(name)
		}
		return local, nil
	case policy == PullMissing && local != nil:
		return local, nil
	case local != nil && strings.HasPrefix(local.ID, name):
		if policy == PullAlways {
			return nil, fmt.Errorf("pull policy is always but image has been referred to by ID (%s): %w", name, errdefs.ErrInvalidArgument)
		}
		return local, nil
	}
	if local != nil && !custom {
		name = resolvedName
	}
	res, err := s.resolveShortName(sys, name, o.Prompt)
	if err != nil {
		if local != nil && policy == PullNewer {
			return local, nil
		}
		return nil, err
	}
	var errs []error
	wroteDesc := false
	for _, cand := range res.candidates {
		srcRef, err := docker.NewReference(cand)
		if err != nil {
			return nil, fmt.Errorf("creating reference for %s: %w", cand, err)
		}
		if policy == PullNewer && local != nil {
			differs, err := remoteDiffers(ctx, sys, srcRef, local)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !differs {
				continue
			}
		}
		if policy == PullAlways && local != nil && !custom && slices.Contains(local.Names, cand.String()) &&
			s.unchanged(ctx, sys, srcRef, local) {
			// The registry serves what we already store under this very
			// name: copying it again would only rewrite the same files
			// (and fsync them). podman prints the same line, then the ID.
			if rep != nil {
				fmt.Fprintf(rep, "Trying to pull %s...\n", cand)
			}
			return local, nil
		}
		if rep != nil {
			// The description is printed only when a pull really
			// happens, so that a local hit stays silent.
			if !wroteDesc && res.description != "" {
				fmt.Fprintln(rep, res.description)
			}
			wroteDesc = true
			fmt.Fprintf(rep, "Trying to pull %s...\n", cand)
		}
		var img *Image
		err = withRetry(ctx, o, func() error {
			var err error
			img, err = s.copyIn(ctx, srcRef, cand.String(), sys, rep, o.DecryptConfig)
			return err
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		img.resolvedBy(cand.String())
		if res.record {
			if err := recordAlias(sys, res.input, cand); err != nil {
				// podman only logs this: a read-only home must not fail
				// a pull that worked.
				warnf(ctx, "Error recording short-name alias %q: %v", cand, err)
			}
		}
		return img, nil
	}
	if local != nil && policy == PullNewer {
		return local, nil
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("internal error: no image pulled (pull policy %s)", policy)
	}
	return nil, formatPullErrors(errs)
}

// remoteDiffers asks the registry for the manifest digest (one HEAD
// request) and compares it with every digest the local image is known
// by (the list's and the instance's).
func remoteDiffers(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, local *Image) (bool, error) {
	d, err := docker.GetDigest(ctx, sys, ref)
	if err != nil {
		return false, classifyRegistryError(fmt.Errorf("checking whether %s is newer: %w", transports.ImageName(ref), err))
	}
	return !slices.Contains(local.Digests, d.String()), nil
}

// copyIn copies src into storage under destName ("" = unnamed, found by
// ID) with the signature policy of sys, and returns the stored image.
// Layers come in parallel (containers/image's default of 6 at a time) and
// layers already in storage are not fetched again.
// dec decrypts encrypted layers (--decryption-key); nil leaves them.
func (s *Store) copyIn(ctx context.Context, src types.ImageReference, destName string, sys *types.SystemContext, rep io.Writer, dec *encconfig.DecryptConfig) (*Image, error) {
	pc, err := signaturePolicy(sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	var dest types.ImageReference
	if destName != "" {
		dest, err = istorage.Transport.ParseStoreReference(s.store, destName)
		if err != nil {
			return nil, fmt.Errorf("creating storage reference for %s: %w", destName, err)
		}
	} else {
		id, err := s.configDigestWith(ctx, src, sys)
		if err != nil {
			return nil, err
		}
		if dest, err = istorage.Transport.NewStoreReference(s.store, nil, id); err != nil {
			return nil, fmt.Errorf("creating storage reference: %w", err)
		}
	}
	var resolved types.ImageReference
	_, err = copy.Image(ctx, pc, dest, src, &copy.Options{
		ReportWriter:            rep,
		SourceCtx:               sys,
		DestinationCtx:          s.SystemContext(),
		ImageListSelection:      copy.CopySystemImage,
		ReportResolvedReference: &resolved,
		OciDecryptConfig:        dec,
	})
	if err != nil {
		return nil, classifyRegistryError(err)
	}
	if resolved == nil {
		resolved = dest
	}
	_, simg, err := istorage.ResolveReference(resolved)
	if err != nil {
		return nil, fmt.Errorf("finding pulled image %s: %w", transports.ImageName(src), err)
	}
	return s.load(simg)
}

// configDigestWith is configDigest with the pull's system context (the
// platform choice matters for lists).
func (s *Store) configDigestWith(ctx context.Context, src types.ImageReference, sys *types.SystemContext) (string, error) {
	is, err := src.NewImageSource(ctx, sys)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", transports.ImageName(src), err)
	}
	defer is.Close()
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(is, nil))
	if err != nil {
		return "", fmt.Errorf("reading manifest of %s: %w", transports.ImageName(src), err)
	}
	return img.ConfigInfo().Digest.Encoded(), nil
}

// withRetry runs f, retrying network failures o.Retry times (podman's
// --retry, default 3) with podman's delays. Registry answers (401, 404,
// a digest mismatch, a policy rejection) are final and not retried.
func withRetry(ctx context.Context, o PullOptions, f func() error) error {
	attempts := uint(3)
	if o.Retry != nil {
		attempts = *o.Retry
	}
	for i := uint(0); ; i++ {
		err := f()
		if err == nil || i >= attempts || !retryable(err) {
			return err
		}
		delay := o.RetryDelay
		if delay == 0 {
			delay = time.Second << i
		}
		warnf(ctx, "Failed, retrying in %s ... (%d/%d). Error: %v", delay, i+1, attempts, err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// pullFromTransport copies an archive or directory image. Names follow
// podman: a docker-archive's own tags, an oci-archive's ref.name
// annotation, an oci layout's ":REF"; otherwise the image stays unnamed.
func (s *Store) pullFromTransport(ctx context.Context, src types.ImageReference, sys *types.SystemContext, o PullOptions) (*Image, error) {
	rep := o.report()
	var names []string
	switch src.Transport().Name() {
	case dockerarchive.Transport.Name():
		reader, readerRef, err := dockerarchive.NewReaderForReference(sys, src)
		if err != nil {
			return nil, fmt.Errorf("reading docker archive: %w", err)
		}
		defer reader.Close()
		tags, err := reader.ManifestTagsForReference(readerRef)
		if err != nil {
			return nil, fmt.Errorf("reading docker archive: %w", err)
		}
		names = tags
		src = readerRef
	case ociarchive.Transport.Name():
		desc, err := ociarchive.LoadManifestDescriptorWithContext(sys, src)
		if err != nil {
			return nil, fmt.Errorf("reading oci archive: %w", err)
		}
		if n := nameFromAnnotations(desc.Annotations); n != "" {
			names = []string{n}
		}
	case ocilayout.Transport.Name():
		if _, n, ok := strings.Cut(src.StringWithinTransport(), ":"); ok && n != "" {
			names = []string{n}
		}
	}
	for i, n := range names {
		named, err := NormalizeName(n)
		if err != nil {
			return nil, fmt.Errorf("image name %q in %s: %w", n, transports.ImageName(src), err)
		}
		names[i] = named.String()
	}
	first := ""
	if len(names) > 0 {
		first = names[0]
	}
	img, err := s.copyIn(ctx, src, first, sys, rep, o.DecryptConfig)
	if err != nil {
		return nil, fmt.Errorf("unable to perform copy: %w", err)
	}
	if len(names) > 1 {
		if err := s.store.AddNames(img.ID, names[1:]); err != nil {
			return nil, fmt.Errorf("naming pulled image %s: %w", img.ID, err)
		}
		simg, err := s.store.Image(img.ID)
		if err != nil {
			return nil, fmt.Errorf("reading pulled image %s: %w", img.ID, err)
		}
		return s.load(simg)
	}
	return img, nil
}

// nameFromAnnotations prefers containerd's full name over the OCI ref.name,
// as podman (buildkit writes the former).
func nameFromAnnotations(a map[string]string) string {
	if n := a["io.containerd.image.name"]; n != "" {
		return n
	}
	return a["org.opencontainers.image.ref.name"]
}

// formatPullErrors reads as podman's: the one error, or "N errors occurred
// while pulling:" with one " * " line per candidate.
func formatPullErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors occurred while pulling:", len(errs))
	for _, e := range errs {
		b.WriteString("\n * ")
		b.WriteString(e.Error())
	}
	return &multiPullError{msg: b.String(), errs: errs}
}

type multiPullError struct {
	msg  string
	errs []error
}

func (e *multiPullError) Error() string   { return e.msg }
func (e *multiPullError) Unwrap() []error { return e.errs }

// unchanged reports whether the registry's manifest for ref is one the
// local image is already known by, and the signature policy still accepts
// it: then an "always" pull has nothing to do. Manifest lists are left to
// the full copy, which checks the policy per instance. Any error means
// "pull it".
func (s *Store) unchanged(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, local *Image) bool {
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return false
	}
	defer src.Close()
	blob, mtype, err := src.GetManifest(ctx, nil)
	if err != nil || manifest.MIMETypeIsMultiImage(mtype) {
		return false
	}
	d, err := manifest.Digest(blob)
	if err != nil || !slices.Contains(local.Digests, d.String()) {
		return false
	}
	pc, err := signaturePolicy(sys)
	if err != nil {
		return false
	}
	defer pc.Destroy()
	ok, err := pc.IsRunningImageAllowed(ctx, image.UnparsedInstance(src, nil))
	return ok && err == nil
}
