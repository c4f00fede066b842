package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	buildahdefine "go.podman.io/buildah/define"
	buildahparse "go.podman.io/buildah/pkg/parse"

	"github.com/pier-engine/pier/internal/engine"
)

// BuildMode is kube play's --build: unset builds an image that is missing
// locally when a Containerfile for it exists, true always builds it, false
// never does.
type BuildMode int

const (
	BuildMissing BuildMode = iota
	BuildAlways
	BuildNever
)

// buildFile is the Containerfile (or Dockerfile) for image in dir/NAME,
// NAME being the image's last path component without tag or digest, as
// podman looks for it; "" when there is none.
func buildFile(image, dir string) (string, error) {
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, ":")
	for _, f := range []string{"Containerfile", "Dockerfile"} {
		p := filepath.Join(dir, name, f)
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return "", nil
}

// buildImages builds the images of a pod's containers that have a
// Containerfile under the context directory, per req.Build.
func buildImages(ctx context.Context, rt *engine.Runtime, req *PlayRequest, p *PodPlan) error {
	if req.Build == BuildNever {
		return nil
	}
	dir := req.ContextDir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return err
		}
	}
	images, err := rt.Images(ctx)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, c := range append(append([]*engine.CreateRequest{}, p.InitContainers...), p.Containers...) {
		if done[c.Image] {
			continue
		}
		done[c.Image] = true
		file, err := buildFile(c.Image, dir)
		if err != nil || file == "" {
			return err
		}
		if req.Build == BuildMissing {
			if ok, err := images.Exists(ctx, c.Image); err != nil || ok {
				return err
			}
		}
		if err := buildImage(ctx, rt, c.Image, file, req.Progress); err != nil {
			return err
		}
	}
	return nil
}

// buildImage builds file into image with buildah's defaults, as podman's
// kube play does.
func buildImage(ctx context.Context, rt *engine.Runtime, image, file string, progress io.Writer) error {
	iso, err := buildahparse.IsolationOption("")
	if err != nil {
		return err
	}
	if progress == nil {
		progress = io.Discard
	}
	o := buildahdefine.BuildOptions{
		ConfigureNetwork: buildahdefine.NetworkDefault, Isolation: iso,
		CommonBuildOpts: &buildahdefine.CommonBuildOptions{}, Output: image,
		ContextDirectory: filepath.Dir(file), ReportWriter: progress, Out: progress, Err: progress,
	}
	if _, err := rt.Build(ctx, engine.BuildRequest{Containerfiles: []string{file}, Options: o}); err != nil {
		return fmt.Errorf("building %s from %s: %w", image, file, err)
	}
	return nil
}
