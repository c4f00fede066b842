//go:build !pierslim

package image

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/tarball"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// Import makes an image of one layer from a root filesystem tarball
// (optionally compressed), as `podman import`. changes are Dockerfile-like
// instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER,
// VOLUME, WORKDIR); message becomes the history comment. Without ref the
// image is untagged; "name" is stored as localhost/name:latest.
//
// The tarball is untrusted: it is unpacked only by containers/storage,
// which keeps every entry (including "../" names and absolute symlinks)
// inside the new layer.
func (s *Store) Import(ctx context.Context, src io.Reader, ref string, changes []string, message string) (*Image, error) {
	ic, err := ConfigFromChanges(changes)
	if err != nil {
		return nil, err
	}
	var destName string
	if ref != "" {
		named, err := NormalizeName(ref)
		if err != nil {
			// podman tags the import, and its tag says it twice.
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "normalizing name %q: %w", ref, err)
		}
		destName = named.String()
	}
	file, cleanup, err := s.spool(src)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	srcRef, err := tarball.Transport.ParseReference(file)
	if err != nil {
		return nil, fmt.Errorf("opening tarball %s: %w", file, err)
	}
	updater, ok := srcRef.(tarball.ConfigUpdater)
	if !ok {
		return nil, fmt.Errorf("tarball reference cannot carry a configuration")
	}
	// The tarball transport writes one history entry per layer and takes
	// its comment from the first history entry given here, as podman does.
	cfg := ociv1.Image{Config: ic, History: []ociv1.History{{Comment: message}}}
	if err := updater.ConfigUpdate(cfg, map[string]string{}); err != nil {
		return nil, fmt.Errorf("setting image configuration: %w", err)
	}

	destRef, err := s.storageRef(ctx, destName, srcRef)
	if err != nil {
		return nil, err
	}
	id, err := s.copyImage(ctx, srcRef, destRef, false)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", file, err)
	}
	simg, err := s.store.Image(id)
	if err != nil {
		return nil, fmt.Errorf("reading imported image %s: %w", id, err)
	}
	if ref != "" {
		// podman tags the imported image, and records only that.
		s.event(id, ref, events.Tag)
	}
	return s.load(simg)
}

// storageRef is a destination in local storage: by name, or, for an image
// without name, by the ID it will get (its config digest, read from src;
// for a tarball this digests the file a second time, as podman does).
func (s *Store) storageRef(ctx context.Context, name string, src types.ImageReference) (types.ImageReference, error) {
	if name != "" {
		ref, err := istorage.Transport.ParseStoreReference(s.store, name)
		if err != nil {
			return nil, fmt.Errorf("creating storage reference for %s: %w", name, err)
		}
		return ref, nil
	}
	id, err := s.configDigest(ctx, src)
	if err != nil {
		return nil, err
	}
	ref, err := istorage.Transport.NewStoreReference(s.store, nil, id)
	if err != nil {
		return nil, fmt.Errorf("creating storage reference: %w", err)
	}
	return ref, nil
}

// configDigest is the image ID src will have once copied.
func (s *Store) configDigest(ctx context.Context, src types.ImageReference) (string, error) {
	is, err := src.NewImageSource(ctx, s.SystemContext())
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", transports.ImageName(src), err)
	}
	defer is.Close()
	img, err := image.FromUnparsedImage(ctx, s.SystemContext(), image.UnparsedInstance(is, nil))
	if err != nil {
		return "", fmt.Errorf("reading manifest of %s: %w", transports.ImageName(src), err)
	}
	return img.ConfigInfo().Digest.Encoded(), nil
}

// copyImage copies src to dest and returns the image ID, which is the
// digest of the configuration in the manifest that was written.
// destSys, when set, replaces the destination's system context.
func (s *Store) copyImage(ctx context.Context, src, dest types.ImageReference, verify bool, mods ...func(*copy.Options)) (string, error) {
	policy, err := localPolicy()
	if verify {
		policy, err = s.systemPolicy()
	}
	if err != nil {
		return "", err
	}
	defer func() { _ = policy.Destroy() }()
	opts := &copy.Options{
		ReportWriter:   progress(ctx),
		SourceCtx:      s.SystemContext(),
		DestinationCtx: s.SystemContext(),
	}
	for _, m := range mods {
		m(opts)
	}
	mblob, err := copy.Image(ctx, policy, dest, src, opts)
	if err != nil {
		return "", err
	}
	m, err := manifest.FromBlob(mblob, manifest.GuessMIMEType(mblob))
	if err != nil {
		return "", fmt.Errorf("parsing written manifest: %w", err)
	}
	return m.ConfigInfo().Digest.Encoded(), nil
}

// withDestSys makes a copy write with sys.
func withDestSys(sys *types.SystemContext) func(*copy.Options) {
	return func(o *copy.Options) { o.DestinationCtx = sys }
}

// spool gives a file path for r: the file itself when r is a regular file
// (so a tarball's mtime becomes the image's creation time, as in podman),
// else a copy in TmpDir (stdin, a download).
func (s *Store) spool(r io.Reader) (string, func(), error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return f.Name(), func() {}, nil
		}
	}
	f, err := os.CreateTemp(s.opts.TmpDir, "pier-spool-")
	if err != nil {
		return "", nil, fmt.Errorf("creating temporary file: %w", err)
	}
	cleanup := func() { _ = os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		cleanup()
		return "", nil, fmt.Errorf("reading input into %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	return f.Name(), cleanup, nil
}

// ConfigFromChanges applies Dockerfile-like instructions to an empty image
// configuration, with podman's syntax: "INSTRUCTION args" or
// "INSTRUCTION=args".
func ConfigFromChanges(changes []string) (ociv1.ImageConfig, error) {
	var c ociv1.ImageConfig
	for _, ch := range changes {
		instr, args, ok := strings.Cut(strings.TrimSpace(ch), " ")
		if i := strings.IndexAny(ch, " ="); i >= 0 && ch[i] == '=' {
			instr, args, ok = strings.Cut(ch, "=")
		}
		args = strings.TrimSpace(args)
		if !ok || args == "" {
			return c, fmt.Errorf("invalid change %q: must be formatted as INSTRUCTION ARGS: %w", ch, errdefs.ErrInvalidArgument)
		}
		if err := applyChange(&c, strings.ToUpper(instr), args); err != nil {
			return c, fmt.Errorf("invalid change %q: %w", ch, err)
		}
	}
	return c, nil
}

func applyChange(c *ociv1.ImageConfig, instr, args string) error {
	switch instr {
	case "CMD":
		c.Cmd = commandArgs(args)
	case "ENTRYPOINT":
		c.Entrypoint = commandArgs(args)
	case "ENV":
		for _, kv := range keyValues(args) {
			key, _, _ := strings.Cut(kv, "=")
			c.Env = setEnv(c.Env, key, kv)
		}
	case "LABEL":
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for _, kv := range keyValues(args) {
			k, v, _ := strings.Cut(kv, "=")
			c.Labels[k] = v
		}
	case "EXPOSE":
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range strings.Fields(args) {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			c.ExposedPorts[p] = struct{}{}
		}
	case "VOLUME":
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		var vols []string
		if json.Unmarshal([]byte(args), &vols) != nil {
			vols = strings.Fields(args)
		}
		for _, v := range vols {
			c.Volumes[v] = struct{}{}
		}
	case "WORKDIR":
		// A relative WORKDIR is relative to the previous one, as in a
		// Dockerfile.
		if !path.IsAbs(args) {
			args = path.Join("/", c.WorkingDir, args)
		}
		c.WorkingDir = args
	case "USER":
		c.User = args
	case "STOPSIGNAL":
		c.StopSignal = args
	default:
		return fmt.Errorf("unsupported instruction %q: %w", instr, errdefs.ErrInvalidArgument)
	}
	return nil
}

// commandArgs reads the JSON (exec) form, else the shell form.
func commandArgs(args string) []string {
	var v []string
	if strings.HasPrefix(args, "[") && json.Unmarshal([]byte(args), &v) == nil {
		return v
	}
	return []string{"/bin/sh", "-c", args}
}

// keyValues splits "k=v k2=\"v 2\"" or the legacy "k v" into k=v items,
// dropping the quotes around values.
func keyValues(args string) []string {
	if k, v, ok := strings.Cut(args, " "); ok && !strings.Contains(k, "=") {
		return []string{k + "=" + unquote(strings.TrimSpace(v))}
	}
	var out []string
	for _, f := range splitQuoted(args) {
		k, v, _ := strings.Cut(f, "=")
		out = append(out, unquote(k)+"="+unquote(v))
	}
	return out
}

// splitQuoted splits on spaces outside double quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			cur.WriteByte(ch)
			i++
			cur.WriteByte(s[i])
		case ch == '"':
			inQuote = !inQuote
			cur.WriteByte(ch)
		case ch == ' ' && !inQuote:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

func setEnv(env []string, key, kv string) []string {
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}
