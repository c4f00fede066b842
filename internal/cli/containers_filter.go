package cli

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// parseFilters groups --filter key=value flags by key.
func parseFilters(in []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range in {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q", f)
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// validStates are the names podman's StringToContainerStatus accepts.
var validStates = []string{"created", "running", "stopped", "stopping", "paused", "exited", "removing", "configured", "unknown"}

// newCtrFilterWith builds podman's container filter: values of one key are
// ORed (except label, where every value must match), keys are ANDed.
// before/since are resolved against all, the full container list.
func newCtrFilterWith(filters map[string][]string, all []*define.Container) (func(*define.Container) bool, error) {
	var preds []func(*define.Container) bool
	for key, vals := range filters {
		p, err := ctrPredicate(key, vals, all)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(c *define.Container) bool {
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}, nil
}

func ctrPredicate(key string, vals []string, all []*define.Container) (func(*define.Container) bool, error) {
	switch key {
	case "id":
		return func(c *define.Container) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return strings.HasPrefix(c.Config.ID, v) })
		}, nil
	case "name":
		res := make([]*regexp.Regexp, 0, len(vals))
		for _, v := range vals {
			re, err := regexp.Compile(strings.ReplaceAll(v, "/", ""))
			if err != nil {
				return nil, fmt.Errorf("invalid name filter %q: %w", v, errdefs.ErrInvalidArgument)
			}
			res = append(res, re)
		}
		return func(c *define.Container) bool {
			return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(c.Config.Name) })
		}, nil
	case "label":
		return func(c *define.Container) bool { return matchLabels(vals, c.Config.Labels) }, nil
	case "label!":
		return func(c *define.Container) bool {
			return !slices.ContainsFunc(vals, func(v string) bool { return matchLabels([]string{v}, c.Config.Labels) })
		}, nil
	case "status":
		for _, v := range vals {
			if !slices.Contains(validStates, v) {
				return nil, fmt.Errorf("unknown container state: %s: %w", v, errdefs.ErrInvalidArgument)
			}
		}
		return func(c *define.Container) bool {
			state := c.State.Status.String()
			if state == "stopped" {
				state = "exited"
			}
			return slices.ContainsFunc(vals, func(v string) bool {
				if v == "stopped" {
					v = "exited"
				}
				return v == state
			})
		}, nil
	case "exited":
		codes := make([]int32, 0, len(vals))
		for _, v := range vals {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("exited code out of range %q: %w", v, errdefs.ErrInvalidArgument)
			}
			codes = append(codes, int32(n))
		}
		return func(c *define.Container) bool {
			exited := c.State.Status == define.StatusExited || c.State.Status == define.StatusStopped
			return exited && slices.Contains(codes, c.State.ExitCode)
		}, nil
	case "ancestor":
		return func(c *define.Container) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return matchAncestor(v, &c.Config) })
		}, nil
	case "before", "since":
		var ref time.Time
		for _, v := range vals {
			var found *define.Container
			for _, o := range all {
				if o.Config.Name == v || strings.HasPrefix(o.Config.ID, v) {
					found = o
					break
				}
			}
			if found == nil {
				return nil, fmt.Errorf("no container with name or ID %q found: %w", v, define.ErrNoSuchCtr)
			}
			if ref.IsZero() || found.Config.Created.Before(ref) {
				ref = found.Config.Created
			}
		}
		if key == "before" {
			return func(c *define.Container) bool { return c.Config.Created.Before(ref) }, nil
		}
		return func(c *define.Container) bool { return c.Config.Created.After(ref) }, nil
	}
	return nil, fmt.Errorf("%s is an invalid filter", key)
}

// matchLabels is podman's label filter: every "key" or "key=value" must
// match; keys and values may be globs.
func matchLabels(filters []string, labels map[string]string) bool {
outer:
	for _, f := range filters {
		fk, fv, hasVal := strings.Cut(f, "=")
		for k, v := range labels {
			if !globMatch(fk, k) {
				continue
			}
			if !hasVal || globMatch(fv, v) {
				continue outer
			}
		}
		return false
	}
	return true
}

func globMatch(pattern, s string) bool {
	if pattern == s {
		return true
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// matchAncestor matches an image reference or ID prefix against the image
// a container was created from, without opening image storage: "busybox"
// matches "localhost/busybox:latest" and "docker.io/library/busybox:latest".
func matchAncestor(ref string, cfg *define.ContainerConfig) bool {
	id := strings.TrimPrefix(ref, "sha256:")
	if len(id) >= 3 && strings.HasPrefix(cfg.ImageID, id) {
		return true
	}
	want := ref
	if !strings.Contains(lastPathElem(want), ":") && !strings.Contains(want, "@") {
		want += ":latest"
	}
	for _, name := range []string{cfg.Image, cfg.RawImage} {
		if name == "" {
			continue
		}
		n := name
		if !strings.Contains(lastPathElem(n), ":") && !strings.Contains(n, "@") {
			n += ":latest"
		}
		if n == want || strings.HasSuffix(n, "/"+want) {
			return true
		}
	}
	return false
}

func lastPathElem(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}
