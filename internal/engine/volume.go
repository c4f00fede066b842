package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/specgen"
)

const kindVolume = "volume"

// VolumeCreateRequest is `volume create`: an empty Name gets a random ID.
type VolumeCreateRequest struct {
	Name    string
	Driver  string
	Labels  map[string]string
	Options map[string]string
	// Ignore returns an existing volume of that name instead of failing.
	Ignore bool
	// UID and GID, when set, own the data directory (--uid, --gid).
	UID, GID *int
}

// VolumeReport is a volume in podman's inspect and ls shape.
type VolumeReport struct {
	Name        string            `json:"Name"`
	Driver      string            `json:"Driver"`
	Mountpoint  string            `json:"Mountpoint"`
	CreatedAt   time.Time         `json:"CreatedAt"`
	Labels      map[string]string `json:"Labels"`
	Scope       string            `json:"Scope"`
	Options     map[string]string `json:"Options"`
	MountCount  uint              `json:"MountCount"`
	NeedsCopyUp bool              `json:"NeedsCopyUp,omitempty"`
	NeedsChown  bool              `json:"NeedsChown,omitempty"`
	Anonymous   bool              `json:"Anonymous,omitempty"`
	UID         int               `json:"UID,omitempty"`
	GID         int               `json:"GID,omitempty"`
}

var volumeNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

// checkVolumeOptions checks the local driver's options pier honours: uid
// and gid own the data directory, copy/nocopy decide the copy-up, and
// type/device/o mount a tmpfs or bind a host directory instead of the data
// directory (other file system types are refused until implemented).
func checkVolumeOptions(opts map[string]string) error {
	for k, v := range opts {
		switch k {
		case "uid", "gid":
			if _, err := strconv.ParseUint(v, 10, 32); err != nil {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot convert %s %s to integer: %w", k, v, err)
			}
		case "copy", "nocopy", "device", "o":
		case "type":
			if v != "tmpfs" && v != "bind" && v != "none" {
				return fmt.Errorf("volume option type=%s of driver local: only tmpfs and bind are supported: %w", v, errdefs.ErrNotImplemented)
			}
		default:
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid mount option %s for driver 'local': %w", k, errdefs.ErrInvalidArgument)
		}
	}
	return checkVolumeMountOptions(opts)
}

// checkVolumeMountOptions checks type, device and o together, so that a
// volume that could never be mounted is not created.
func checkVolumeMountOptions(opts map[string]string) error {
	typ, hasType := opts["type"]
	_, hasDevice := opts["device"]
	_, hasO := opts["o"]
	if !hasType {
		if hasDevice || hasO {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "must provide a type option when using device or o: %w", errdefs.ErrInvalidArgument)
		}
		return nil
	}
	o := splitVolumeO(opts["o"])
	if typ == "tmpfs" {
		return specgen.ValidateMount(define.Mount{Type: "tmpfs", Destination: "/", Options: o})
	}
	dev := opts["device"]
	if !filepath.IsAbs(dev) {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "volume of type %s needs an absolute device path, got %q", typ, dev)
	}
	for _, x := range o {
		if x != "bind" && x != "rbind" {
			return fmt.Errorf("volume option o=%s with type %s: only bind and rbind are supported: %w", x, typ, errdefs.ErrNotImplemented)
		}
	}
	return nil
}

func splitVolumeO(o string) []string {
	if o == "" {
		return nil
	}
	return strings.Split(o, ",")
}

func randomVolumeName() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating volume name: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (r *Runtime) volumeDir(name string) string {
	return filepath.Join(r.VolumePath(), name)
}

// VolumeCreate makes a volume: its directory first, then its row, so a
// crash leaves at most a directory that the next create of that name
// reuses.
func (r *Runtime) VolumeCreate(ctx context.Context, req VolumeCreateRequest) (*define.Volume, error) {
	if req.Name == "" {
		name, err := randomVolumeName()
		if err != nil {
			return nil, err
		}
		req.Name = name
	} else if !volumeNameRe().MatchString(req.Name) {
		return nil, fmt.Errorf("running volume create option: %w", define.ErrVolumeNameFormat)
	}
	// pier has no volume plugins: only the local driver exists.
	if req.Driver != "" && req.Driver != "local" {
		return nil, errdefs.Errorf(errdefs.ErrNotFound, "volume %s uses volume plugin %s but it could not be retrieved: no volume plugin with name %s available: required plugin missing", req.Name, req.Driver, req.Driver)
	}
	if err := checkVolumeOptions(req.Options); err != nil {
		return nil, err
	}
	if old, err := r.store.Volume(ctx, req.Name); err == nil {
		if req.Ignore {
			return old, nil
		}
		return nil, fmt.Errorf("volume with name %s already exists: %w", req.Name, define.ErrVolumeExists)
	}
	return r.createVolume(ctx, req, false)
}

func (r *Runtime) createVolume(ctx context.Context, req VolumeCreateRequest, anonymous bool) (*define.Volume, error) {
	l, err := r.locks.Lock(ctx, lockName(kindVolume, req.Name))
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	v := &define.Volume{
		Name: req.Name, Driver: "local", Created: time.Now(), Labels: req.Labels, Options: req.Options,
		MountPoint: filepath.Join(r.volumeDir(req.Name), "_data"), Anonymous: anonymous, NeedsCopyUp: true,
		UID: req.UID, GID: req.GID,
	}
	if err := os.MkdirAll(v.MountPoint, 0o755); err != nil {
		return nil, fmt.Errorf("creating volume directory %s: %w", v.MountPoint, err)
	}
	uid, gid := -1, -1
	if req.UID != nil {
		uid = *req.UID
	}
	if req.GID != nil {
		gid = *req.GID
	}
	if s, ok := req.Options["uid"]; ok {
		uid, _ = strconv.Atoi(s)
	}
	if s, ok := req.Options["gid"]; ok {
		gid, _ = strconv.Atoi(s)
	}
	if uid >= 0 || gid >= 0 {
		if err := os.Chown(v.MountPoint, uid, gid); err != nil {
			return nil, fmt.Errorf("chowning volume %s: %w", v.Name, err)
		}
	}
	if err := r.store.AddVolume(ctx, v); err != nil {
		return nil, err
	}
	r.volumeEvent(v.Name, events.Create)
	return v, nil
}

// VolumeInspect returns one volume's report.
func (r *Runtime) VolumeInspect(ctx context.Context, name string) (*VolumeReport, error) {
	v, err := r.store.Volume(ctx, name)
	if err != nil {
		return nil, err
	}
	users, err := r.store.Dependents(ctx, define.KindVolume, v.Name)
	if err != nil {
		return nil, err
	}
	return volumeReport(v, len(users)), nil
}

func volumeReport(v *define.Volume, users int) *VolumeReport {
	rep := &VolumeReport{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.MountPoint, CreatedAt: v.Created,
		Labels: v.Labels, Scope: "local", Options: v.Options, NeedsCopyUp: v.NeedsCopyUp,
		NeedsChown: v.NeedsCopyUp && v.UID == nil && v.GID == nil, Anonymous: v.Anonymous,
	}
	if v.UID != nil {
		rep.UID = *v.UID
	}
	if v.GID != nil {
		rep.GID = *v.GID
	}
	_ = users // podman's MountCount counts mounts of the volume itself, not its users
	if rep.Labels == nil {
		rep.Labels = map[string]string{}
	}
	if rep.Options == nil {
		rep.Options = map[string]string{}
	}
	return rep
}

// VolumeExists reports whether a volume of that name exists.
func (r *Runtime) VolumeExists(ctx context.Context, name string) (bool, error) {
	_, err := r.store.Volume(ctx, name)
	if errors.Is(err, define.ErrNoSuchVolume) {
		return false, nil
	}
	return err == nil, err
}

// VolumeRemove removes a volume and its data. With force the containers
// using it go first (podman's -f), else it refuses while any uses it.
func (r *Runtime) VolumeRemove(ctx context.Context, name string, force bool, timeout *uint) error {
	v, err := r.store.Volume(ctx, name)
	if err != nil {
		return err
	}
	if force {
		users, err := r.store.Dependents(ctx, define.KindVolume, v.Name)
		if err != nil {
			return err
		}
		for _, id := range users {
			if err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: timeout}); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
				return err
			}
		}
	}
	return r.removeVolume(ctx, v)
}

// removeVolume deletes the row first (the store refuses while containers
// use the volume), then the data: a crash in between leaves a directory
// without a volume, which a create of the same name reuses.
func (r *Runtime) removeVolume(ctx context.Context, v *define.Volume) error {
	l, err := r.locks.Lock(ctx, lockName(kindVolume, v.Name))
	if err != nil {
		return err
	}
	if err := r.store.RemoveVolume(ctx, v.Name); err != nil {
		l.Unlock()
		return err
	}
	if err := os.RemoveAll(r.volumeDir(v.Name)); err != nil {
		l.Unlock()
		return fmt.Errorf("removing data of volume %s: %w", v.Name, err)
	}
	r.volumeEvent(v.Name, events.Remove)
	return l.Remove()
}

func isVolumeGoneOrUsed(err error) bool {
	return errors.Is(err, define.ErrNoSuchVolume) || errors.Is(err, define.ErrVolumeBeingUsed)
}
