package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// sandboxFlags are create's and run's flags for less common options of
// how the process runs and where its image comes from: --rootfs,
// --personality, --rdt-class, --seccomp-policy, --decryption-key and
// docker's no-op --disable-content-trust (a registry flag, shown here).
type sandboxFlags struct {
	rootfs                               bool
	personality, rdtClass, seccompPolicy string
	decryptionKeys                       []string
}

func (o *sandboxFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&o.rootfs, "rootfs", false, "The first argument is not an image but the rootfs to the exploded container")
	f.StringVar(&o.personality, "personality", "", "Configure execution domain using personality (e.g., LINUX/LINUX32)")
	f.StringVar(&o.rdtClass, "rdt-class", "", "Class of Service (COS) that the container should be assigned to")
	f.StringVar(&o.seccompPolicy, "seccomp-policy", "default", "Policy for selecting a seccomp profile (experimental)")
	f.StringArrayVar(&o.decryptionKeys, "decryption-key", nil, "Key needed to decrypt the image (e.g. /path/to/key.pem)")
	// registryFlags define it hidden; run and create show it, as podman.
	if dct := f.Lookup("disable-content-trust"); dct != nil {
		dct.Hidden = false
	}
}

// apply fills the request's sandbox; with --rootfs the first argument,
// which the request holds as its image, is the root filesystem
// ("PATH[:O]", made absolute).
func (o *sandboxFlags) apply(req *engine.CreateRequest) error {
	sb := &req.Sandbox
	sb.Personality, sb.RdtClass, sb.SeccompPolicy = o.personality, o.rdtClass, o.seccompPolicy
	if !o.rootfs {
		return nil
	}
	path := req.Image
	if p, ok := strings.CutSuffix(path, ":O"); ok {
		path, sb.RootfsOverlay = p, true
	}
	if i := strings.LastIndex(path, ":idmap"); i >= 0 {
		// podman's PATH:idmap[=...] needs idmapped mounts, which this
		// host's runc cannot make.
		return errdefs.Errorf(errdefs.ErrNotImplemented, "--rootfs %s: idmapped root filesystems are not supported", path[i+1:])
	}
	abs, err := absPath(path)
	if err != nil {
		return err
	}
	sb.Rootfs, req.Image = abs, ""
	return nil
}

// pullOptions adds the decryption keys to the pull of a missing image;
// they are read even when no pull happens, as podman reads them.
func (o *sandboxFlags) pullOptions(p *image.PullOptions) error {
	dec, err := image.ParseDecryptionKeys(o.decryptionKeys)
	if err != nil {
		return err
	}
	if p != nil {
		p.DecryptConfig = dec
	}
	return nil
}
