//go:build !pierslim

package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"go.podman.io/buildah"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/signature"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/configfile"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Commit makes an image of a container's filesystem over its image, with
// buildah as podman does, and returns the new image's ID. dest may be
// empty (an untagged image); a short name gets "localhost/".
func (s *Store) Commit(ctx context.Context, containerID, dest string, o CommitOptions) (string, error) {
	mime, err := CommitFormat(o.Format)
	if err != nil {
		return "", err
	}
	if o.Message != "" && mime == buildah.OCIv1ImageManifest {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "messages are only compatible with the docker image format (-f docker)")
	}
	override, err := decodeOverrideConfig(o.Config)
	if err != nil {
		return "", err
	}
	var ref types.ImageReference
	if dest != "" {
		name, err := s.commitName(dest)
		if err != nil {
			return "", err
		}
		if ref, err = is.Transport.ParseStoreReference(s.store, name); err != nil {
			return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "parsing target image name %q: %w", dest, err)
		}
	}
	policy, cleanup, err := s.commitPolicy()
	if err != nil {
		return "", err
	}
	defer cleanup()
	b, err := buildah.ImportBuilder(ctx, s.store, buildah.ImportOptions{Container: containerID, SignaturePolicyPath: policy})
	if err != nil {
		return "", err
	}
	b.Format = mime
	applyContainerConfig(b, &o)
	id, _, _, err := b.Commit(ctx, ref, buildah.CommitOptions{
		PreferredManifestType: mime,
		ReportWriter:          o.Report,
		SystemContext:         s.sys,
		SignaturePolicyPath:   policy,
		Squash:                o.Squash,
		OverrideChanges:       DecodeChanges(o.Changes),
		OverrideConfig:        override,
	})
	if err != nil {
		return "", err // buildah names the container and the step
	}
	return id, nil
}

// applyContainerConfig copies the container's settings into the image
// config as podman's commit does; --change instructions apply after.
func applyContainerConfig(b *buildah.Builder, o *CommitOptions) {
	if o.Author != "" {
		b.SetMaintainer(o.Author)
	}
	if o.Message != "" {
		b.SetComment(o.Message)
	}
	// The entrypoint first: setting it clears the command.
	b.SetEntrypoint(o.Entrypoint)
	b.SetCmd(o.Cmd)
	for _, e := range o.Env {
		k, v, _ := strings.Cut(e, "=")
		b.SetEnv(k, v)
	}
	for k, v := range o.Labels {
		b.SetLabel(k, v)
	}
	if o.User != "" {
		b.SetUser(o.User)
	}
	for _, v := range o.Volumes {
		b.AddVolume(v)
	}
	b.SetWorkDir(o.WorkingDir)
}

// commitName is the storage name of commit's target: a short name gets
// "localhost/" and a missing tag ":latest", as podman resolves it.
func (s *Store) commitName(dest string) (string, error) {
	if _, err := reference.Parse(dest); err != nil {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "parsing reference %q: %v", dest, err)
	}
	named, err := NormalizeName(dest)
	if err != nil {
		return "", err
	}
	return named.String(), nil
}

// commitPolicy is the signature policy file the commit's copy checks:
// the host's, or, on a host without one (no containers-common), a
// temporary accept-anything policy, as for import: the copy is from local
// storage to local storage.
func (s *Store) commitPolicy() (string, func(), error) {
	if _, err := signature.DefaultPolicy(s.sys); err == nil {
		return s.sys.SignaturePolicyPath, func() {}, nil
	} else if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, configfile.ErrConfigFileNotFound) {
		return "", nil, fmt.Errorf("reading signature policy: %w", err)
	}
	f, err := os.CreateTemp(s.sys.BigFilesTemporaryDir, "policy-*.json")
	if err != nil {
		return "", nil, fmt.Errorf("writing a local signature policy: %w", err)
	}
	defer f.Close()
	cleanup := func() { _ = os.Remove(f.Name()) }
	if _, err := f.WriteString(`{"default":[{"type":"insecureAcceptAnything"}]}`); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("writing a local signature policy: %w", err)
	}
	return f.Name(), cleanup, nil
}

// decodeOverrideConfig reads --config's JSON; an empty document is an
// empty override, as podman.
func decodeOverrideConfig(b []byte) (*manifest.Schema2Config, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var c manifest.Schema2Config
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%w", err)
	}
	return &c, nil
}

// DecodeChanges turns --change values into Dockerfile instructions:
// podman documents "CMD=/bin/sh", which is not Dockerfile syntax, and a
// value may hold several lines.
func DecodeChanges(changes []string) []string {
	out := make([]string, 0, len(changes))
	for _, multi := range changes {
		for _, c := range strings.Split(multi, "\n") {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			eq := strings.Index(c, "=")
			sp := strings.IndexFunc(c, unicode.IsSpace)
			if eq != -1 && (sp == -1 || eq < sp) {
				c = c[:eq] + " " + c[eq+1:]
			}
			out = append(out, c)
		}
	}
	return out
}
