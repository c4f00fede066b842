package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/shlex"
	"go.podman.io/storage/pkg/fileutils"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// RunlabelRequest is `container runlabel`: the command stored in an
// image label, with podman's substitutions.
type RunlabelRequest struct {
	Label, Image string
	Args         []string // appended to the label's command
	Name         string   // NAME substitution; default from the image name
	Opts         [3]string
	// Pull makes a missing image available (podman's --pull, default
	// true); nil means the image must be local.
	Pull *image.PullOptions
	// Replace removes the container the command names with --name, so
	// the command can create it again (not done for a display).
	Replace bool
}

// Runlabel is the command to run and its environment.
type Runlabel struct {
	Command []string
	Env     []string
}

// Runlabel resolves the label's command of an image. The caller runs it
// (or shows it); with Replace the container it names is removed first.
func (r *Runtime) Runlabel(ctx context.Context, req RunlabelRequest) (*Runlabel, error) {
	store, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	o := image.PullOptions{Policy: image.PullNever}
	if req.Pull != nil {
		o = *req.Pull
		o.Policy = image.PullMissing
	}
	img, err := store.Pull(ctx, req.Image, o)
	if err != nil {
		return nil, err
	}
	var value string
	for k, v := range img.Config.Config.Labels {
		if strings.EqualFold(k, req.Label) {
			value = v
			break
		}
	}
	if value == "" {
		return nil, errdefs.New(errdefs.ErrNotFound,
			fmt.Sprintf("cannot find the value of label: %s in image: %s", req.Label, req.Image))
	}
	imageName := img.ID
	if len(img.NamesHistory) > 0 {
		imageName = img.NamesHistory[0] // the newest name
	}
	cmd, env, err := runlabelCommand(value, imageName, runlabelName(req, img.ID, imageName), req)
	if err != nil {
		return nil, err
	}
	if req.Replace {
		if err := r.removeNamed(ctx, cmd); err != nil {
			return nil, err
		}
	}
	return &Runlabel{Command: cmd, Env: env}, nil
}

// runlabelName is --name, else the last path element of the name the user
// gave (or of the image's name when they gave an ID), without its tag.
func runlabelName(req RunlabelRequest, id, imageName string) string {
	if req.Name != "" {
		return req.Name
	}
	n := imageName
	if !strings.HasPrefix(id, req.Image) {
		n = req.Image
	}
	n = n[strings.LastIndex(n, "/")+1:]
	n, _, _ = strings.Cut(n, ":")
	return n
}

// removeNamed removes the container that cmd's --name names, if any.
func (r *Runtime) removeNamed(ctx context.Context, cmd []string) error {
	for i, a := range cmd {
		if a != "--name" || i+1 >= len(cmd) {
			continue
		}
		err := r.Remove(ctx, cmd[i+1], RemoveOptions{Force: true})
		if err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
			return fmt.Errorf("replacing container %s: %w", cmd[i+1], err)
		}
		return nil
	}
	return nil
}

// runlabelCommand is podman's expansion of a label: the user's args
// appended, NAME and IMAGE substituted, then $OPT1..3, $PWD and $HOME,
// split as a shell would; podman, docker and pier mean this program.
func runlabelCommand(label, imageName, name string, req RunlabelRequest) ([]string, []string, error) {
	if len(req.Args) > 0 {
		label += " " + strings.Join(req.Args, " ")
	}
	words, err := shlex.Split(label)
	if err != nil || len(words) == 0 {
		return nil, nil, fmt.Errorf("parsing label %s: %q: %v: %w", req.Label, label, err, errdefs.ErrInvalidArgument)
	}
	prog, err := runlabelProgram(words[0])
	if err != nil {
		return nil, nil, err
	}
	cmd := []string{prog}
	for _, w := range words[1:] {
		switch w {
		case "IMAGE=IMAGE":
			w = "IMAGE=" + imageName
		case "NAME=NAME":
			w = "NAME=" + name
		default:
			w = substituteWord(w, "NAME", name)
			w = substituteWord(w, "IMAGE", imageName)
		}
		cmd = append(cmd, w)
	}
	env := os.Environ()
	for i, v := range req.Opts {
		if v != "" {
			env = append(env, fmt.Sprintf("OPT%d=%s", i+1, v))
		}
	}
	env = append(env, "PODMAN_RUNLABEL_NESTED=1")
	expanded := os.Expand(strings.Join(cmd, " "), func(k string) string {
		switch k {
		case "OPT1", "OPT2", "OPT3":
			return req.Opts[k[3]-'1']
		case "PWD":
			d, _ := os.Getwd()
			return d
		case "HOME":
			h, _ := os.UserHomeDir()
			return h
		}
		return ""
	})
	cmd, err = shlex.Split(expanded)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing label %s: %v: %w", req.Label, err, errdefs.ErrInvalidArgument)
	}
	return cmd, env, nil
}

// substituteWord replaces the placeholder key (bare, $key, ${key}, or a
// trailing =key) in one word of the label.
func substituteWord(w, key, value string) string {
	if w == key {
		return value
	}
	w = strings.ReplaceAll(w, "$"+key, value)
	w = strings.ReplaceAll(w, "${"+key+"}", value)
	if strings.HasSuffix(w, "="+key) {
		w = strings.ReplaceAll(w, "="+key, "="+value)
	}
	return w
}

// runlabelProgram maps the label's program: podman, pier and docker run
// this program (/proc/self/exe); a path must exist.
func runlabelProgram(p string) (string, error) {
	if p == "podman" || p == "pier" || filepath.Base(p) == "docker" {
		p = "/proc/self/exe"
	}
	if !strings.Contains(p, "/") && !strings.HasPrefix(p, ".") {
		return p, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if err := fileutils.Exists(abs); errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return abs, nil
}
