package engine

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osuser "os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/user"

	"github.com/pier-engine/pier/internal/define"
)

// etcFiles adds to a container's /etc/passwd and /etc/group the entries
// podman adds at start: one per --hostuser missing from the image, one
// for a numeric -u user (and its numeric group) the image lacks, shaped
// by --passwd-entry and --group-entry. A writable rootfs gets them
// appended in place (so useradd keeps working); a --read-only one gets
// copies in dataDir, returned for binding over the originals. A user
// mount on either file is left alone, and run --passwd=false adds nothing.
func etcFiles(cfg *define.ContainerConfig, rootfs, dataDir string) (passwdPath, groupPath string, err error) {
	if !cfg.PasswdEnabled() || (cfg.User == "" && len(cfg.HostUsers) == 0 && cfg.GroupEntry == "") {
		return "", "", nil
	}
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return "", "", fmt.Errorf("opening the rootfs of container %s: %w", cfg.ID, err)
	}
	defer root.Close()
	f := etcFile{cfg: cfg, root: root, dataDir: dataDir}
	if !userMountAt(cfg, "/etc/passwd") {
		if passwdPath, err = f.add("passwd", f.passwdEntries); err != nil {
			return "", "", fmt.Errorf("creating temporary passwd file for container %s: %w", cfg.ID, err)
		}
	}
	if !userMountAt(cfg, "/etc/group") {
		if groupPath, err = f.add("group", f.groupEntries); err != nil {
			return "", "", fmt.Errorf("creating temporary passwd file for container %s: %w", cfg.ID, err)
		}
	}
	return passwdPath, groupPath, nil
}

// etcFile is one container's /etc/passwd or /etc/group being completed.
type etcFile struct {
	cfg     *define.ContainerConfig
	root    *os.Root
	dataDir string
}

// add appends entries() to etc/name: in the rootfs, or in a copy in
// dataDir for a read-only container (made once, as podman makes it once).
func (f etcFile) add(name string, entries func() (string, error)) (string, error) {
	copyPath := filepath.Join(f.dataDir, name)
	if f.cfg.ReadOnly {
		if _, err := os.Stat(copyPath); err == nil {
			return copyPath, nil
		}
	}
	add, err := entries()
	if err != nil || add == "" {
		return "", err
	}
	if f.cfg.ReadOnly {
		orig, err := f.read(name)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return "", err
		}
		if err := os.WriteFile(copyPath, append(orig, add...), 0o644); err != nil {
			return "", fmt.Errorf("failed to create temporary %s file: %w", name, err)
		}
		return copyPath, os.Chmod(copyPath, 0o644)
	}
	w, err := f.root.OpenFile("etc/"+name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	defer w.Close()
	if _, err := w.WriteString(add); err != nil {
		return "", fmt.Errorf("unable to append to container %s /etc/%s: %w", f.cfg.ID, name, err)
	}
	return "", nil
}

// read returns etc/name of the rootfs, nil when it does not exist.
func (f etcFile) read(name string) ([]byte, error) {
	data, err := f.root.ReadFile("etc/" + name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// findUser is podman's lookup.GetUser: the rootfs's entry for a name or
// UID, nil when there is none (or no passwd file).
func (f etcFile) findUser(idOrName string) (*user.User, error) {
	data, err := f.read("passwd")
	if err != nil {
		return nil, err
	}
	uid, numErr := strconv.Atoi(idOrName)
	users, err := user.ParsePasswdFilter(bytes.NewReader(data), func(u user.User) bool {
		if numErr != nil {
			return u.Name == idOrName
		}
		return u.Uid == uid
	})
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return &users[0], nil
}

// findGroup is findUser for /etc/group.
func (f etcFile) findGroup(idOrName string) (*user.Group, error) {
	data, err := f.read("group")
	if err != nil {
		return nil, err
	}
	gid, numErr := strconv.Atoi(idOrName)
	groups, err := user.ParseGroupFilter(bytes.NewReader(data), func(g user.Group) bool {
		if numErr != nil {
			return g.Name == idOrName
		}
		return g.Gid == gid
	})
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	return &groups[0], nil
}

// passwdEntries are the --hostuser entries, then the -u user's.
func (f etcFile) passwdEntries() (string, error) {
	var out strings.Builder
	for _, id := range f.cfg.HostUsers {
		u, err := lookupHostUser(id)
		if err != nil {
			return "", err
		}
		entry, err := f.hostUserEntry(u)
		if err != nil {
			return "", err
		}
		out.WriteString(entry)
	}
	entry, err := f.userEntry()
	if err != nil {
		return "", err
	}
	out.WriteString(entry)
	return out.String(), nil
}

// lookupHostUser is podman's: a UID first, else a name.
func lookupHostUser(id string) (*osuser.User, error) {
	if u, err := osuser.LookupId(id); err == nil {
		return u, nil
	}
	return osuser.Lookup(id)
}

// hostUserEntry copies host user u unless the image has its name or UID.
// Its home is the host's when a mount provides it, else the working dir.
func (f etcFile) hostUserEntry(u *osuser.User) (string, error) {
	for _, id := range []string{u.Username, u.Uid} {
		if found, err := f.findUser(id); err != nil || found != nil {
			return "", err
		}
	}
	home := f.cfg.WorkingDir
	for d := u.HomeDir; d != "/" && d != "." && d != ""; d = filepath.Dir(d) {
		if userMountAt(f.cfg, d) || slices.Contains(createdMounts(f.cfg), d) {
			home = u.HomeDir
			break
		}
	}
	return f.passwdLine(u.Username, u.Uid, u.Gid, u.Name, home, "%s:*:%s:%s:%s:%s:/bin/sh\n"), nil
}

// userEntry is the entry of a numeric -u UID the image lacks, named after
// the host's user of that UID if there is one.
func (f etcFile) userEntry() (string, error) {
	userPart, groupPart, _ := strings.Cut(f.cfg.User, ":")
	uid, err := strconv.ParseUint(userPart, 10, 32)
	if f.cfg.User == "" || err != nil {
		return "", nil
	}
	if found, err := f.findUser(userPart); err != nil || found != nil {
		return "", err
	}
	gid := 0
	if groupPart != "" {
		if n, err := strconv.ParseUint(groupPart, 10, 32); err == nil {
			gid = int(n)
		} else {
			g, err := f.findGroup(groupPart)
			if err == nil && g == nil {
				err = user.ErrNoGroupEntries
			}
			if err != nil {
				return "", fmt.Errorf("unable to get gid %s from group file: %w", groupPart, err)
			}
			gid = g.Gid
		}
	}
	ids, gids := strconv.FormatUint(uid, 10), strconv.Itoa(gid)
	if f.cfg.PasswdEntry != "" {
		return f.passwdLine(ids, ids, gids, "container user", f.cfg.WorkingDir, ""), nil
	}
	if hu, err := osuser.LookupId(ids); err == nil {
		return fmt.Sprintf("%s:*:%s:%s:%s:%s:/bin/sh\n", hu.Username, ids, gids, hu.Name, f.cfg.WorkingDir), nil
	}
	return fmt.Sprintf("%s:*:%s:%s:container user:%s:/bin/sh\n", ids, ids, gids, f.cfg.WorkingDir), nil
}

// passwdLine fills --passwd-entry's template, else the format.
func (f etcFile) passwdLine(name, uid, gid, gecos, home, format string) string {
	if f.cfg.PasswdEntry == "" {
		return fmt.Sprintf(format, name, uid, gid, gecos, home)
	}
	return fillTemplate(f.cfg.PasswdEntry, "$USERNAME", name, "$UID", uid, "$GID", gid, "$NAME", gecos, "$HOME", home)
}

// groupEntries is the entry of the -u user's numeric group (root's, 0,
// without one) when the image lacks it. As podman, --group-entry's
// $GROUPNAME and $USERLIST are then empty.
func (f etcFile) groupEntries() (string, error) {
	if f.cfg.User == "" && f.cfg.GroupEntry == "" {
		return "", nil
	}
	userPart, groupPart, hasGroup := strings.Cut(f.cfg.User, ":")
	if !hasGroup {
		groupPart = "0"
	}
	gid, err := strconv.ParseUint(groupPart, 10, 32)
	if err != nil {
		return "", nil
	}
	if found, err := f.findGroup(groupPart); err != nil || found != nil {
		return "", err
	}
	gids := strconv.FormatUint(gid, 10)
	if f.cfg.GroupEntry != "" {
		return fillTemplate(f.cfg.GroupEntry, "$GROUPNAME", "", "$GID", gids, "$USERLIST", ""), nil
	}
	return fmt.Sprintf("%s:x:%s:%s\n", gids, gids, userPart), nil
}

// fillTemplate replaces each variable of a --passwd-entry or
// --group-entry template in turn, as podman does, and ends the line.
func fillTemplate(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return s + "\n"
}

// createdMounts are the mounts podman puts in a container's spec at
// create besides the user's, which it counts as providing a host user's
// home: the kernel file systems, --read-only's scratch tmpfs and the
// image volumes made tmpfs.
func createdMounts(cfg *define.ContainerConfig) []string {
	out := []string{"/proc", "/dev", "/sys", "/dev/pts", "/dev/mqueue", "/dev/shm", "/sys/fs/cgroup"}
	if cfg.ReadOnly && !cfg.NoReadOnlyTmpfs {
		out = append(out, "/tmp", "/var/tmp", "/run")
	}
	return append(out, cfg.ImageTmpfs...)
}

// userMountAt reports whether the user mounts something at dest.
func userMountAt(cfg *define.ContainerConfig, dest string) bool {
	return slices.ContainsFunc(cfg.Mounts, func(m define.Mount) bool { return filepath.Clean(m.Destination) == dest })
}

// errUserSetup marks a failure to set up the container's user at start
// (an unknown --hostuser or -u user): podman's run exits 126 for it, as
// for the runtime's own failures.
var errUserSetup = errors.New("user setup")

type userSetupError struct{ err error }

func (e userSetupError) Error() string        { return e.err.Error() }
func (e userSetupError) Unwrap() error        { return e.err }
func (e userSetupError) Is(target error) bool { return target == errUserSetup }

// userEtcFiles are the files a container's users are looked up in
// instead of its rootfs's, as podman's: a user's bind mount on
// /etc/passwd or /etc/group (or on /etc), else the copies etcFiles bound
// over a --read-only container's ("" where none).
func (r *Runtime) userEtcFiles(c *define.Container) (passwd, group string) {
	passwd, group = mountedEtcFiles(&c.Config)
	if !c.Config.ReadOnly {
		return passwd, group
	}
	dir := r.ctrPaths(c.Config.ID).DataDir
	for name, dst := range map[string]*string{"passwd": &passwd, "group": &group} {
		if p := filepath.Join(dir, name); *dst == "" {
			if _, err := os.Stat(p); err == nil {
				*dst = p
			}
		}
	}
	return passwd, group
}

// mountedEtcFiles are the host files the user bind-mounts at /etc/passwd
// and /etc/group, directly or with /etc.
func mountedEtcFiles(cfg *define.ContainerConfig) (passwd, group string) {
	var etc string
	for _, m := range cfg.Mounts {
		if m.Type != "bind" {
			continue
		}
		switch filepath.Clean(m.Destination) {
		case "/etc/passwd":
			passwd = m.Source
		case "/etc/group":
			group = m.Source
		case "/etc":
			etc = m.Source
		}
	}
	if etc != "" {
		passwd = cmp.Or(passwd, filepath.Join(etc, "passwd"))
		group = cmp.Or(group, filepath.Join(etc, "group"))
	}
	return passwd, group
}
