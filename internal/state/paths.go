package state

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/pier-engine/pier/internal/errdefs"
)

// pathField describes one Paths field for the mismatch check: its name as
// callers put it in the explicit set, how users read it, and the flag that
// overrides it.
type pathField struct {
	name  string // Paths field name, the key in explicit
	human string
	hint  string // fmt format taking the stored value: how to keep using it
	dir   bool   // compared after filepath.Clean
	get   func(*Paths) *string
}

var pathFields = []pathField{
	{"GraphRoot", "graph root", "use --root %s", true, func(p *Paths) *string { return &p.GraphRoot }},
	{"RunRoot", "run root", "use --runroot %s", true, func(p *Paths) *string { return &p.RunRoot }},
	{"StaticDir", "static dir", "set static_dir = %q in containers.conf", true, func(p *Paths) *string { return &p.StaticDir }},
	{"TmpDir", "tmp dir", "use --tmpdir %s", true, func(p *Paths) *string { return &p.TmpDir }},
	{"GraphDriver", "graph driver", "use --storage-driver %s", false, func(p *Paths) *string { return &p.GraphDriver }},
}

// cleanPaths normalises directory fields so "/a/" and "/a" compare equal.
func cleanPaths(p Paths) Paths {
	for _, f := range pathFields {
		if v := f.get(&p); f.dir && *v != "" {
			*v = filepath.Clean(*v)
		}
	}
	return p
}

// effectivePaths merges the paths stored in the database with the ones the
// caller was given. An empty given value means "use the stored one". A
// different given value wins only when the user set it explicitly; otherwise
// the store would be used with storage it does not describe, so it is an
// error. An empty stored value (a store created without that path) adopts
// the given one.
func effectivePaths(dbPath string, stored, given Paths, explicit map[string]bool) (Paths, error) {
	stored, given = cleanPaths(stored), cleanPaths(given)
	eff := stored
	var errs []error
	for _, f := range pathFields {
		s, g := *f.get(&stored), *f.get(&given)
		switch {
		case g == "" || g == s:
		case s == "" || explicit[f.name]:
			*f.get(&eff) = g
		default:
			errs = append(errs, fmt.Errorf("database %s %q does not match our %s %q: %s or remove %s: %w",
				f.human, s, f.human, g, fmt.Sprintf(f.hint, s), dbPath, errdefs.ErrInvalidArgument))
		}
	}
	if len(errs) > 0 {
		return Paths{}, errors.Join(errs...)
	}
	return eff, nil
}
