package quadlet

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// runArgs builds ExecStart's `pier run` in the order podman's quadlet
// writes `podman run`, and sets the [Service] keys that go with it.
// podman's --cgroups=split (and Delegate=yes) becomes --cgroups=no-conmon,
// as in podman's `generate systemd --new` units: the monitor stays in the
// service's cgroup, the container gets its own (see docs/decisions.md).
func runArgs(c, svc *UnitFile, pier, name, image string) ([]string, error) {
	a := []string{pier, "run", "--name", name, "--replace", "--rm", "--cgroups=no-conmon"}
	for _, kv := range [][2]string{{"Timezone", "--tz"}, {"WorkingDir", "--workdir"}} {
		if v, ok := c.Lookup(groupContainer, kv[0]); ok && v != "" {
			a = append(a, kv[1], v)
		}
	}
	for _, n := range c.LookupAll(groupContainer, "Network") {
		base, _, _ := strings.Cut(n, ":")
		if err := refuseUnitReference("Network", base, ".network", ".container"); err != nil {
			return nil, err
		}
		a = append(a, "--network", n)
	}
	typ, ok := svc.Lookup(groupService, "Type")
	if ok && typ != "notify" && typ != "oneshot" {
		return nil, fmt.Errorf("invalid service Type '%s'", typ)
	}
	if typ != "oneshot" {
		a = append(a, sdnotify(c), "-d")
		svc.Set(groupService, "Type", "notify")
		svc.Set(groupService, "NotifyAccess", "all")
	}
	if _, ok := c.Lookup(groupService, "SyslogIdentifier"); !ok {
		svc.Set(groupService, "SyslogIdentifier", "%N")
	}
	for _, kv := range [][2]string{{"DropCapability", "--cap-drop"}, {"AddCapability", "--cap-add"}} {
		caps, err := c.LookupAllStrv(groupContainer, kv[0])
		if err != nil {
			return nil, err
		}
		for _, cp := range caps {
			a = append(a, kv[1], strings.ToLower(cp))
		}
	}
	if ro, ok := c.LookupBool(groupContainer, "ReadOnly"); ok {
		a = append(a, boolFlag("--read-only", ro))
	}
	if u, ok := c.Lookup(groupContainer, "User"); ok && u != "" {
		a = append(a, "--user", u)
	}
	vols, err := volumes(c, svc)
	if err != nil {
		return nil, err
	}
	a = append(a, vols...)
	for _, p := range c.LookupAll(groupContainer, "PublishPort") {
		a = append(a, "--publish", p)
	}
	rest, err := keyValsAndFiles(c)
	if err != nil {
		return nil, err
	}
	a = append(a, rest...)
	for _, h := range healthKeys {
		if v, ok := c.Lookup(groupContainer, h[0]); ok && v != "" {
			a = append(a, "--health-"+h[1], v)
		}
	}
	extra, err := c.LookupAllArgs(groupContainer, "PodmanArgs")
	if err != nil {
		return nil, err
	}
	a = append(append(a, extra...), image)
	if all := c.all(groupContainer, "Exec", false); len(all) > 0 {
		last := all[len(all)-1]
		words, err := SplitWords(last, true)
		if err != nil {
			return nil, fmt.Errorf("key Exec=%s: %w", last, err)
		}
		a = append(a, words...)
	}
	return a, nil
}

// sdnotify is Notify's --sdnotify: the monitor tells systemd by default,
// Notify=yes hands the socket to the container, Notify=healthy waits for health.
func sdnotify(c *UnitFile) string {
	if v, ok := c.Lookup(groupContainer, "Notify"); ok && strings.EqualFold(v, "healthy") {
		return "--sdnotify=healthy"
	}
	if yes, _ := c.LookupBool(groupContainer, "Notify"); yes {
		return "--sdnotify=container"
	}
	return "--sdnotify=conmon"
}

func boolFlag(flag string, v bool) string {
	if v {
		return flag
	}
	return flag + "=false"
}

// volumes is Volume=[SOURCE:]DEST[:OPTIONS] as -v; a source starting with
// '.' is relative to the .container file's directory, and a host path
// source makes the unit wait for its mount, as in podman.
func volumes(c, svc *UnitFile) ([]string, error) {
	var a []string
	for _, v := range c.LookupAll(groupContainer, "Volume") {
		parts := strings.SplitN(v, ":", 3)
		if len(parts) == 1 {
			a = append(a, "-v", parts[0])
			continue
		}
		src := parts[0]
		if src == "" {
			return nil, fmt.Errorf("source cannot be empty")
		}
		if err := refuseUnitReference("Volume", src, ".volume", ".image"); err != nil {
			return nil, err
		}
		if strings.HasPrefix(src, ".") {
			src = absPath(c, src)
		}
		if strings.HasPrefix(src, "/") {
			svc.Add(groupUnit, "RequiresMountsFor", escapeWords([]string{src}))
		}
		opts := ""
		if len(parts) == 3 {
			opts = ":" + parts[2]
		}
		a = append(a, "-v", src+":"+parts[1]+opts)
	}
	return a, nil
}

// keyValsAndFiles is Environment, Label and Annotation (each sorted by key,
// as podman's) then EnvironmentFile.
func keyValsAndFiles(c *UnitFile) ([]string, error) {
	var a []string
	for _, kv := range [][2]string{{"Environment", "--env"}, {"Label", "--label"}, {"Annotation", "--annotation"}} {
		words, err := c.LookupAllArgs(groupContainer, kv[0])
		if err != nil {
			return nil, err
		}
		vals := map[string]string{}
		for _, w := range words {
			k, _, _ := strings.Cut(w, "=")
			vals[k] = w // the last assignment of a key wins
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a = append(a, kv[1], vals[k])
		}
	}
	files, err := c.LookupAllArgs(groupContainer, "EnvironmentFile")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		a = append(a, "--env-file", absPath(c, f))
	}
	return a, nil
}

// absPath resolves a relative path against the unit file's directory;
// a path starting with a systemd specifier (%h, %t...) is left to systemd.
func absPath(c *UnitFile, p string) string {
	if filepath.IsAbs(p) || (strings.HasPrefix(p, "%") && !strings.HasPrefix(p, "%%")) {
		return p
	}
	if c.Path != "" {
		return filepath.Join(filepath.Dir(c.Path), p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
