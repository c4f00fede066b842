package define

// Identity is how pier sets up the container's /etc files and scratch
// mounts beyond -u and the user's own mounts (run's and create's
// --passwd, --passwd-entry, --group-entry, --hostuser,
// --chrootdirs, --read-only-tmpfs, --shm-size-systemd, --image-volume
// tmpfs), fixed at create as podman fixes them.
type Identity struct {
	// Passwd is run's --passwd: nil or true lets pier add the entries
	// below (and one for a numeric -u missing from the image) to the
	// container's /etc/passwd and /etc/group; false adds none.
	Passwd *bool `json:"passwd,omitempty"`
	// PasswdEntry and GroupEntry are templates of the entries added
	// ($USERNAME $UID $GID $NAME $HOME, $GROUPNAME $GID $USERLIST).
	PasswdEntry string `json:"passwdEntry,omitempty"`
	GroupEntry  string `json:"groupEntry,omitempty"`
	// HostUsers are host users (names or UIDs) whose passwd entries are
	// copied in (--hostuser).
	HostUsers []string `json:"hostUsers,omitempty"`
	// ChrootDirs get /etc/hosts and /etc/resolv.conf mounted inside
	// them too, for programs that chroot there (--chrootdirs).
	ChrootDirs []string `json:"chrootDirs,omitempty"`
	// NoReadOnlyTmpfs is --read-only-tmpfs=false: a --read-only
	// container gets no tmpfs on /run, /tmp and /var/tmp, and its /dev
	// and /dev/shm are read-only too.
	NoReadOnlyTmpfs bool `json:"noReadOnlyTmpfs,omitempty"`
	// ShmSizeSystemd sizes the tmpfs mounts of systemd mode (bytes, 0:
	// the kernel's default).
	ShmSizeSystemd int64 `json:"shmSizeSystemd,omitempty"`
	// ImageTmpfs are the image's VOLUMEs that --image-volume tmpfs
	// turned into tmpfs mounts (they are no user mounts: inspect does
	// not show them).
	ImageTmpfs []string `json:"imageTmpfs,omitempty"`
}

// PasswdEnabled reports whether pier may add entries to the container's
// /etc/passwd and /etc/group (run --passwd, true unless set false).
func (i *Identity) PasswdEnabled() bool { return i.Passwd == nil || *i.Passwd }
