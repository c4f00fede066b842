package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/errdefs"
)

// unshareCmd is podman's `unshare`. It exists for rootless podman, which
// runs the command inside its user namespace; as root podman 5 refuses it,
// and pier, which has no rootless mode, refuses it for everyone.
func unshareCmd(g *Globals) *cobra.Command {
	var rootlessNetns bool
	cmd := &cobra.Command{
		Use:   "unshare [options] [COMMAND [ARG...]]",
		Short: "Run a command in a modified user namespace",
		Long:  "Runs a command in a modified user namespace.",
		Example: `pier unshare id
  pier unshare cat /proc/self/uid_map
  pier unshare pier-script.sh`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if os.Geteuid() == 0 {
				return errors.New("please use unshare with rootless")
			}
			return errdefs.Errorf(errdefs.ErrNotImplemented, "unshare: pier has no rootless mode")
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVar(&rootlessNetns, "rootless-netns", false, "Join the rootless network namespace used for CNI and netavark networking")
	// podman still takes the old spelling.
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "rootless-cni" {
			name = "rootless-netns"
		}
		return pflag.NormalizedName(name)
	})
	return cmd
}
