//go:build !pierslim

package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	digest "github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	// The transports an instance of a list may be read from or a list
	// pushed to, registered one by one (alltransports pulls in the
	// docker-daemon transport, whose dependencies do not build here).
	_ "go.podman.io/image/v5/directory"
	_ "go.podman.io/image/v5/docker/archive"
	_ "go.podman.io/image/v5/oci/archive"
	_ "go.podman.io/image/v5/oci/layout"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Manifest lists are stored as podman (libimage/manifests) stores them, so
// that podman and buildah read pier's lists and the reverse: an image
// without layers whose "manifest" big-data item is the list, with
// "instances.json" mapping each instance digest to the transport reference
// it can be read from at push time.
const (
	mlistInstancesKey = "instances.json"
	mlistArtifactsKey = "artifacts.json"
)

// ErrNotAManifestList reads as podman's "NAME: image is not a manifest
// list" and is an invalid argument for the exit code table.
var ErrNotAManifestList error = notAListError{}

type notAListError struct{}

func (notAListError) Error() string { return "image is not a manifest list" }
func (notAListError) Unwrap() error { return errdefs.ErrInvalidArgument }

// ManifestAddOptions are `manifest add` (and create) flags.
type ManifestAddOptions struct {
	// All adds every instance of a list instead of the host's.
	All bool
	// OS, Arch, Variant, OSVersion and OSFeatures override the platform
	// read from the image configuration.
	OS, Arch, Variant, OSVersion string
	OSFeatures                   []string
	// Annotations are "key=value".
	Annotations []string
	Registry    RegistryOptions
}

// ManifestAnnotateOptions are `manifest annotate` flags.
type ManifestAnnotateOptions struct {
	OS, Arch, Variant, OSVersion string
	OSFeatures                   []string
	Annotations                  []string
	// Index puts the annotations on the list itself.
	Index bool
}

// ManifestPushOptions are `manifest push` flags.
type ManifestPushOptions struct {
	// All pushes every instance; otherwise only the host's is copied
	// (the list is pushed whole either way).
	All bool
	// Format is "oci", "v2s2" or "" (keep each instance's type).
	Format string
	// RemoveSignatures drops signatures of the instances.
	RemoveSignatures bool
	Registry         RegistryOptions
}

// mlist is a manifest list in memory. It is kept as OCI descriptors,
// which carry everything both list formats can say; it is serialized to
// the format podman would choose.
type mlist struct {
	id          string
	name        string
	manifests   []ociv1.Descriptor
	annotations map[string]string
	instances   map[digest.Digest]string
}

// ManifestCreate creates an empty list named name and adds images to it,
// returning the list's ID.
func (s *Store) ManifestCreate(ctx context.Context, name string, images []string, o ManifestAddOptions) (string, error) {
	named, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	if img, err := s.store.Image(named.String()); err == nil {
		return "", fmt.Errorf("image name %q is already associated with image %q: that name is already in use: %w", named.String(), img.ID, errdefs.ErrConflict)
	}
	l := &mlist{name: named.String(), instances: map[digest.Digest]string{}}
	for _, ref := range images {
		if _, err := s.addToList(ctx, l, ref, o); err != nil {
			return "", err
		}
	}
	if err := s.saveList(l); err != nil {
		return "", err
	}
	return l.id, nil
}

// ManifestAdd adds image (a transport reference, a local image, or a
// registry reference) to the list and returns the list ID and the digest
// of the (last) added instance.
func (s *Store) ManifestAdd(ctx context.Context, list, image string, o ManifestAddOptions) (string, digest.Digest, error) {
	l, err := s.loadList(list)
	if err != nil {
		return "", "", err
	}
	d, err := s.addToList(ctx, l, image, o)
	if err != nil {
		return "", "", err
	}
	return l.id, d, s.saveList(l)
}

// ManifestAnnotate changes the platform or annotations of one instance (or,
// with Index, the list's own annotations) and returns the list ID.
func (s *Store) ManifestAnnotate(ctx context.Context, list, instance string, o ManifestAnnotateOptions) (string, error) {
	l, err := s.loadList(list)
	if err != nil {
		return "", err
	}
	ann, err := parseAnnotations(o.Annotations)
	if err != nil {
		return "", err
	}
	if o.Index {
		if l.annotations == nil {
			l.annotations = map[string]string{}
		}
		maps.Copy(l.annotations, ann)
		return l.id, s.saveList(l)
	}
	d, err := digest.Parse(instance)
	if err != nil {
		return "", fmt.Errorf("invalid image digest %q: %v: %w", instance, err, errdefs.ErrInvalidArgument)
	}
	i := slices.IndexFunc(l.manifests, func(m ociv1.Descriptor) bool { return m.Digest == d })
	if i < 0 {
		return "", fmt.Errorf("no instance with digest %s in manifest list %s: %w", d, l.name, errdefs.ErrNotFound)
	}
	m := &l.manifests[i]
	applyPlatform(m, o.OS, o.Arch, o.Variant, o.OSVersion, o.OSFeatures)
	if len(ann) > 0 {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		maps.Copy(m.Annotations, ann)
	}
	return l.id, s.saveList(l)
}

// ManifestInspect returns the list as stored, or, when no local list has
// that name, the manifest the registry serves for it (as podman).
func (s *Store) ManifestInspect(ctx context.Context, name string, o RegistryOptions) ([]byte, error) {
	l, err := s.loadList(name)
	if err == nil {
		return l.serialize()
	}
	if !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, ErrNotAManifestList) {
		return nil, err
	}
	ref, perr := docker.ParseReference("//" + strings.TrimPrefix(name, "docker://"))
	if perr != nil {
		return nil, err
	}
	sys, serr := registryContext(s.SystemContext(), o, true)
	if serr != nil {
		return nil, serr
	}
	src, rerr := ref.NewImageSource(ctx, sys)
	if rerr != nil {
		return nil, fmt.Errorf("%w; reading %s from its registry: %w", err, name, rerr)
	}
	defer src.Close()
	blob, _, rerr := src.GetManifest(ctx, nil)
	if rerr != nil {
		return nil, fmt.Errorf("reading manifest of %s: %w", name, rerr)
	}
	return blob, nil
}

// ManifestExists reports whether name is a local manifest list.
func (s *Store) ManifestExists(ctx context.Context, name string) (bool, error) {
	_, err := s.loadList(name)
	if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, ErrNotAManifestList) {
		return false, nil
	}
	return err == nil, err
}

// ManifestRemove deletes lists (never their instances) and returns what
// was untagged and deleted, as `podman manifest rm` prints it. It goes on
// past a failing name and returns the errors joined.
func (s *Store) ManifestRemove(ctx context.Context, names []string) (untagged, deleted []string, err error) {
	var errs []error
	for _, n := range names {
		l, lerr := s.loadList(n)
		if lerr != nil {
			errs = append(errs, lerr)
			continue
		}
		simg, ierr := s.store.Image(l.id)
		if ierr != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, ierr))
			continue
		}
		if _, derr := s.store.DeleteImage(l.id, true); derr != nil {
			errs = append(errs, fmt.Errorf("removing manifest list %s: %w", n, derr))
			continue
		}
		untagged = append(untagged, simg.Names...)
		deleted = append(deleted, l.id)
	}
	return untagged, deleted, errors.Join(errs...)
}

// ManifestRemoveInstance drops the instance with digest instance from the
// list (the image itself stays) and returns the list ID, as podman's
// `manifest remove`. The digest is checked before the list is looked up.
func (s *Store) ManifestRemoveInstance(ctx context.Context, list, instance string) (string, error) {
	d, err := digest.Parse(instance)
	if err != nil {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "removing from manifest list %s: invalid image digest %q: %w", list, instance, err)
	}
	l, err := s.loadList(list)
	if err != nil {
		return "", fmt.Errorf("removing from manifest list %s: %w", list, err)
	}
	i := slices.IndexFunc(l.manifests, func(m ociv1.Descriptor) bool { return m.Digest == d })
	if i < 0 {
		return "", errdefs.Errorf(errdefs.ErrNotFound, "removing from manifest list %s: no instance matching digest %q found in manifest list: file does not exist",
			list, d)
	}
	l.manifests = slices.Delete(l.manifests, i, i+1)
	delete(l.instances, d)
	return l.id, s.saveList(l)
}

// ManifestPush copies the list's instances and then the list to dest
// (docker:// is assumed without a transport) and returns the digest of the
// list written. The copy runs through containers/image on a source that
// serves the list from storage and each instance from where it was added,
// so instances converted on the way (--format, local images being
// compressed) get their new digests written into the pushed list.
func (s *Store) ManifestPush(ctx context.Context, list, dest string, o ManifestPushOptions) (digest.Digest, error) {
	l, err := s.loadList(list)
	if err != nil {
		return "", err
	}
	if dest == "" {
		dest = l.name
	}
	destRef, err := s.mlistParseRef(dest)
	if err != nil {
		return "", err
	}
	forceType := ""
	switch o.Format {
	case "":
	case "oci":
		forceType = ociv1.MediaTypeImageManifest
	case "v2s2", "docker":
		forceType = manifest.DockerV2Schema2MediaType
	default:
		return "", fmt.Errorf("unsupported manifest format %q: use oci or v2s2: %w", o.Format, errdefs.ErrInvalidArgument)
	}
	sys, err := registryContext(s.SystemContext(), o.Registry, true)
	if err != nil {
		return "", err
	}
	src, err := s.mlistSourceRef(l)
	if err != nil {
		return "", err
	}
	// The source is local storage: nothing to verify, as podman's
	// override of the policy for containers-storage.
	policy, err := localPolicy()
	if err != nil {
		return "", err
	}
	defer func() { _ = policy.Destroy() }()
	sel := copy.CopySystemImage
	if o.All {
		sel = copy.CopyAllImages
	}
	out, err := copy.Image(ctx, policy, destRef, src, &copy.Options{
		ReportWriter:          progress(ctx),
		SourceCtx:             sys,
		DestinationCtx:        sys,
		ImageListSelection:    sel,
		ForceManifestMIMEType: forceType,
		RemoveSignatures:      o.RemoveSignatures,
	})
	if err != nil {
		return "", fmt.Errorf("pushing manifest list %s to %s: %w", l.name, transports.ImageName(destRef), err)
	}
	d, err := manifest.Digest(out)
	if err != nil {
		return "", fmt.Errorf("digesting pushed manifest list: %w", err)
	}
	return d, nil
}

// loadList reads a list stored in the format described above.
func (s *Store) loadList(name string) (*mlist, error) {
	simg, resolved, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if len(simg.Names) > 0 && fullIDRe().MatchString(resolved) {
		resolved = simg.Names[0]
	}
	blob, err := s.store.ImageBigData(simg.ID, storage.ImageDigestBigDataKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", resolved, ErrNotAManifestList)
	}
	mtype := manifest.GuessMIMEType(blob)
	if !manifest.MIMETypeIsMultiImage(mtype) {
		return nil, fmt.Errorf("%s: %w", resolved, ErrNotAManifestList)
	}
	l := &mlist{id: simg.ID, name: resolved, instances: map[digest.Digest]string{}}
	if l.manifests, l.annotations, err = parseListBlob(blob, mtype); err != nil {
		return nil, fmt.Errorf("parsing manifest list %s: %w", resolved, err)
	}
	if ib, err := s.store.ImageBigData(simg.ID, mlistInstancesKey); err == nil {
		if err := json.Unmarshal(ib, &l.instances); err != nil {
			return nil, fmt.Errorf("decoding instance list of %s: %w", resolved, err)
		}
		delete(l.instances, "") // podman records the list's own ID there
	}
	return l, nil
}

// parseListBlob turns either list format into OCI descriptors.
func parseListBlob(blob []byte, mtype string) ([]ociv1.Descriptor, map[string]string, error) {
	if mtype == manifest.DockerV2ListMediaType {
		dl, err := manifest.Schema2ListFromManifest(blob)
		if err != nil {
			return nil, nil, err
		}
		var out []ociv1.Descriptor
		for _, m := range dl.Manifests {
			out = append(out, ociv1.Descriptor{
				MediaType: m.MediaType, Digest: m.Digest, Size: m.Size, URLs: m.URLs,
				Platform: &ociv1.Platform{OS: m.Platform.OS, Architecture: m.Platform.Architecture,
					OSVersion: m.Platform.OSVersion, OSFeatures: m.Platform.OSFeatures, Variant: m.Platform.Variant},
			})
		}
		return out, nil, nil
	}
	idx, err := manifest.OCI1IndexFromManifest(blob)
	if err != nil {
		return nil, nil, err
	}
	return idx.Manifests, idx.Annotations, nil
}

// serialize picks the format as podman 5 does: an OCI index when anything
// only OCI can say is present or the list is not empty, a Docker list
// for an empty list (its media type is explicit).
func (l *mlist) serialize() ([]byte, error) {
	if len(l.manifests) == 0 && len(l.annotations) == 0 {
		return manifest.Schema2ListFromComponents([]manifest.Schema2ManifestDescriptor{}).Serialize()
	}
	return manifest.OCI1IndexFromComponents(l.manifests, l.annotations).Serialize()
}

// saveList writes the list, creating its image on first save.
func (s *Store) saveList(l *mlist) error {
	blob, err := l.serialize()
	if err != nil {
		return fmt.Errorf("encoding manifest list: %w", err)
	}
	inst, err := json.Marshal(l.instances)
	if err != nil {
		return fmt.Errorf("encoding manifest list instances: %w", err)
	}
	d, err := manifest.Digest(blob)
	if err != nil {
		return fmt.Errorf("digesting manifest list: %w", err)
	}
	items := []storage.ImageBigDataOption{
		{Key: storage.ImageDigestBigDataKey, Data: blob, Digest: d},
		{Key: mlistInstancesKey, Data: inst},
		{Key: mlistArtifactsKey, Data: []byte("{}")},
	}
	if l.id == "" {
		img, err := s.store.CreateImage("", []string{l.name}, "", "", &storage.ImageOptions{BigData: items})
		if err != nil {
			return fmt.Errorf("creating manifest list %s: %w", l.name, err)
		}
		l.id = img.ID
		return nil
	}
	for _, it := range items {
		var digester func([]byte) (digest.Digest, error)
		if it.Key == storage.ImageDigestBigDataKey {
			digester = manifest.Digest
		}
		if err := s.store.SetImageBigData(l.id, it.Key, it.Data, digester); err != nil {
			return fmt.Errorf("saving manifest list %s: %w", l.name, err)
		}
	}
	return nil
}

// addToList records the instance(s) of name in l: its digest, size, type
// and platform, and where to read it at push time.
func (s *Store) addToList(ctx context.Context, l *mlist, name string, o ManifestAddOptions) (digest.Digest, error) {
	ann, err := parseAnnotations(o.Annotations)
	if err != nil {
		return "", err
	}
	ref, err := s.mlistResolveAdd(name)
	if err != nil {
		return "", err
	}
	sys, err := registryContext(s.SystemContext(), o.Registry, true)
	if err != nil {
		return "", err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", transports.ImageName(ref), err)
	}
	defer src.Close()
	blob, mtype, err := src.GetManifest(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("reading manifest of %s: %w", transports.ImageName(ref), err)
	}
	var added []ociv1.Descriptor
	if manifest.MIMETypeIsMultiImage(mtype) {
		descs, _, err := parseListBlob(blob, mtype)
		if err != nil {
			return "", fmt.Errorf("parsing manifest list of %s: %w", transports.ImageName(ref), err)
		}
		if o.All {
			added = descs
		} else {
			list, err := manifest.ListFromBlob(blob, mtype)
			if err != nil {
				return "", fmt.Errorf("parsing manifest list of %s: %w", transports.ImageName(ref), err)
			}
			chosen, err := list.ChooseInstance(sys)
			if err != nil {
				return "", fmt.Errorf("selecting image from manifest list of %s: %w", transports.ImageName(ref), err)
			}
			i := slices.IndexFunc(descs, func(d ociv1.Descriptor) bool { return d.Digest == chosen })
			added = descs[i : i+1]
		}
	} else {
		d, err := manifest.Digest(blob)
		if err != nil {
			return "", fmt.Errorf("digesting manifest of %s: %w", transports.ImageName(ref), err)
		}
		added = []ociv1.Descriptor{{MediaType: mtype, Digest: d, Size: int64(len(blob))}}
	}
	var last digest.Digest
	for _, desc := range added {
		desc.Annotations = maps.Clone(desc.Annotations)
		if desc.Platform == nil || desc.Platform.OS == "" || desc.Platform.Architecture == "" {
			if desc.Platform, err = instancePlatform(ctx, sys, src, desc.Digest, manifest.MIMETypeIsMultiImage(mtype)); err != nil {
				return "", fmt.Errorf("reading platform of %s: %w", transports.ImageName(ref), err)
			}
		}
		applyPlatform(&desc, o.OS, o.Arch, o.Variant, o.OSVersion, o.OSFeatures)
		if len(ann) > 0 {
			if desc.Annotations == nil {
				desc.Annotations = map[string]string{}
			}
			maps.Copy(desc.Annotations, ann)
		}
		// Re-adding an instance replaces it, as podman.
		l.manifests = slices.DeleteFunc(l.manifests, func(m ociv1.Descriptor) bool { return m.Digest == desc.Digest })
		l.manifests = append(l.manifests, desc)
		l.instances[desc.Digest] = transports.ImageName(ref)
		last = desc.Digest
	}
	return last, nil
}

// instancePlatform reads the platform from an image configuration.
func instancePlatform(ctx context.Context, sys *types.SystemContext, src types.ImageSource, d digest.Digest, isInstance bool) (*ociv1.Platform, error) {
	var inst *digest.Digest
	if isInstance {
		inst = &d
	}
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, inst))
	if err != nil {
		return nil, err
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &ociv1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant,
		OSVersion: cfg.OSVersion, OSFeatures: slices.Clone(cfg.OSFeatures)}, nil
}

func applyPlatform(d *ociv1.Descriptor, osName, arch, variant, osVersion string, osFeatures []string) {
	if d.Platform == nil {
		d.Platform = &ociv1.Platform{}
	}
	if osName != "" {
		d.Platform.OS = osName
	}
	if arch != "" {
		d.Platform.Architecture = arch
	}
	if variant != "" {
		d.Platform.Variant = variant
	}
	if osVersion != "" {
		d.Platform.OSVersion = osVersion
	}
	if len(osFeatures) > 0 {
		d.Platform.OSFeatures = osFeatures
	}
}

func parseAnnotations(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("no value given for annotation %q: use key=value: %w", kv, errdefs.ErrInvalidArgument)
		}
		out[k] = v
	}
	return out, nil
}

// mlistResolveAdd turns `manifest add`'s argument into a reference: an
// explicit transport wins; otherwise a local image by that name, else the
// registry (podman goes to the registry at once; looking locally first
// lets `manifest add list localimage` work, which podman users expect
// from `manifest create list localimage`).
func (s *Store) mlistResolveAdd(name string) (types.ImageReference, error) {
	if ref, err := s.mlistParseTransport(name); ref != nil || err != nil {
		return ref, err
	}
	if simg, _, err := s.lookup(name); err == nil {
		ref, err := istorage.Transport.NewStoreReference(s.store, nil, simg.ID)
		if err != nil {
			return nil, fmt.Errorf("creating storage reference for %s: %w", name, err)
		}
		return ref, nil
	}
	ref, err := docker.ParseReference("//" + name)
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %v: %w", name, err, errdefs.ErrInvalidArgument)
	}
	return ref, nil
}

// mlistParseRef is a push destination: a transport reference, or a
// registry reference.
func (s *Store) mlistParseRef(name string) (types.ImageReference, error) {
	if ref, err := s.mlistParseTransport(name); ref != nil || err != nil {
		return ref, err
	}
	ref, err := docker.ParseReference("//" + name)
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %v: %w", name, err, errdefs.ErrInvalidArgument)
	}
	return ref, nil
}

// mlistParseTransport parses "transport:reference" for the registered
// transports, and returns nil, nil when name has no known transport.
// containers-storage references always mean this store: the store
// specifier podman writes ("[overlay@/root+/run]") is dropped rather than
// opening a second store.
func (s *Store) mlistParseTransport(name string) (types.ImageReference, error) {
	tname, within, ok := strings.Cut(name, ":")
	if !ok {
		return nil, nil
	}
	if tname == istorage.Transport.Name() {
		ref, err := istorage.Transport.ParseStoreReference(s.store, within)
		if err != nil {
			return nil, fmt.Errorf("parsing %q: %v: %w", name, err, errdefs.ErrInvalidArgument)
		}
		return ref, nil
	}
	t := transports.Get(tname)
	if t == nil || (tname == docker.Transport.Name() && !strings.HasPrefix(within, "//")) {
		return nil, nil // "host:port/repo" or "name:tag": not a transport
	}
	ref, err := t.ParseReference(within)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %v: %w", name, err, errdefs.ErrInvalidArgument)
	}
	return ref, nil
}

// mlistSourceRef builds the copy source for a push: the storage reference
// of the list image (its transport and identity are what the signature
// policy sees) serving the list, with every instance read from where it
// was added.
func (s *Store) mlistSourceRef(l *mlist) (types.ImageReference, error) {
	base, err := istorage.Transport.NewStoreReference(s.store, nil, l.id)
	if err != nil {
		return nil, fmt.Errorf("creating storage reference for manifest list %s: %w", l.name, err)
	}
	blob, err := l.serialize()
	if err != nil {
		return nil, fmt.Errorf("encoding manifest list: %w", err)
	}
	r := &mlistRef{ImageReference: base, list: blob, instances: map[digest.Digest]types.ImageReference{}}
	for _, m := range l.manifests {
		name, ok := l.instances[m.Digest]
		if !ok {
			return nil, fmt.Errorf("manifest list %s does not record where instance %s is: %w", l.name, m.Digest, errdefs.ErrNotFound)
		}
		ref, err := s.mlistParseTransport(name)
		if err == nil && ref == nil {
			err = fmt.Errorf("unknown transport in %q: %w", name, errdefs.ErrInvalidArgument)
		}
		if err != nil {
			return nil, err
		}
		r.instances[m.Digest] = ref
	}
	return r, nil
}

// mlistRef is the push source of a list (what buildah calls a
// "supplemented" reference): the list image's storage reference, whose
// image sources serve the list and its instances.
type mlistRef struct {
	types.ImageReference
	list      []byte
	instances map[digest.Digest]types.ImageReference
}

func (r *mlistRef) NewImage(ctx context.Context, sys *types.SystemContext) (types.ImageCloser, error) {
	src, err := r.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return image.FromSource(ctx, sys, src)
}

// mlistInstance is where one instance is read: src, asked for inner
// (the instance digest when src is itself a list or keeps per-digest
// manifests, nil when src holds just that image).
type mlistInstance struct {
	src   types.ImageSource
	inner *digest.Digest
}

// mlistSource serves the list, the instances' manifests, and every blob
// from the source of the instance that references it.
type mlistSource struct {
	ref       *mlistRef
	sources   []types.ImageSource
	instances map[digest.Digest]mlistInstance
	blobs     map[digest.Digest]types.ImageSource
}

func (r *mlistRef) NewImageSource(ctx context.Context, sys *types.SystemContext) (_ types.ImageSource, err error) {
	s := &mlistSource{ref: r, instances: map[digest.Digest]mlistInstance{}, blobs: map[digest.Digest]types.ImageSource{}}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	opened := map[string]types.ImageSource{}
	for d, ref := range r.instances {
		name := transports.ImageName(ref)
		src := opened[name]
		if src == nil {
			if src, err = ref.NewImageSource(ctx, sys); err != nil {
				return nil, fmt.Errorf("reading instance %s from %s: %w", d, name, err)
			}
			opened[name] = src
			s.sources = append(s.sources, src)
		}
		inst, err := findInstance(ctx, src, d)
		if err != nil {
			return nil, fmt.Errorf("reading instance %s from %s: %w", d, name, err)
		}
		s.instances[d] = inst
		if err := s.indexBlobs(ctx, inst); err != nil {
			return nil, fmt.Errorf("reading instance %s from %s: %w", d, name, err)
		}
	}
	return s, nil
}

// findInstance asks src for the manifest by digest first (registries,
// storage and OCI layouts keep manifests by digest), then for its only
// manifest, and checks the digest: copy verifies it again and a stale
// source must fail here with a clear message.
func findInstance(ctx context.Context, src types.ImageSource, d digest.Digest) (mlistInstance, error) {
	if blob, _, err := src.GetManifest(ctx, &d); err == nil && manifestMatches(blob, d) {
		return mlistInstance{src: src, inner: &d}, nil
	}
	blob, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return mlistInstance{}, err
	}
	if !manifestMatches(blob, d) {
		return mlistInstance{}, fmt.Errorf("the image there no longer has manifest %s (it was changed after it was added): %w", d, errdefs.ErrNotFound)
	}
	return mlistInstance{src: src}, nil
}

func manifestMatches(blob []byte, d digest.Digest) bool {
	ok, err := manifest.MatchesDigest(blob, d)
	return err == nil && ok
}

func (s *mlistSource) indexBlobs(ctx context.Context, inst mlistInstance) error {
	blob, mtype, err := inst.src.GetManifest(ctx, inst.inner)
	if err != nil {
		return err
	}
	m, err := manifest.FromBlob(blob, mtype)
	if err != nil {
		return err
	}
	s.blobs[m.ConfigInfo().Digest] = inst.src
	for _, li := range m.LayerInfos() {
		s.blobs[li.Digest] = inst.src
	}
	// Storage serves layers by their uncompressed digests, which it
	// announces here; copy then asks for those.
	updated, err := inst.src.LayerInfosForCopy(ctx, inst.inner)
	if err != nil {
		return err
	}
	for _, li := range updated {
		s.blobs[li.Digest] = inst.src
	}
	return nil
}

func (s *mlistSource) Reference() types.ImageReference { return s.ref }

func (s *mlistSource) Close() error {
	var errs []error
	for _, src := range s.sources {
		errs = append(errs, src.Close())
	}
	return errors.Join(errs...)
}

func (s *mlistSource) GetManifest(ctx context.Context, d *digest.Digest) ([]byte, string, error) {
	if d == nil {
		return slices.Clone(s.ref.list), manifest.GuessMIMEType(s.ref.list), nil
	}
	inst, ok := s.instances[*d]
	if !ok {
		return nil, "", fmt.Errorf("manifest %s is not in the list: %w", *d, errdefs.ErrNotFound)
	}
	return inst.src.GetManifest(ctx, inst.inner)
}

func (s *mlistSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	src, ok := s.blobs[info.Digest]
	if !ok {
		return nil, -1, fmt.Errorf("blob %s is not referenced by any instance of the list: %w", info.Digest, errdefs.ErrNotFound)
	}
	return src.GetBlob(ctx, info, cache)
}

func (s *mlistSource) HasThreadSafeGetBlob() bool {
	for _, src := range s.sources {
		if !src.HasThreadSafeGetBlob() {
			return false
		}
	}
	return true
}

func (s *mlistSource) GetSignatures(ctx context.Context, d *digest.Digest) ([][]byte, error) {
	if d == nil {
		return nil, nil // pier does not sign lists
	}
	inst, ok := s.instances[*d]
	if !ok {
		return nil, fmt.Errorf("manifest %s is not in the list: %w", *d, errdefs.ErrNotFound)
	}
	return inst.src.GetSignatures(ctx, inst.inner)
}

func (s *mlistSource) LayerInfosForCopy(ctx context.Context, d *digest.Digest) ([]types.BlobInfo, error) {
	if d == nil {
		return nil, nil
	}
	inst, ok := s.instances[*d]
	if !ok {
		return nil, fmt.Errorf("manifest %s is not in the list: %w", *d, errdefs.ErrNotFound)
	}
	return inst.src.LayerInfosForCopy(ctx, inst.inner)
}
