package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/buildah/copier"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/idtools"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// CopyOptions is one `cp`: a container side (Container set) and a host
// side, or two containers. A host path "-" is Stdin (a tar stream, maybe
// compressed) as the source, Stdout (a tar stream) as the destination.
type CopyOptions struct {
	SrcContainer, SrcPath string
	DstContainer, DstPath string
	Chown                 bool // --archive: what lands in a container belongs to its user
	Overwrite             bool // replace a directory by a non-directory and back
	Stdin                 io.Reader
	Stdout                io.Writer
}

// Copy copies between a container and the host, or two containers, with
// podman's path rules: a missing destination is created under its parent
// (a file or directory renamed to it), a trailing "/." copies a
// directory's contents, a trailing "/" must name an existing directory.
func (r *Runtime) Copy(ctx context.Context, o CopyOptions) error {
	image.UseCopierHelper()
	switch {
	case o.SrcContainer != "" && o.DstContainer != "":
		return r.copyCtrToCtr(ctx, o)
	case o.SrcContainer != "":
		return r.copyFromCtr(ctx, o)
	case o.DstContainer != "":
		return r.copyToCtr(ctx, o)
	}
	return errdefs.New(errdefs.ErrInvalidArgument, "name or ID cannot be empty")
}

func (r *Runtime) copyFromCtr(ctx context.Context, o CopyOptions) error {
	src, err := r.openCtrFS(ctx, o.SrcContainer)
	if err != nil {
		return err
	}
	defer src.release()
	info, err := src.stat(o.SrcPath)
	if err != nil {
		return fmt.Errorf("%q could not be found on container %s: %w", o.SrcPath, o.SrcContainer, err)
	}
	if o.DstPath == "-" {
		return src.get(info, nil, o.Stdout)
	}
	host, err := resolveHostPath(o.DstPath)
	baseName, toParent := "", false
	if err != nil {
		if strings.HasSuffix(o.DstPath, "/") {
			return fmt.Errorf("%q could not be found on the host: %w", o.DstPath, err)
		}
		var perr error
		if host, perr = resolveHostPath(filepath.Dir(o.DstPath)); perr != nil {
			return fmt.Errorf("%q could not be found on the host: %w", o.DstPath, err)
		}
		baseName, toParent = filepath.Base(o.DstPath), true
	} else {
		baseName = filepath.Base(host.Path)
	}
	if !host.IsDir && !host.IsRegular {
		return fmt.Errorf("invalid destination: %q must be a directory or a regular file", host.Path)
	}
	if toParent && info.IsDir && strings.HasSuffix(info.Path, ".") {
		info.Path = filepath.Dir(info.Path)
	}
	if info.IsDir && !host.IsDir {
		return errors.New("destination must be a directory when copying a directory")
	}
	dir := host.Path
	if !host.IsDir {
		dir = filepath.Dir(dir)
	}
	me := &idtools.IDPair{UID: os.Getuid(), GID: os.Getgid()}
	opts := copier.PutOptions{
		ChownDirs: me, ChownFiles: me, IgnoreDevices: true,
		NoOverwriteDirNonDir: !o.Overwrite, NoOverwriteNonDirDir: !o.Overwrite,
	}
	if (!info.IsDir && !host.IsDir) || toParent {
		opts.Rename = map[string]string{filepath.Base(info.Path): baseName}
	}
	return pipeCopy(
		func(w io.Writer) error { return src.get(info, nil, w) },
		func(rd io.Reader) error {
			if err := copier.Put(dir, "", opts, rd); err != nil {
				return fmt.Errorf("copying to host: %w", err)
			}
			return nil
		})
}

func (r *Runtime) copyToCtr(ctx context.Context, o CopyOptions) error {
	dst, err := r.openCtrFS(ctx, o.DstContainer)
	if err != nil {
		return err
	}
	defer dst.release()
	isStdin := o.SrcPath == "-"
	host := &cpInfo{}
	if !isStdin {
		if host, err = resolveHostPath(o.SrcPath); err != nil {
			return fmt.Errorf("%q could not be found on the host: %w", o.SrcPath, err)
		}
	}
	baseName, info, toParent, err := dst.resolveDest(o.DstPath, isStdin)
	if err != nil {
		return err
	}
	if toParent && host.IsDir && strings.HasSuffix(host.Path, ".") {
		host.Path = filepath.Dir(host.Path)
	}
	target := info.Path
	if !info.IsDir {
		target = filepath.Dir(target)
	}
	if isStdin {
		if !info.IsDir {
			return errors.New("destination must be a directory when copying from stdin")
		}
		return r.copyStdinToCtr(dst, target, o)
	}
	if host.IsDir && !info.IsDir {
		return errors.New("destination must be a directory when copying a directory")
	}
	get := copier.GetOptions{KeepDirectoryNames: host.IsDir && filepath.Base(host.Path) != ".", DisallowWildcard: true}
	if (!host.IsDir && !info.IsDir) || toParent {
		get.Rename = map[string]string{filepath.Base(host.Path): baseName}
	}
	return pipeCopy(
		func(w io.Writer) error {
			if err := copier.Get("/", "", get, []string{host.Path}, w); err != nil {
				return fmt.Errorf("copying from host: %w", err)
			}
			return nil
		},
		func(rd io.Reader) error { return dst.put(target, o.Chown, !o.Overwrite, nil, rd) })
}

// copyStdinToCtr spools stdin to a file first, so that a stream that is
// no tar archive is refused before anything is written, as podman does.
func (r *Runtime) copyStdinToCtr(dst *ctrFS, target string, o CopyOptions) error {
	tmp, err := os.CreateTemp("", "pier-cp-") // $TMPDIR, as podman
	if err != nil {
		return fmt.Errorf("spooling stdin: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, o.Stdin); err != nil {
		return fmt.Errorf("spooling stdin: %w", err)
	}
	if !archive.IsArchivePath(tmp.Name()) {
		return errors.New("source must be a (compressed) tar archive when copying from stdin")
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spooling stdin: %w", err)
	}
	rd, err := archive.DecompressStream(tmp)
	if err != nil {
		return fmt.Errorf("decompressing stdin: %w", err)
	}
	defer rd.Close()
	return dst.put(target, o.Chown, !o.Overwrite, nil, rd)
}

func (r *Runtime) copyCtrToCtr(ctx context.Context, o CopyOptions) error {
	src, err := r.openCtrFS(ctx, o.SrcContainer)
	if err != nil {
		return err
	}
	defer src.release()
	dst, err := r.openCtrFS(ctx, o.DstContainer)
	if err != nil {
		return err
	}
	defer dst.release()
	info, err := src.stat(o.SrcPath)
	if err != nil {
		return fmt.Errorf("%q could not be found on container %s: %w", o.SrcPath, o.SrcContainer, err)
	}
	baseName, dinfo, toParent, err := dst.resolveDest(o.DstPath, false)
	if err != nil {
		return err
	}
	if info.IsDir && !dinfo.IsDir {
		return errors.New("destination must be a directory when copying a directory")
	}
	target := dinfo.Path
	if !dinfo.IsDir {
		target = filepath.Dir(dst.abs(o.DstPath))
	}
	if toParent && info.IsDir && strings.HasSuffix(o.SrcPath, ".") {
		info.Path = filepath.Dir(info.Path)
	}
	var rename map[string]string
	if (!info.IsDir && !dinfo.IsDir) || toParent {
		rename = map[string]string{filepath.Base(info.Path): baseName}
	}
	return pipeCopy(
		func(w io.Writer) error { return src.get(info, nil, w) },
		func(rd io.Reader) error { return dst.put(target, o.Chown, !o.Overwrite, rename, rd) })
}

// resolveDest finds where a copy into the container lands: the path if it
// exists, else its parent directory, the name becoming the copy's.
func (f *ctrFS) resolveDest(p string, isStdin bool) (baseName string, info *cpInfo, toParent bool, err error) {
	info, err = f.stat(p)
	if err == nil {
		return filepath.Base(info.Path), info, false, nil
	}
	if strings.HasSuffix(p, "/") {
		return "", nil, false, fmt.Errorf("%q could not be found on container %s: %w", p, f.name, err)
	}
	if isStdin {
		return "", nil, false, errors.New("destination must be a directory when copying from stdin")
	}
	info, err = f.stat(filepath.Dir(f.abs(p)))
	if err != nil {
		return "", nil, false, fmt.Errorf("%q could not be found on container %s: %w", p, f.name, err)
	}
	return filepath.Base(p), info, true, nil
}

// resolveHostPath makes p absolute (keeping a trailing "/" or "/.") and
// stats it, following symlinks as the user's own shell would.
func resolveHostPath(p string) (*cpInfo, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	abs = preserveBasePath(p, abs)
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	return &cpInfo{IsDir: st.IsDir(), IsRegular: st.Mode().IsRegular(), Path: abs}, nil
}

// pipeCopy runs produce and consume concurrently over a pipe and returns
// their errors; either failing stops the other.
func pipeCopy(produce func(io.Writer) error, consume func(io.Reader) error) error {
	pr, pw := io.Pipe()
	perr := make(chan error, 1)
	go func() {
		err := produce(pw)
		pw.CloseWithError(err)
		perr <- err
	}()
	cerr := consume(pr)
	pr.CloseWithError(errors.New("the copy's destination failed"))
	err := <-perr
	if cerr != nil {
		return cerr
	}
	return err
}
