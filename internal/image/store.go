// Package image owns pier's local images and container root filesystems on
// top of go.podman.io/storage and go.podman.io/image/v5: reference lookup,
// pull/push/login/search against registries, import, load/save of archives, list,
// tag, remove, prune, inspect, history, diff, image mounts, manifest lists
// and commit (through buildah), plus the container-storage calls the engine
// needs (create, mount, unmount, delete, other tools' containers). It shares
// the storage layout with podman and buildah.
//
// It must not touch pier's state database, locks or the OCI runtime, and it
// never prints: progress goes to the writer the caller put in the context
// (WithProgress). Content read from archives and tarballs is untrusted; it is
// only ever unpacked by containers/storage, which confines tar entries to the
// layer directory.
package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
	stypes "go.podman.io/storage/types"
)

// Reexec must be the first call in main of every binary using this package
// (and in TestMain): containers/storage unpacks layers in a chrooted
// re-executed copy of the process, which runs its task and exits inside
// this call. main returns at once when it reports true.
func Reexec() bool { return reexec.Init() }

// Options locate the storage. Empty fields take storage.conf's values, or
// podman's defaults when storage.conf has none.
type Options struct {
	GraphRoot   string
	RunRoot     string
	GraphDriver string
	DriverOpts  []string
	// TmpDir is where big temporary files (spooled stdin, archives being
	// written) go. Default: $TMPDIR or /var/tmp, as podman's
	// image_copy_tmp_dir (/tmp is often a small tmpfs).
	TmpDir string
}

// Podman's defaults for root, used when storage.conf sets nothing.
const (
	defaultGraphRoot = "/var/lib/containers/storage"
	defaultRunRoot   = "/run/containers/storage"
	defaultDriver    = "overlay"
)

// ResolvePaths fills empty fields from storage.conf without opening the
// store: the engine needs the paths to find its own state quickly, and
// opening containers/storage (driver init, layer locks) is left to the
// commands that touch images or root filesystems.
func ResolvePaths(o Options) (Options, error) {
	def, err := stypes.DefaultStoreOptions()
	if err != nil {
		return o, fmt.Errorf("reading storage.conf: %w", err)
	}
	if o.GraphRoot == "" {
		o.GraphRoot = firstNonEmpty(def.GraphRoot, defaultGraphRoot)
	}
	if o.RunRoot == "" {
		o.RunRoot = firstNonEmpty(def.RunRoot, defaultRunRoot)
	}
	if o.GraphDriver == "" {
		o.GraphDriver = firstNonEmpty(def.GraphDriverName, defaultDriver)
	}
	if o.DriverOpts == nil {
		o.DriverOpts = def.GraphDriverOptions
	}
	if o.TmpDir == "" {
		o.TmpDir = firstNonEmpty(os.Getenv("TMPDIR"), "/var/tmp")
	}
	return o, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Store is an open image and container storage.
type Store struct {
	store   storage.Store
	opts    Options
	sys     *types.SystemContext
	onEvent EventFunc
}

// Open opens (creating if needed) the storage described by o.
func Open(o Options) (*Store, error) {
	o, err := ResolvePaths(o)
	if err != nil {
		return nil, err
	}
	def, err := stypes.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("reading storage.conf: %w", err)
	}
	so := def
	so.GraphRoot = o.GraphRoot
	so.RunRoot = o.RunRoot
	so.GraphDriverName = o.GraphDriver
	so.GraphDriverOptions = o.DriverOpts
	if so.ImageStore == so.GraphRoot {
		so.ImageStore = ""
	}
	if err := os.MkdirAll(o.TmpDir, 0o1777); err != nil {
		return nil, fmt.Errorf("creating temporary directory %s: %w", o.TmpDir, err)
	}
	st, err := storage.GetStore(so)
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s (driver %s): %w", o.GraphRoot, o.GraphDriver, err)
	}
	return &Store{
		store: st,
		opts:  o,
		// The blob-info cache lives under the graph root, as libimage puts
		// it: a --root of its own then leaves the host's
		// /var/lib/containers/cache untouched.
		sys: &types.SystemContext{BigFilesTemporaryDir: o.TmpDir, BlobInfoCacheDir: filepath.Join(st.GraphRoot(), "cache")},
	}, nil
}

// Shutdown releases the store; force unmounts layers still mounted by this
// process's store (podman does this on exit too).
func (s *Store) Shutdown(force bool) error {
	if _, err := s.store.Shutdown(force); err != nil {
		return fmt.Errorf("shutting down storage: %w", err)
	}
	return nil
}

// Storage exposes the underlying store for the few callers (a future pull,
// build or commit) that need more than this package offers.
func (s *Store) Storage() storage.Store { return s.store }

// Options returns the resolved options the store was opened with.
func (s *Store) Options() Options { return s.opts }

// SystemContext returns a copy of the containers/image context in use.
func (s *Store) SystemContext() *types.SystemContext {
	c := *s.sys
	return &c
}

type progressKey struct{}

// WithProgress returns a context whose image copies report progress
// ("Getting image source signatures", "Copying blob ...") to w. Without it
// copies are silent. A context value keeps the operation signatures equal
// for the CLI and a later REST API, which report to different places.
func WithProgress(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, progressKey{}, w)
}

func progress(ctx context.Context) io.Writer {
	if w, ok := ctx.Value(progressKey{}).(io.Writer); ok {
		return w
	}
	return nil
}

// UserStorageConf is the storage.conf that overrides the system's one
// (CONTAINERS_STORAGE_CONF, /etc/containers/storage.conf, or the user's
// for rootless use) when it exists, else "": `system reset` mentions it,
// as podman does, because reset does not remove it.
func UserStorageConf() string {
	p, ok := os.LookupEnv("CONTAINERS_STORAGE_CONF")
	switch {
	case ok:
	case os.Geteuid() == 0:
		p = "/etc/containers/storage.conf"
	default:
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		p = filepath.Join(dir, "containers/storage.conf")
	}
	if _, err := os.Stat(p); err != nil || p == "/usr/share/containers/storage.conf" {
		return ""
	}
	return p
}
