package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	digest "github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// Image is a local image with its configuration, read from storage.
type Image struct {
	ID    string
	Names []string // full names, e.g. docker.io/library/busybox:latest
	// Resolved is the one of Names a lookup by name found it by (podman
	// names a container's image so); empty when found by ID.
	Resolved     string
	NamesHistory []string
	Digest       string   // manifest digest
	Digests      []string // all manifest digests the image is known by
	Created      time.Time
	Size         int64
	TopLayer     string
	ReadOnly     bool
	// Containers counts the storage containers using the image (set by
	// List and Inspect).
	Containers   int
	ManifestType string
	Annotations  map[string]string // manifest annotations
	// Config is the full OCI configuration (Docker configs are read into
	// the same shape: the JSON keys coincide).
	Config ociv1.Image
	// Docker-only configuration fields, kept for inspect and healthchecks.
	Comment       string
	DockerVersion string
	Healthcheck   *manifest.Schema2HealthConfig
}

// Dangling reports an image without names, as podman's dangling=true.
func (i *Image) Dangling() bool { return len(i.Names) == 0 }

// RepoTags are the names carrying a tag (not the name@digest ones).
func (i *Image) RepoTags() []string {
	var tags []string
	for _, n := range i.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		if _, ok := named.(reference.NamedTagged); ok {
			tags = append(tags, n)
		}
	}
	return tags
}

// RepoDigests are repository@digest for every repository and digest of the
// image, as podman computes them.
func (i *Image) RepoDigests() []string {
	var out []string
	for _, n := range i.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		for _, d := range i.Digests {
			rd := named.Name() + "@" + d
			if !slices.Contains(out, rd) {
				out = append(out, rd)
			}
		}
	}
	return out
}

// notKnownError reads exactly as podman's "busybox: image not known" and
// is a define.ErrNoSuchImage for errors.Is.
type notKnownError struct{ name string }

func (e *notKnownError) Error() string { return e.name + ": image not known" }
func (e *notKnownError) Unwrap() error { return define.ErrNoSuchImage }

func errNotKnown(name string) error { return &notKnownError{name: name} }

var fullIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-f0-9]{64}$`) })

// Lookup resolves a user reference as podman does: a full ID (optionally
// "sha256:"-prefixed), then the short-name candidates ("name" ->
// localhost/name:latest, the unqualified-search registries of
// registries.conf, docker.io/library/name:latest), then an ID prefix or an
// exact stored name, then a repository-suffix match ("busybox" finds
// quay.io/x/busybox:latest).
func (s *Store) Lookup(ctx context.Context, ref string) (*Image, error) {
	simg, name, err := s.lookup(ref)
	if err != nil {
		return nil, err
	}
	img, err := s.load(simg)
	if err == nil {
		img.resolvedBy(name)
	}
	return img, err
}

// resolvedBy records name as Resolved when it is one of the image's names
// (not an ID, not a partial name).
func (i *Image) resolvedBy(name string) {
	if slices.Contains(i.Names, name) {
		i.Resolved = name
	}
}

// Exists reports whether ref resolves to a local image.
func (s *Store) Exists(ctx context.Context, ref string) (bool, error) {
	_, _, err := s.lookup(ref)
	if errors.Is(err, define.ErrNoSuchImage) {
		return false, nil
	}
	return err == nil, err
}

// lookup returns the storage image and the name it was resolved by (the
// ID when found by ID), which save uses as the archive's tag.
func (s *Store) lookup(ref string) (*storage.Image, string, error) {
	if ref == "" {
		return nil, "", fmt.Errorf("empty image reference: %w", errdefs.ErrInvalidArgument)
	}
	if id := strings.TrimPrefix(ref, "sha256:"); fullIDRe().MatchString(id) {
		if img, err := s.store.Image(id); err == nil {
			return img, id, nil
		}
		return nil, "", errNotKnown(ref)
	}
	if strings.HasPrefix(ref, "sha256:") {
		// A truncated "sha256:" ID: only an ID prefix can match.
		if img, err := s.byIDPrefix(strings.TrimPrefix(ref, "sha256:")); err == nil {
			return img, img.ID, nil
		}
		return nil, "", errNotKnown(ref)
	}
	candidates, err := s.resolveLocally(ref)
	if err == nil {
		if named, err := reference.ParseDockerRef(ref); err == nil {
			candidates = append(candidates, named)
		}
		for _, c := range candidates {
			img, err := s.byName(c)
			if err != nil {
				return nil, "", err
			}
			if img != nil {
				return img, c.String(), nil
			}
		}
	}
	if img, err := s.byIDPrefix(ref); err == nil {
		return img, img.ID, nil
	}
	if img, err := s.store.Image(ref); err == nil {
		return img, ref, nil
	}
	if img, name := s.bySuffix(ref); img != nil {
		return img, name, nil
	}
	return nil, "", errNotKnown(ref)
}

var hexRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-f0-9]+$`) })

func (s *Store) byIDPrefix(prefix string) (*storage.Image, error) {
	if !hexRe().MatchString(prefix) {
		return nil, storage.ErrImageUnknown
	}
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	var found *storage.Image
	for i := range imgs {
		if strings.HasPrefix(imgs[i].ID, prefix) {
			if found != nil {
				return nil, fmt.Errorf("%s: %w", prefix, define.ErrAmbiguous)
			}
			found = &imgs[i]
		}
	}
	if found == nil {
		return nil, storage.ErrImageUnknown
	}
	return found, nil
}

// byName finds an image by a normalized name. A digested name matches an
// image that has the repository and that manifest digest.
func (s *Store) byName(named reference.Named) (*storage.Image, error) {
	dg, isDigested := named.(reference.Digested)
	if !isDigested {
		img, err := s.store.Image(named.String())
		if errors.Is(err, storage.ErrImageUnknown) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("looking up %s: %w", named, err)
		}
		return img, nil
	}
	imgs, err := s.store.ImagesByDigest(dg.Digest())
	if err != nil && !errors.Is(err, storage.ErrImageUnknown) {
		return nil, fmt.Errorf("looking up %s: %w", named, err)
	}
	for _, img := range imgs {
		for _, n := range img.Names {
			if nn, err := reference.ParseNormalizedNamed(n); err == nil && nn.Name() == named.Name() {
				return img, nil
			}
		}
	}
	return nil, nil
}

// bySuffix is podman's last resort for short names: "busybox" or
// "x/busybox:1" match any stored name whose path ends with it.
func (s *Store) bySuffix(ref string) (*storage.Image, string) {
	isShort, _, err := parseShortName(ref)
	if err != nil || !isShort {
		return nil, ""
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, ""
	}
	var want digest.Digest
	if d, ok := named.(reference.Digested); ok {
		want = d.Digest()
		named = reference.TrimNamed(named)
	}
	tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, ""
	}
	path := reference.Path(named)
	path = strings.TrimPrefix(path, "library/")
	imgs, err := s.store.Images()
	if err != nil {
		return nil, ""
	}
	for i := range imgs {
		if want != "" && !slices.Contains(imgs[i].Digests, want) {
			continue
		}
		for _, n := range imgs[i].Names {
			nn, err := reference.ParseNormalizedNamed(n)
			if err != nil {
				continue
			}
			nt, ok := nn.(reference.NamedTagged)
			if !ok || nt.Tag() != tagged.Tag() {
				continue
			}
			if strings.HasSuffix(nn.Name(), "/"+path) {
				return &imgs[i], n
			}
		}
	}
	return nil, ""
}

// load reads an image's manifest and configuration from storage. Reading
// the big-data items directly is much cheaper than opening a
// containers/image source per image, which matters for `images`.
func (s *Store) load(simg *storage.Image) (*Image, error) {
	img := &Image{
		ID:           simg.ID,
		Names:        slices.Clone(simg.Names),
		NamesHistory: slices.Clone(simg.NamesHistory),
		Digest:       simg.Digest.String(),
		Created:      simg.Created,
		TopLayer:     simg.TopLayer,
		ReadOnly:     simg.ReadOnly,
	}
	for _, d := range simg.Digests {
		img.Digests = append(img.Digests, d.String())
	}
	if img.Digest == "" && len(img.Digests) > 0 {
		img.Digest = img.Digests[0]
	}
	size, err := s.store.ImageSize(simg.ID)
	if err != nil {
		return nil, fmt.Errorf("computing size of image %s: %w", simg.ID, err)
	}
	img.Size = size
	if simg.TopLayer == "" {
		// A manifest list made by `manifest create` has no layers and no
		// stored instances: list it as a row of its own, as podman does.
		if b, err := s.store.ImageBigData(simg.ID, storage.ImageDigestBigDataKey); err == nil {
			if t := manifest.GuessMIMEType(b); manifest.MIMETypeIsMultiImage(t) {
				img.ManifestType = t
				return img, nil
			}
		}
	}
	mblob, mtype, err := s.manifest(simg)
	if err != nil {
		return nil, err
	}
	img.ManifestType = mtype
	m, err := manifest.FromBlob(mblob, mtype)
	if err != nil {
		return nil, fmt.Errorf("parsing manifest of image %s: %w", simg.ID, err)
	}
	if oci, ok := m.(*manifest.OCI1); ok {
		img.Annotations = oci.Annotations
	}
	cfgDigest := m.ConfigInfo().Digest
	if cfgDigest == "" {
		return img, nil // schema1: no config blob to read
	}
	cblob, err := s.store.ImageBigData(simg.ID, cfgDigest.String())
	if err != nil {
		return nil, fmt.Errorf("reading configuration of image %s: %w", simg.ID, err)
	}
	if err := json.Unmarshal(cblob, &img.Config); err != nil {
		return nil, fmt.Errorf("parsing configuration of image %s: %w", simg.ID, err)
	}
	if mtype == manifest.DockerV2Schema2MediaType {
		var d struct {
			Comment       string `json:"comment"`
			DockerVersion string `json:"docker_version"`
			Config        struct {
				Healthcheck *manifest.Schema2HealthConfig `json:"Healthcheck"`
			} `json:"config"`
		}
		if json.Unmarshal(cblob, &d) == nil {
			img.Comment, img.DockerVersion, img.Healthcheck = d.Comment, d.DockerVersion, d.Config.Healthcheck
		}
	}
	return img, nil
}

// manifest returns the per-platform manifest of an image. Images pulled from
// a list keep the list as the top-level manifest; pick the instance the
// image was stored for.
func (s *Store) manifest(simg *storage.Image) ([]byte, string, error) {
	var blob []byte
	var err error
	if simg.Digest != "" {
		blob, err = s.store.ImageBigData(simg.ID, storage.ImageDigestManifestBigDataNamePrefix+"-"+simg.Digest.String())
	}
	if blob == nil {
		blob, err = s.store.ImageBigData(simg.ID, storage.ImageDigestBigDataKey)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest of image %s: %w", simg.ID, err)
	}
	mtype := manifest.GuessMIMEType(blob)
	if !manifest.MIMETypeIsMultiImage(mtype) {
		return blob, mtype, nil
	}
	// containers/image stores the instance it pulled under the plain
	// "manifest" key; that is the right one even when it was pulled for
	// another platform (--platform), where choosing from the list for
	// the host would name an instance that is not stored.
	if inst, err := s.store.ImageBigData(simg.ID, storage.ImageDigestBigDataKey); err == nil {
		if t := manifest.GuessMIMEType(inst); !manifest.MIMETypeIsMultiImage(t) {
			return inst, t, nil
		}
	}
	list, err := manifest.ListFromBlob(blob, mtype)
	if err != nil {
		return nil, "", fmt.Errorf("parsing manifest list of image %s: %w", simg.ID, err)
	}
	inst, err := list.ChooseInstance(s.sys)
	if err != nil {
		return nil, "", fmt.Errorf("choosing instance of image %s: %w", simg.ID, err)
	}
	blob, err = s.store.ImageBigData(simg.ID, storage.ImageDigestManifestBigDataNamePrefix+"-"+inst.String())
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest of image %s: %w", simg.ID, err)
	}
	return blob, manifest.GuessMIMEType(blob), nil
}

// NormalizeName turns a user-given name into the stored form, as podman:
// a name without registry gets "localhost/", docker.io names get
// "library/" where due, and ":latest" is added when no tag or digest.
func NormalizeName(name string) (reference.Named, error) {
	ref, err := reference.Parse(name)
	if err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "normalizing name %q: %w", name, err)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%q is not a named reference", name)
	}
	if reg := reference.Domain(named); !strings.ContainsAny(reg, ".:") && reg != "localhost" {
		name = "localhost/" + name
	}
	named, err = reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%w", err)
	}
	if _, ok := named.(reference.NamedTagged); ok {
		if d, ok := named.(reference.Digested); ok {
			// name:tag@digest: the digest wins, as in podman.
			return reference.WithDigest(reference.TrimNamed(named), d.Digest())
		}
		return named, nil
	}
	if _, ok := named.(reference.Digested); ok {
		return named, nil
	}
	return reference.TagNameOnly(named), nil
}

// parseShortName reports whether input lacks a registry, as
// containers/image's shortnames package decides (which pier cannot import:
// it pulls in an interactive prompt library).
func parseShortName(input string) (bool, reference.Named, error) {
	ref, err := reference.Parse(input)
	if err != nil {
		return false, nil, err
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return false, nil, fmt.Errorf("%q is not a named reference", input)
	}
	if reg := reference.Domain(named); strings.ContainsAny(reg, ".:") || reg == "localhost" {
		named, err = reference.ParseNormalizedNamed(input)
		return false, named, err
	}
	return true, named, nil
}

// resolveLocally lists the names a short name may mean locally, in
// podman's order: a registries.conf alias, localhost/, then the
// unqualified-search registries. A full name is its only candidate.
func (s *Store) resolveLocally(name string) ([]reference.Named, error) {
	isShort, named, err := parseShortName(name)
	if err != nil {
		return nil, err
	}
	if !isShort {
		return []reference.Named{reference.TagNameOnly(named)}, nil
	}
	// Aliases are keyed by the bare repository; re-add tag and digest.
	repo := reference.TrimNamed(named)
	var cands []reference.Named
	add := func(base reference.Named) {
		var err error
		if t, ok := named.(reference.Tagged); ok {
			if base, err = reference.WithTag(base, t.Tag()); err != nil {
				return
			}
		}
		if d, ok := named.(reference.Digested); ok {
			if base, err = reference.WithDigest(base, d.Digest()); err != nil {
				return
			}
		}
		cands = append(cands, reference.TagNameOnly(base))
	}
	if alias, _, err := sysregistriesv2.ResolveShortNameAlias(s.sys, repo.String()); err == nil && alias != nil {
		add(alias)
	}
	registries, err := sysregistriesv2.UnqualifiedSearchRegistries(s.sys)
	if err != nil {
		return nil, fmt.Errorf("reading registries.conf: %w", err)
	}
	for _, reg := range append([]string{"localhost"}, registries...) {
		if base, err := reference.ParseNormalizedNamed(reg + "/" + repo.String()); err == nil {
			add(base)
		}
	}
	return cands, nil
}
