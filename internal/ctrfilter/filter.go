// Package ctrfilter is podman's container filter (ps, start --filter, rm
// --filter, the REST API's lists): values of one key are ORed, keys ANDed.
package ctrfilter

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cfilters "go.podman.io/common/pkg/filters"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// validStates are the names podman 5's StringToContainerStatus accepts
// ("stopping" and "configured" are states it does not).
var validStates = []string{"created", "running", "stopped", "paused", "exited", "removing", "unknown"}

// restartPolicies are podman's RestartPolicyMap keys; "none" matches a
// container without a policy.
var restartPolicies = []string{"none", "no", "on-failure", "always", "unless-stopped"}

// Env is what some filters resolve their values against: every container
// (before, since, network=container:X) and the networks.
type Env struct {
	All []*define.Container
	// NetworkName resolves a network name or ID; nil: no network exists.
	NetworkName func(nameOrID string) (string, bool)
}

// New builds podman's container filter: values of one key are ORed
// (except label, where every value must match), keys are ANDed.
func New(filters map[string][]string, env Env) (func(*define.Container) bool, error) {
	var preds []func(*define.Container) bool
	for key, vals := range filters {
		p, err := ctrPredicate(key, vals, env)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return All(preds), nil
}

// All is the predicate true for the containers every one of preds accepts.
func All(preds []func(*define.Container) bool) func(*define.Container) bool {
	return func(c *define.Container) bool {
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}
}

type ctrPred = func(*define.Container) bool

func ctrPredicate(key string, vals []string, env Env) (ctrPred, error) {
	switch key {
	case "id":
		return func(c *define.Container) bool { return cfilters.FilterID(c.Config.ID, vals) }, nil
	case "name":
		res := make([]string, 0, len(vals))
		for _, v := range vals {
			res = append(res, strings.ReplaceAll(v, "/", ""))
		}
		return func(c *define.Container) bool { return matchRegexps(c.Config.Name, res) }, nil
	case "command":
		return func(c *define.Container) bool {
			return len(c.Config.Cmd) > 0 && matchRegexps(c.Config.Cmd[0], vals)
		}, nil
	case "label":
		return func(c *define.Container) bool { return cfilters.MatchLabelFilters(vals, c.Config.Labels) }, nil
	case "label!":
		return func(c *define.Container) bool { return cfilters.MatchNegatedLabelFilters(vals, c.Config.Labels) }, nil
	case "status":
		return statusPredicate(vals)
	case "exited":
		return exitedPredicate(vals)
	case "ancestor":
		return func(c *define.Container) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return matchAncestor(v, &c.Config) })
		}, nil
	case "before", "since":
		return createdPredicate(key, vals, env.All)
	case "until":
		until, err := cfilters.ComputeUntilTimestamp(vals)
		if err != nil {
			return nil, err
		}
		return func(c *define.Container) bool { return !until.IsZero() && c.Config.Created.Before(until) }, nil
	case "volume":
		return func(c *define.Container) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return matchVolume(v, c.Config.Mounts) })
		}, nil
	case "restart-policy":
		return restartPredicate(vals)
	case "should-start-on-boot":
		want := false
		for _, v := range vals {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, err
			}
			want = b
		}
		return func(c *define.Container) bool { return shouldStartOnBoot(c) == want }, nil
	case "network":
		return networkPredicate(vals, env), nil
	case "pod":
		// podman matches nothing for an unknown pod.
		return func(*define.Container) bool { return false }, nil
	case "health":
		return func(c *define.Container) bool {
			return c.State.Health != nil && slices.Contains(vals, c.State.Health.Status)
		}, nil
	}
	return nil, fmt.Errorf("%s is an invalid filter", key)
}

// networkPredicate is podman's network filter: networks by name or ID
// (unknown ones match nothing), or "container:X" for containers sharing
// X's network namespace.
func networkPredicate(vals []string, env Env) ctrPred {
	var names []string
	for _, v := range vals {
		if env.NetworkName == nil || strings.HasPrefix(v, "container:") {
			continue
		}
		if n, ok := env.NetworkName(v); ok {
			names = append(names, n)
		}
	}
	return func(c *define.Container) bool {
		if joined, ok := strings.CutPrefix(c.Config.NetworkMode, "container:"); ok {
			return slices.ContainsFunc(vals, func(v string) bool {
				ref, ok := strings.CutPrefix(v, "container:")
				return ok && lookupIn(env.All, ref) == joined
			})
		}
		for n := range c.Config.Networks {
			if slices.Contains(names, n) {
				return true
			}
		}
		return false
	}
}

// lookupIn resolves a name, full ID or ID prefix among cs; "" if none.
func lookupIn(cs []*define.Container, ref string) string {
	if c := findIn(cs, ref); c != nil {
		return c.Config.ID
	}
	return ""
}

// findIn is lookupIn's container: an exact name or ID wins over an ID
// prefix, so a container named "b" is found even beside an ID "b…".
func findIn(cs []*define.Container, ref string) *define.Container {
	for _, c := range cs {
		if c.Config.Name == ref || c.Config.ID == ref {
			return c
		}
	}
	for _, c := range cs {
		if strings.HasPrefix(c.Config.ID, ref) {
			return c
		}
	}
	return nil
}

// matchRegexps is podman's StringMatchRegexSlice: an invalid pattern
// matches nothing rather than failing the command.
func matchRegexps(s string, patterns []string) bool {
	for _, p := range patterns {
		if ok, err := regexp.MatchString(p, s); err == nil && ok {
			return true
		}
	}
	return false
}

func statusPredicate(vals []string) (ctrPred, error) {
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
}

func exitedPredicate(vals []string) (ctrPred, error) {
	codes := make([]int32, 0, len(vals))
	for _, v := range vals {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			// podman quotes the zero it failed to parse, not the input.
			return nil, fmt.Errorf("exited code out of range %s: %w", strconv.QuoteRune(rune(n)), err)
		}
		codes = append(codes, int32(n))
	}
	return func(c *define.Container) bool {
		exited := c.State.Status == define.StatusExited || c.State.Status == define.StatusStopped
		return exited && slices.Contains(codes, c.State.ExitCode)
	}, nil
}

// createdPredicate is before/since: relative to the oldest of the named
// containers.
func createdPredicate(key string, vals []string, all []*define.Container) (ctrPred, error) {
	var ref time.Time
	for _, v := range vals {
		found := findIn(all, v)
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

// matchVolume is podman's volume filter: a named volume ("name" or
// "name:destination"), or another mount's destination or
// "source:destination". A named volume does not match by destination.
func matchVolume(v string, mounts []define.Mount) bool {
	src, dst, _ := strings.Cut(v, ":")
	for _, m := range mounts {
		if m.Type == "volume" {
			if m.Name == src && (dst == "" || m.Destination == dst) {
				return true
			}
			continue
		}
		if dst != "" && m.Source == src && m.Destination == dst {
			return true
		}
		if dst == "" && m.Destination == src {
			return true
		}
	}
	return false
}

func restartPredicate(vals []string) (ctrPred, error) {
	var bad []string
	for _, v := range vals {
		if !slices.Contains(restartPolicies, v) {
			bad = append(bad, v)
		}
	}
	if len(bad) == 1 {
		return nil, fmt.Errorf("%s invalid restart policy", bad[0])
	} else if len(bad) > 1 {
		return nil, fmt.Errorf("%s invalid restart policies", strings.Join(bad, ", "))
	}
	return func(c *define.Container) bool {
		policy := restartPolicy(c)
		return slices.ContainsFunc(vals, func(v string) bool { return v == policy || (v == "none" && policy == "") })
	}, nil
}

// restartPolicy is the container's --restart policy, "" for none.
func restartPolicy(c *define.Container) string { return c.Config.RestartPolicy }

// shouldStartOnBoot is podman's ShouldStartOnBoot: a container that ran
// and whose policy restarts it (unless-stopped: unless a user stopped it).
func shouldStartOnBoot(c *define.Container) bool {
	if c.State.Status == define.StatusCreated || c.State.Status == define.StatusConfigured {
		return false
	}
	switch restartPolicy(c) {
	case "always":
		return true
	case "unless-stopped":
		return !c.State.StoppedByUser
	}
	return false
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
