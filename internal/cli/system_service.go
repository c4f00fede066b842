package cli

import (
	"net/url"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
)

// newServiceCommand is `system service`: pier has no REST API yet, so a
// valid endpoint is refused clearly; an invalid one gets podman's error.
func newServiceCommand(g *Globals) *cobra.Command {
	var timeout uint
	var cors string
	cmd := &cobra.Command{
		Use:   "service [options] [URI]",
		Short: "Run API service",
		Long:  "Run an API service. pier does not serve its REST API yet: this command only checks the URI.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				u, err := url.Parse(args[0])
				if err != nil {
					return errdefs.Errorf(errdefs.ErrInvalidArgument, "%s is an invalid socket destination: %v", args[0], err)
				}
				switch u.Scheme {
				case "unix", "tcp", "fd":
				default:
					return errdefs.Errorf(errdefs.ErrInvalidArgument, "API Service endpoint scheme %q is not supported. Try tcp://%s or unix:/%s", u.Scheme, args[0], args[0])
				}
			}
			return errdefs.New(errdefs.ErrNotImplemented, "pier does not serve the REST API (system service) yet")
		},
	}
	f := cmd.Flags()
	f.UintVarP(&timeout, "time", "t", 5, "Time until the service session expires in seconds.  Use 0 to disable the timeout")
	f.StringVar(&cors, "cors", "", "Set CORS Headers")
	return cmd
}
