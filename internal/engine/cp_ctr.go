package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/buildah/copier"
	"go.podman.io/storage/pkg/idtools"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// ctrFS is a container's filesystem opened for cp. Every access goes
// through buildah's copier, which works chrooted into root: a symlink in
// the container resolves inside it, even one swapped in during the copy.
type ctrFS struct {
	name    string // as the user gave it, for messages
	ctr     *define.Container
	root    string
	running bool // root is the running container's view, its mounts included
	release func()
}

// openCtrFS opens the container's filesystem: a running container's as
// its processes see it (/proc/PID/root, so its tmpfs and bind mounts are
// reached, as podman does through the container's mount namespace),
// otherwise its storage, mounted for the copy.
func (r *Runtime) openCtrFS(ctx context.Context, nameOrID string) (*ctrFS, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil, errdefs.New(define.ErrNoSuchCtr, fmt.Sprintf("container %q does not exist", nameOrID))
	}
	if err != nil {
		return nil, err
	}
	f := &ctrFS{name: nameOrID, ctr: c, release: func() {}}
	if c.State.Running() && c.State.PID > 0 {
		f.root, f.running = "/proc/"+strconv.Itoa(c.State.PID)+"/root", true
		return f, nil
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	if c.Config.Rootfs != "" {
		if f.root, f.release, err = rootfsForCopy(ctx, images, c); err != nil {
			return nil, err
		}
		return f, nil
	}
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return nil, fmt.Errorf("creating storage for container %s: %w", c.Config.Name, err)
	}
	if f.root, err = images.Mount(c.Config.ID); err != nil {
		return nil, fmt.Errorf("mounting container %s: %w", c.Config.Name, err)
	}
	f.release = func() { _ = images.UnmountOnce(c.Config.ID, false) }
	return f, nil
}

// cpInfo is what cp needs to know of a path on either side.
type cpInfo struct {
	IsDir, IsRegular bool
	// Path is the path to copy: absolute, symlinks evaluated (in the
	// container: inside its root), with the user's trailing "/" or "/.".
	Path string
}

// abs makes p absolute against the container's working directory.
func (f *ctrFS) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join("/", f.ctr.Config.WorkingDir, p)
}

// stat resolves p inside the container (symlinks stay inside its root)
// and describes it. A missing path wraps ENOENT.
func (f *ctrFS) stat(p string) (*cpInfo, error) {
	abs := f.abs(p)
	if abs == "/" {
		abs, p = "/.", "/." // the root's contents, not a directory named "/"
	}
	host, err := securejoin.SecureJoin(f.root, abs)
	if err != nil {
		return nil, fmt.Errorf("resolving %q in container %s: %w", p, f.name, err)
	}
	rel, err := filepath.Rel(f.root, host)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("resolving %q in container %s: outside its root", p, f.name)
	}
	root, inRoot := f.locate("/" + rel)
	st, err := statIn(root, inRoot)
	if err != nil {
		return nil, err
	}
	return &cpInfo{IsDir: st.IsDir, IsRegular: st.IsRegular, Path: preserveBasePath(p, filepath.Join("/", rel))}, nil
}

// locate finds which filesystem holds the container path p: for a stopped
// container, a bind mount or volume mounted over it (the storage under it
// is hidden while the container runs), as podman does; else the root.
// It returns that filesystem's root and p relative to it.
func (f *ctrFS) locate(p string) (root, rel string) {
	clean := filepath.Clean(p)
	best := ""
	if !f.running {
		for _, m := range f.ctr.Config.Mounts {
			d := filepath.Clean(m.Destination)
			if m.Source == "" || (m.Type != "bind" && m.Type != "volume") || len(d) <= len(best) {
				continue
			}
			if clean == d || strings.HasPrefix(clean, d+"/") {
				best, root = d, m.Source
			}
		}
	}
	if best == "" {
		root, best = f.root, "/"
	}
	rel, _ = filepath.Rel(best, clean)
	if strings.HasSuffix(p, "/.") && rel != "." {
		rel += "/." // a directory's contents, not the directory
	}
	return root, rel
}

func statIn(root, rel string) (*copier.StatForItem, error) {
	globs, err := copier.Stat(root, "", copier.StatOptions{DisallowWildcard: true}, []string{rel})
	if err != nil {
		return nil, err
	}
	if len(globs) != 1 {
		return nil, fmt.Errorf("stat of %q: %d results", rel, len(globs))
	}
	if globs[0].Error != "" {
		if strings.Contains(globs[0].Error, "no such file or directory") {
			return nil, syscall.ENOENT
		}
		return nil, errors.New(globs[0].Error)
	}
	st, ok := globs[0].Results[rel]
	if !ok {
		return nil, syscall.ENOENT
	}
	return st, nil
}

// user is the container's user and group IDs, which own what cp writes
// into it (--archive).
func (f *ctrFS) user() (*idtools.IDPair, error) {
	u, _, err := specgen.ResolveUser(f.root, f.ctr.Config.User)
	if err != nil {
		return nil, err
	}
	return &idtools.IDPair{UID: int(u.UID), GID: int(u.GID)}, nil
}

// get writes a tar of the container path p (from stat) to w.
func (f *ctrFS) get(info *cpInfo, rename map[string]string, w io.Writer) error {
	opts := copier.GetOptions{
		// Unless the path ends in ".", the directory itself is copied.
		KeepDirectoryNames: info.IsDir && filepath.Base(info.Path) != ".",
		Rename:             rename,
		DisallowWildcard:   true,
	}
	if info.Path == "/." || info.Path == "/" {
		opts.Excludes = []string{"dev", "proc", "sys"}
	}
	root, rel := f.locate(info.Path)
	if err := copier.Get(root, "", opts, []string{rel}, w); err != nil {
		return fmt.Errorf("copying from container: %w", err)
	}
	return nil
}

// put extracts the tar stream into the container directory dir.
func (f *ctrFS) put(dir string, chown, noOverwrite bool, rename map[string]string, rd io.Reader) error {
	opts := copier.PutOptions{
		NoOverwriteDirNonDir: noOverwrite, NoOverwriteNonDirDir: noOverwrite,
		Rename: rename, IgnoreDevices: true,
	}
	if chown {
		id, err := f.user()
		if err != nil {
			return err
		}
		opts.ChownDirs, opts.ChownFiles = id, id
	}
	// copier takes an absolute directory as a path under root.
	root, rel := f.locate(dir)
	if err := copier.Put(root, filepath.Join(root, rel), opts, rd); err != nil {
		return fmt.Errorf("copying to container: %w", err)
	}
	return nil
}

// preserveBasePath keeps the user's trailing "/" or "/." on a resolved
// path: they decide whether a directory or its contents is copied.
func preserveBasePath(original, resolved string) string {
	switch {
	case strings.HasSuffix(original, "/"):
		if !strings.HasSuffix(resolved, "/") {
			resolved += "/"
		}
	case strings.HasSuffix(original, "/."):
		if strings.HasSuffix(resolved, "/") {
			resolved += "."
		} else if !strings.HasSuffix(resolved, "/.") {
			resolved += "/."
		}
	}
	return resolved
}
