// Package quadlet reads podman's quadlet `.container` files and writes
// systemd service units that run pier. The unit text follows podman 5's
// quadlet generator line for line where pier supports the key, so a unit
// written by either looks the same to a reader.
package quadlet

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// line is a key=value or, when comment is set, a verbatim comment line.
type line struct {
	key, value string
	comment    bool
}

// group is one [Section]: the comments just above its header, then its lines.
type group struct {
	name     string
	comments []*line
	lines    []*line
}

// UnitFile keeps a systemd unit in file order, comments included, so the
// sections a user wrote are copied through unchanged (as podman's quadlet does).
type UnitFile struct {
	Filename string // base name, e.g. web.container
	Path     string // where it was read from; "" when parsed from a string
	groups   []*group
	byName   map[string]*group
}

func newUnitFile() *UnitFile { return &UnitFile{byName: map[string]*group{}} }

func (f *UnitFile) ensure(name string) *group {
	if g, ok := f.byName[name]; ok {
		return g
	}
	g := &group{name: name}
	f.groups = append(f.groups, g)
	f.byName[name] = g
	return g
}

// Parse reads unit text with systemd's rules: '#'/';' comments, [Group]
// headers, Key=Value lines and trailing-backslash continuations.
func Parse(filename, data string) (*UnitFile, error) {
	f := newUnitFile()
	f.Filename = filename
	var cur *group
	var pending []*line
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	cont := ""
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		isComment := l == "" || l[0] == '#' || l[0] == ';'
		if isComment && cont != "" {
			continue
		}
		if !isComment {
			if strings.HasSuffix(l, "\\") && i != len(lines)-1 {
				cont += l[:len(l)-1]
				continue
			}
			l = strings.TrimSuffix(cont+l, "\\")
			cont = ""
		}
		switch {
		case isComment:
			pending = append(pending, &line{value: l, comment: true})
		case isGroupLine(l):
			cur = f.ensure(l[1:strings.IndexByte(l, ']')])
			// One blank line before a header is dropped: Write puts it back.
			if len(pending) > 0 && pending[0].value == "" {
				pending = pending[1:]
			}
			cur.comments = append(cur.comments, pending...)
			pending = nil
		case strings.IndexByte(l, '=') > 0:
			if cur == nil {
				return nil, fmt.Errorf("key file does not start with a group")
			}
			k, v, _ := strings.Cut(l, "=")
			cur.lines = append(cur.lines, pending...)
			pending = nil
			cur.lines = append(cur.lines, &line{key: strings.TrimRightFunc(k, unicode.IsSpace), value: strings.TrimLeftFunc(v, unicode.IsSpace)})
		default:
			return nil, fmt.Errorf("file contains line %d: “%s” which is not a key-value pair, group, or comment", i+1, l)
		}
	}
	if cur == nil {
		cur = f.ensure("")
	}
	cur.lines = append(cur.lines, pending...)
	return f, nil
}

func isGroupLine(l string) bool {
	if l == "" || l[0] != '[' {
		return false
	}
	end := strings.IndexByte(l, ']')
	return end > 1 && strings.Trim(l[end+1:], " \t") == ""
}

// Write prints the unit with one blank line between groups, as podman's.
func (f *UnitFile) Write(w io.Writer) error {
	var b strings.Builder
	for i, g := range f.groups {
		if i != 0 {
			b.WriteString("\n")
		}
		for _, c := range g.comments {
			b.WriteString(c.value + "\n")
		}
		if g.name == "" {
			continue
		}
		b.WriteString("[" + g.name + "]\n")
		for _, l := range g.lines {
			if l.comment {
				b.WriteString(l.value + "\n")
			} else {
				b.WriteString(l.key + "=" + l.value + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String is Write into a string.
func (f *UnitFile) String() string {
	var b strings.Builder
	_ = f.Write(&b)
	return b.String()
}

// Keys lists a group's keys once each, in first-seen order.
func (f *UnitFile) Keys(groupName string) []string {
	g, ok := f.byName[groupName]
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var keys []string
	for _, l := range g.lines {
		if !l.comment && !seen[l.key] {
			seen[l.key] = true
			keys = append(keys, l.key)
		}
	}
	return keys
}

// Lookup is the last value of key, trailing space trimmed and one pair of
// surrounding double quotes removed (podman's Lookup).
func (f *UnitFile) Lookup(groupName, key string) (string, bool) {
	all := f.all(groupName, key, false)
	if len(all) == 0 {
		return "", false
	}
	v := strings.TrimRightFunc(all[len(all)-1], unicode.IsSpace)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v, true
}

// LookupBool is systemd's boolean (1, yes, true, on), and whether key is set.
func (f *UnitFile) LookupBool(groupName, key string) (bool, bool) {
	v, ok := f.Lookup(groupName, key)
	if !ok {
		return false, false
	}
	for _, t := range []string{"1", "yes", "true", "on"} {
		if strings.EqualFold(v, t) {
			return true, true
		}
	}
	return false, true
}

// LookupAll is every value of key; an empty value clears those before it.
func (f *UnitFile) LookupAll(groupName, key string) []string {
	return f.all(groupName, key, true)
}

func (f *UnitFile) all(groupName, key string, emptyClears bool) []string {
	g, ok := f.byName[groupName]
	if !ok {
		return nil
	}
	var vals []string
	for _, l := range g.lines {
		if l.comment || l.key != key {
			continue
		}
		if emptyClears && l.value == "" {
			vals = nil
			continue
		}
		vals = append(vals, l.value)
	}
	return vals
}

// LookupAllArgs splits every value of key into words, exec-style (quotes
// removed, C escapes applied).
func (f *UnitFile) LookupAllArgs(groupName, key string) ([]string, error) {
	var res []string
	for _, v := range f.LookupAll(groupName, key) {
		words, err := SplitWords(v, true)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", key, v, err)
		}
		res = append(res, words...)
	}
	return res, nil
}

// LookupAllStrv splits every value of key into words, keeping backslash
// escapes (systemd's strv, used for capability lists).
func (f *UnitFile) LookupAllStrv(groupName, key string) ([]string, error) {
	var res []string
	for _, v := range f.LookupAll(groupName, key) {
		words, err := SplitWords(v, false)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", key, v, err)
		}
		res = append(res, words...)
	}
	return res, nil
}

// Add appends key=value to a group, creating the group at the end.
func (f *UnitFile) Add(groupName, key, value string) {
	g := f.ensure(groupName)
	g.lines = append(g.lines, &line{key: key, value: value})
}

// Set replaces the last key's value, or adds it.
func (f *UnitFile) Set(groupName, key, value string) {
	g := f.ensure(groupName)
	for i := len(g.lines) - 1; i >= 0; i-- {
		if !g.lines[i].comment && g.lines[i].key == key {
			g.lines[i].value = value
			return
		}
	}
	f.Add(groupName, key, value)
}

// Unset removes every key=value of key from a group.
func (f *UnitFile) Unset(groupName, key string) {
	g, ok := f.byName[groupName]
	if !ok {
		return
	}
	kept := g.lines[:0]
	for _, l := range g.lines {
		if l.comment || l.key != key {
			kept = append(kept, l)
		}
	}
	g.lines = kept
}

// Merge appends a drop-in's groups to the unit's, group by group.
func (f *UnitFile) Merge(d *UnitFile) {
	for _, src := range d.groups {
		if src.name == "" {
			continue
		}
		g := f.ensure(src.name)
		g.comments = append(g.comments, src.comments...)
		g.lines = append(g.lines, src.lines...)
	}
}

// Prepend puts key=value first in a group.
func (f *UnitFile) Prepend(groupName, key, value string) {
	g := f.ensure(groupName)
	g.lines = append([]*line{{key: key, value: value}}, g.lines...)
}

// PrependComment puts "# text" lines above the first group's header.
func (f *UnitFile) PrependComment(texts ...string) {
	var g *group
	if len(f.groups) > 0 {
		g = f.groups[0]
	} else {
		g = f.ensure("")
	}
	var cs []*line
	for _, t := range texts {
		cs = append(cs, &line{value: "# " + t, comment: true})
	}
	g.comments = append(cs, g.comments...)
}

// Rename renames a group in place, merging into an existing one of that name.
func (f *UnitFile) Rename(from, to string) {
	g, ok := f.byName[from]
	if !ok {
		return
	}
	delete(f.byName, from)
	if into, ok := f.byName[to]; ok {
		into.comments = append(into.comments, g.comments...)
		into.lines = append(into.lines, g.lines...)
		for i, x := range f.groups {
			if x == g {
				f.groups = append(f.groups[:i], f.groups[i+1:]...)
				break
			}
		}
		return
	}
	g.name = to
	f.byName[to] = g
}

// Dup is a deep copy.
func (f *UnitFile) Dup() *UnitFile {
	d := newUnitFile()
	d.Filename, d.Path = f.Filename, f.Path
	for _, g := range f.groups {
		ng := d.ensure(g.name)
		for _, c := range g.comments {
			cp := *c
			ng.comments = append(ng.comments, &cp)
		}
		for _, l := range g.lines {
			cp := *l
			ng.lines = append(ng.lines, &cp)
		}
	}
	return d
}
