package quadlet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// UnitDirs are the directories searched for .container files, in podman's
// order (the first file of a name wins): $QUADLET_UNIT_DIRS when set, else
// podman's root or user directories, each with its subdirectories.
func UnitDirs(user bool) []string {
	if env := os.Getenv("QUADLET_UNIT_DIRS"); env != "" {
		var dirs []string
		for _, d := range strings.Split(env, ":") {
			if filepath.IsAbs(d) {
				dirs = append(dirs, withSubdirs(d, "")...)
			}
		}
		return dirs
	}
	if !user {
		var dirs []string
		dirs = append(dirs, withSubdirs("/run/containers/systemd", "users")...)
		dirs = append(dirs, withSubdirs("/etc/containers/systemd", "users")...)
		return append(dirs, withSubdirs("/usr/share/containers/systemd", "")...)
	}
	var dirs []string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		dirs = append(dirs, withSubdirs(filepath.Join(rt, "containers/systemd"), "")...)
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, withSubdirs(filepath.Join(cfg, "containers/systemd"), "")...)
	}
	dirs = append(dirs, withSubdirs(fmt.Sprintf("/etc/containers/systemd/users/%d", os.Getuid()), "")...)
	return append(dirs, "/etc/containers/systemd/users")
}

// withSubdirs is dir and the directories below it, skipping one named skip
// directly under it (root's search leaves out the users' tree).
func withSubdirs(dir, skip string) []string {
	dirs := []string{dir}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return nil
		}
		if skip != "" && p == filepath.Join(dir, skip) {
			return filepath.SkipDir
		}
		dirs = append(dirs, p)
		return nil
	})
	return dirs
}

// Options is one generator run.
type Options struct {
	OutputDir string    // systemd's normal generator directory; unused with DryRun
	DryRun    bool      // print the units to Out instead of writing them
	User      bool      // the user session's generator
	Pier      string    // the pier binary the units run
	Out       io.Writer // DryRun's output
}

// Generate converts every .container file found. A file that cannot be
// converted is reported in the returned error and gets no unit; the others
// are still written.
func Generate(o Options, dirs []string) error {
	units, errs := load(dirs)
	known := map[string]bool{}
	for _, u := range units {
		known[u.Filename] = true
		if err := loadDropins(u, dirs); err != nil {
			errs = append(errs, err)
		}
	}
	if !o.DryRun && len(units) > 0 {
		if err := os.MkdirAll(o.OutputDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", o.OutputDir, err)
		}
	}
	for _, u := range units {
		svc, err := ConvertContainer(u, o.Pier, o.User, known)
		if err != nil {
			errs = append(errs, fmt.Errorf("converting %q: %w", u.Filename, err))
			continue
		}
		path := filepath.Join(o.OutputDir, svc.Filename)
		if o.DryRun {
			fmt.Fprintf(o.Out, "---%s---\n%s\n", path, svc.String())
			continue
		}
		if err := writeUnit(path, svc); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, enable(o.OutputDir, svc)...)
	}
	return errors.Join(errs...)
}

func load(dirs []string) ([]*UnitFile, []error) {
	var units []*UnitFile
	var errs []error
	seen := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if seen[name] || e.IsDir() || !quadletExts[filepath.Ext(name)] {
				continue
			}
			if filepath.Ext(name) != ".container" {
				seen[name] = true
				errs = append(errs, fmt.Errorf("%s: pier-quadlet converts .container files only, %s files are not supported", filepath.Join(d, name), filepath.Ext(name)))
				continue
			}
			path := filepath.Join(d, name)
			data, err := os.ReadFile(path)
			if err == nil {
				var u *UnitFile
				if u, err = Parse(name, string(data)); err == nil {
					u.Path = path
					seen[name] = true
					units = append(units, u)
					continue
				}
			}
			errs = append(errs, fmt.Errorf("error loading %q, %w", path, err))
		}
	}
	return units, errs
}

// loadDropins merges NAME.container.d/*.conf and the broader drop-in
// directories (container.d, prefixes up to a '-', a template's base) in
// podman's order: the most specific directory's file of a name wins, and
// files merge in name order.
func loadDropins(u *UnitFile, dirs []string) error {
	paths := map[string]string{}
	for _, sub := range dropinDirs(u.Filename) {
		for _, d := range dirs {
			entries, err := os.ReadDir(filepath.Join(d, sub))
			if err != nil {
				continue
			}
			for _, e := range entries {
				if _, ok := paths[e.Name()]; !ok && filepath.Ext(e.Name()) == ".conf" {
					paths[e.Name()] = filepath.Join(d, sub, e.Name())
				}
			}
		}
	}
	names := make([]string, 0, len(paths))
	for n := range paths {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(paths[n])
		if err == nil {
			var d *UnitFile
			if d, err = Parse(n, string(data)); err == nil {
				u.Merge(d)
				continue
			}
		}
		return fmt.Errorf("error loading %q, %w", paths[n], err)
	}
	return nil
}

// dropinDirs lists a unit's drop-in directories, most specific first.
func dropinDirs(filename string) []string {
	ext := filepath.Ext(filename)
	base := strings.TrimSuffix(filename, ext)
	unit, instance, isTemplate := strings.Cut(base, "@")
	dirs := []string{strings.TrimPrefix(ext, ".") + ".d"}
	parts := strings.Split(unit, "-")
	for i := 0; i < len(parts)-1; i++ {
		prefix := strings.Join(parts[:i+1], "-") + "-"
		dirs = append(dirs, prefix+ext+".d")
		if isTemplate {
			dirs = append(dirs, prefix+"@"+ext+".d")
		}
	}
	if instance != "" {
		dirs = append(dirs, unit+"@"+ext+".d")
	}
	dirs = append(dirs, filename+".d")
	slices.Reverse(dirs)
	return dirs
}

func writeUnit(path string, svc *UnitFile) error {
	svc.PrependComment("Automatically generated by "+os.Args[0], "")
	if err := os.WriteFile(path, []byte(svc.String()), 0o644); err != nil {
		return fmt.Errorf("generating service file %s: %w", path, err)
	}
	return nil
}

// enable makes [Install]'s links itself: systemctl enable does not work on
// generated units (podman's quadlet does the same).
func enable(outDir string, svc *UnitFile) []error {
	var links []string
	aliases, _ := svc.LookupAllStrv("Install", "Alias")
	for _, a := range aliases {
		links = append(links, filepath.Clean(a))
	}
	name := svc.Filename
	if strings.Contains(name, "@") && strings.HasSuffix(strings.TrimSuffix(name, ".service"), "@") {
		// A template only installs with DefaultInstance.
		name = ""
		if inst, ok := svc.Lookup("Install", "DefaultInstance"); ok {
			name = strings.TrimSuffix(svc.Filename, "@.service") + "@" + inst + ".service"
		}
	}
	for _, kv := range [][2]string{{"WantedBy", "wants"}, {"RequiredBy", "requires"}, {"UpheldBy", "upholds"}} {
		units, _ := svc.LookupAllStrv("Install", kv[0])
		for _, u := range units {
			if name != "" && !strings.Contains(u, "/") {
				links = append(links, u+"."+kv[1]+"/"+name)
			}
		}
	}
	var errs []error
	for _, l := range links {
		target, err := filepath.Rel(filepath.Dir(l), svc.Filename)
		if err == nil {
			p := filepath.Join(outDir, l)
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				_ = os.Remove(p)
				err = os.Symlink(target, p)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("creating symlink %s: %w", l, err))
		}
	}
	return errs
}
