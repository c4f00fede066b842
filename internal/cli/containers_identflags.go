package cli

import (
	"fmt"

	units "github.com/docker/go-units"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/engine"
)

// identityFlags are create's and run's flags for the container's /etc
// files, umask, sysctls, merged environment and image volumes.
type identityFlags struct {
	passwdEntry, groupEntry, umask    string
	shmSizeSystemd, imageVolume       string
	hostUsers, chrootDirs, sysctls    []string
	envMerge                          []string
	noHostname, readOnlyTmpfs, passwd bool
	hasPasswd                         bool // run's --passwd is registered
	changed                           func(string) bool
}

func (o *identityFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.passwdEntry, "passwd-entry", "", "Entry to write to /etc/passwd")
	f.StringVar(&o.groupEntry, "group-entry", "", "Entry to write to /etc/group")
	f.StringSliceVar(&o.hostUsers, "hostuser", nil, "Host user account to add to /etc/passwd within container")
	f.StringVar(&o.umask, "umask", "0022", "Set umask in container")
	f.BoolVar(&o.noHostname, "no-hostname", false, "Do not create /etc/hostname within the container, instead use the version from the image")
	f.StringArrayVar(&o.envMerge, "env-merge", nil, "Preprocess environment variables from image before injecting them into the container")
	f.BoolVar(&o.readOnlyTmpfs, "read-only-tmpfs", true, "When running --read-only containers mount read-write tmpfs on /dev, /dev/shm, /run, /tmp and /var/tmp")
	f.StringSliceVar(&o.sysctls, "sysctl", nil, "Sysctl options")
	f.StringVar(&o.shmSizeSystemd, "shm-size-systemd", "", "Size of systemd specific tmpfs mounts (/run, /run/lock) (format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringArrayVar(&o.chrootDirs, "chrootdirs", nil, "Chroot directories inside the container")
	f.StringVar(&o.imageVolume, "image-volume", "anonymous", `Tells podman how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")`)
	o.changed = f.Changed
}

// addRun adds run's --passwd, which create does not have.
func (o *identityFlags) addRun(f *pflag.FlagSet) {
	f.BoolVar(&o.passwd, "passwd", true, "add entries to /etc/passwd and /etc/group")
	o.hasPasswd = true
}

// confDefaults takes containers.conf's umask and image_volume_mode as the
// flags' defaults, as podman does.
func (o *identityFlags) confDefaults(conf *config.Config) {
	if !o.changed("umask") {
		o.umask = conf.Containers.Umask
	}
	if !o.changed("image-volume") && conf.Common != nil {
		o.imageVolume = conf.Common.Engine.ImageVolumeMode
	}
}

func (o *identityFlags) apply(creq *engine.CreateRequest) error {
	creq.Sysctls, creq.NoHostname = o.sysctls, o.noHostname
	req := &creq.Identity
	*req = engine.IdentityRequest{
		PasswdEntry: o.passwdEntry, GroupEntry: o.groupEntry, HostUsers: o.hostUsers,
		ChrootDirs: o.chrootDirs, Umask: o.umask, EnvMerge: o.envMerge, ImageVolume: o.imageVolume,
	}
	if o.hasPasswd {
		p := o.passwd
		req.Passwd = &p
	}
	if !o.readOnlyTmpfs {
		f := false
		req.ReadOnlyTmpfs = &f
	}
	var err error
	req.ShmSizeSystemd, err = parseShmSizeSystemd(o.shmSizeSystemd)
	return err
}

// parseShmSizeSystemd is --shm-size-systemd in bytes ("" is nil), for
// containers and pods alike, with podman's error.
func parseShmSizeSystemd(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	n, err := units.RAMInBytes(s)
	if err != nil {
		return nil, fmt.Errorf("unable to translate --shm-size-systemd: %w", err)
	}
	return &n, nil
}
