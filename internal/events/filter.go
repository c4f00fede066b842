package events

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Filter decides whether an event is shown.
type Filter func(*Event) bool

// Filters are podman's: values of one key are alternatives (any may
// match), different keys must all match. since/until are keys too.
type Filters map[string][]Filter

// Match applies every key's alternatives.
func (fs Filters) Match(e *Event) bool {
	for _, alts := range fs {
		ok := false
		for _, f := range alts {
			if f(e) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ParseFilters compiles --filter KEY=VALUE values and --since/--until with
// podman's keys, matching rules and error texts.
func ParseFilters(filters []string, since, until string, now time.Time) (Filters, error) {
	fs := Filters{}
	for _, f := range filters {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("%s is an invalid filter", f)
		}
		fn, err := compileFilter(key, val)
		if err != nil {
			return nil, err
		}
		fs[key] = append(fs[key], fn)
	}
	if since != "" {
		t, err := ParseInputTime(since, true, now)
		if err != nil {
			return nil, fmt.Errorf("unable to convert since time of %s: %w", since, err)
		}
		fs["since"] = []Filter{func(e *Event) bool { return e.Time.After(t) }}
	}
	if until != "" {
		t, err := ParseInputTime(until, false, now)
		if err != nil {
			return nil, fmt.Errorf("unable to convert until time of %s: %w", until, err)
		}
		fs["until"] = []Filter{func(e *Event) bool { return e.Time.Before(t) }}
	}
	return fs, nil
}

func compileFilter(key, val string) (Filter, error) {
	switch strings.ToUpper(key) {
	case "CONTAINER":
		return byNameOrID(Container, val), nil
	case "EVENT", "STATUS":
		if val == "die" { // docker's name
			val = string(Exited)
		}
		return func(e *Event) bool { return string(e.Status) == val }, nil
	case "IMAGE":
		return byNameOrID(Image, val), nil
	case "POD":
		return byNameOrID(Pod, val), nil
	case "VOLUME":
		return func(e *Event) bool { return e.Type == Volume && strings.HasPrefix(e.Name, val) }, nil
	case "TYPE":
		return func(e *Event) bool { return string(e.Type) == val }, nil
	case "LABEL":
		k, v, hasValue := strings.Cut(val, "=")
		return func(e *Event) bool {
			got, ok := e.Attributes[k]
			return ok && (!hasValue || got == v)
		}, nil
	}
	return nil, fmt.Errorf("%s is an invalid filter", key)
}

func byNameOrID(t Type, val string) Filter {
	return func(e *Event) bool {
		return e.Type == t && (e.Name == val || strings.HasPrefix(e.ID, val))
	}
}

// ParseInputTime is podman's reading of --since/--until: a timestamp in
// one of its layouts, Unix seconds (with a fraction), or a duration back
// from now (since) or ahead of now (until).
func ParseInputTime(s string, since bool, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05",
		"2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if unix, err := strconv.ParseFloat(s, 64); err == nil {
		whole, frac := math.Modf(unix)
		return time.Unix(int64(whole), int64(frac*1e9)).UTC(), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("unable to interpret time value")
	}
	if since {
		return now.Add(-d), nil
	}
	return now.Add(d), nil
}
