package engine

import (
	"context"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	cfilters "go.podman.io/common/pkg/filters"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

type volumeFilter func(v *define.Volume, users int) bool

// volumeFilters builds podman's `volume ls` filters (name, label, label!,
// driver, scope, opt, dangling, until), which prune takes too, as podman's.
// Values of one key are ORed, keys are ANDed.
func volumeFilters(filters map[string][]string) ([]volumeFilter, error) {
	var out []volumeFilter
	for key, vals := range filters {
		f, err := volumeFilterFor(key, vals)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func volumeFilterFor(key string, vals []string) (volumeFilter, error) {
	anyOf := func(match func(v *define.Volume, val string) bool) volumeFilter {
		return func(v *define.Volume, _ int) bool {
			for _, val := range vals {
				if match(v, val) {
					return true
				}
			}
			return false
		}
	}
	switch key {
	case "name":
		return anyOf(func(v *define.Volume, val string) bool {
			re, err := regexp.Compile(val)
			if err != nil {
				return v.Name == val
			}
			return re.MatchString(v.Name)
		}), nil
	case "driver":
		return anyOf(func(v *define.Volume, val string) bool { return v.Driver == val }), nil
	case "scope":
		return anyOf(func(_ *define.Volume, val string) bool { return val == "local" }), nil
	case "opt":
		return anyOf(func(v *define.Volume, val string) bool {
			k, want, hasVal := strings.Cut(val, "=")
			got, ok := v.Options[k]
			return ok && (!hasVal || got == want)
		}), nil
	case "label":
		return func(v *define.Volume, _ int) bool { return cfilters.MatchLabelFilters(vals, v.Labels) }, nil
	case "label!":
		return func(v *define.Volume, _ int) bool { return !cfilters.MatchLabelFilters(vals, v.Labels) }, nil
	case "dangling":
		for _, val := range vals {
			if val != "true" && val != "false" && val != "1" && val != "0" {
				return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%q is not a valid value for the \"dangling\" filter - must be true or false", val)
			}
		}
		return func(_ *define.Volume, users int) bool { return danglingMatch(vals, users == 0) }, nil
	case "until":
		until, err := cfilters.ComputeUntilTimestamp(vals)
		if err != nil {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
		}
		return func(v *define.Volume, _ int) bool { return v.Created.Before(until) }, nil
	}
	return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%q is an invalid volume filter", key)
}

// VolumeList returns the volumes passing the filters, oldest first.
func (r *Runtime) VolumeList(ctx context.Context, filters map[string][]string) ([]*VolumeReport, error) {
	funcs, err := volumeFilters(filters)
	if err != nil {
		return nil, err
	}
	vols, err := r.matchingVolumes(ctx, funcs)
	if err != nil {
		return nil, err
	}
	out := make([]*VolumeReport, 0, len(vols))
	for _, v := range vols {
		out = append(out, volumeReport(v, 0))
	}
	return out, nil
}

func (r *Runtime) matchingVolumes(ctx context.Context, funcs []volumeFilter) ([]*define.Volume, error) {
	vols, err := r.store.Volumes(ctx)
	if err != nil {
		return nil, err
	}
	var out []*define.Volume
next:
	for _, v := range vols {
		users := -1
		for _, f := range funcs {
			if users < 0 {
				deps, err := r.store.Dependents(ctx, define.KindVolume, v.Name)
				if err != nil {
					return nil, err
				}
				users = len(deps)
			}
			if !f(v, users) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// VolumePrune removes every volume no container uses that passes the
// filters, and returns their names.
func (r *Runtime) VolumePrune(ctx context.Context, filters map[string][]string) ([]string, error) {
	funcs, err := volumeFilters(filters)
	if err != nil {
		return nil, err
	}
	unused := func(_ *define.Volume, users int) bool { return users == 0 }
	vols, err := r.matchingVolumes(ctx, append([]volumeFilter{unused}, funcs...))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, v := range vols {
		if err := r.removeVolume(ctx, v); err != nil {
			if isVolumeGoneOrUsed(err) {
				continue // taken or removed since it was listed
			}
			return removed, err
		}
		r.volumeEvent(v.Name, events.Prune)
		removed = append(removed, v.Name)
	}
	return removed, nil
}

// volumeDiskUsage is `system df`'s view of the volumes: the bytes of the
// regular files in each, and how many containers use it.
func (r *Runtime) volumeDiskUsage(ctx context.Context) ([]VolumeDiskUsage, error) {
	vols, err := r.store.Volumes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VolumeDiskUsage, 0, len(vols))
	for _, v := range vols {
		users, err := r.store.Dependents(ctx, define.KindVolume, v.Name)
		if err != nil {
			return nil, err
		}
		du := VolumeDiskUsage{Name: v.Name, Links: len(users), Size: dirSize(v.MountPoint)}
		if du.Links == 0 {
			du.Reclaimable = du.Size
		}
		out = append(out, du)
	}
	return out, nil
}

// dirSize sums the sizes of the regular files under dir; what cannot be
// read counts as nothing, as a report should not fail on one file.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
