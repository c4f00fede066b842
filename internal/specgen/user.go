package specgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/user"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxIDFileSize bounds how much of an image's /etc/passwd or /etc/group is
// read: the files are untrusted and real ones are a few kilobytes.
const maxIDFileSize = 16 << 20

// ResolveUser resolves a --user value ("", "user", "uid", "user:group",
// "uid:gid", ...) against the /etc/passwd and /etc/group of the container's
// rootfs, as podman does: names must exist, numeric IDs need not (an image
// without /etc/passwd runs fine as "1000"), an empty value means root, and
// without an explicit group the user's supplementary groups from /etc/group
// are added. It also returns the user's home directory ("/" when the
// passwd file has none), which becomes $HOME.
//
// The files are opened through file descriptors inside rootfs, so a
// symlinked /etc/passwd in an image resolves within the image and can
// never make pier read a host file.
func ResolveUser(rootfs, userSpec string) (spec.User, string, error) {
	return ResolveUserWith(rootfs, userSpec, "", "")
}

// ResolveUserWith is ResolveUser with host files that the container gets
// bound over its /etc/passwd and /etc/group (empty: the rootfs's own).
func ResolveUserWith(rootfs, userSpec, passwdFile, groupFile string) (spec.User, string, error) {
	if _, err := os.Stat(rootfs); err != nil {
		return spec.User{}, "", fmt.Errorf("resolving user %q: %w", userSpec, err)
	}
	passwd, err := readIDFile(rootfs, "/etc/passwd", passwdFile)
	if err != nil {
		return spec.User{}, "", err
	}
	group, err := readIDFile(rootfs, "/etc/group", groupFile)
	if err != nil {
		return spec.User{}, "", err
	}
	defaults := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	eu, err := user.GetExecUser(userSpec, defaults, passwd, group)
	if err != nil {
		// moby/sys/user words these as podman shows them, e.g.
		// "unable to find user foo: no matching entries in passwd file".
		return spec.User{}, "", invalidf("%w", err)
	}
	u := spec.User{UID: uint32(eu.Uid), GID: uint32(eu.Gid)}
	for _, g := range eu.Sgids {
		u.AdditionalGids = append(u.AdditionalGids, uint32(g))
	}
	return u, eu.Home, nil
}

// readInRootfs returns the content of the regular file at path inside
// rootfs, or a nil reader when it does not exist. A nil interface (not a
// nil *bytes.Reader) is what tells moby/sys/user the file is absent.
func readInRootfs(rootfs, path string) (io.Reader, error) {
	h, err := pathrs.OpenInRoot(rootfs, path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
			return nil, nil
		}
		return nil, fmt.Errorf("opening %s in the container's rootfs: %w", path, err)
	}
	defer h.Close()
	fi, err := h.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening %s in the container's rootfs: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		// A FIFO or device here would block or read forever.
		return nil, fmt.Errorf("%s in the container's rootfs is not a regular file", path)
	}
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("opening %s in the container's rootfs: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxIDFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s in the container's rootfs: %w", path, err)
	}
	if len(data) > maxIDFileSize {
		return nil, fmt.Errorf("%s in the container's rootfs is larger than %d bytes", path, maxIDFileSize)
	}
	return bytes.NewReader(data), nil
}

// readIDFile reads hostFile when set (a file pier wrote), else path in
// rootfs.
func readIDFile(rootfs, path, hostFile string) (io.Reader, error) {
	if hostFile == "" {
		return readInRootfs(rootfs, path)
	}
	data, err := os.ReadFile(hostFile)
	if err != nil {
		return nil, fmt.Errorf("reading the container's %s: %w", path, err)
	}
	return bytes.NewReader(data), nil
}
