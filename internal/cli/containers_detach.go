package cli

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// errDetached ends an attach whose user typed the detach keys: the
// container runs on and pier exits 0.
var errDetached = errors.New("detached from the container")

const detachKeysHelp = "Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _"

func addDetachKeysFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "detach-keys", defaultDetachKeys, detachKeysHelp)
}

// resolveDetachKeys parses the --detach-keys value, or containers.conf's
// detach_keys when the flag is not given, as podman.
func resolveDetachKeys(cmd *cobra.Command, g *Globals, v string) ([]byte, error) {
	if !cmd.Flags().Changed("detach-keys") {
		conf, err := g.Config()
		if err != nil {
			return nil, err
		}
		if conf.Common != nil {
			v = conf.Common.Engine.DetachKeys
		}
	}
	return detachKeys(v)
}

// detachable makes ctx end with the cause errDetached once keys are read
// from in (no keys: never); the returned reader passes everything else on.
func detachable(ctx context.Context, in io.Reader, keys []byte) (context.Context, io.Reader, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	if in != nil && len(keys) > 0 {
		in = &detachReader{r: in, keys: keys, detach: func() { cancel(errDetached) }}
	}
	return ctx, in, func() { cancel(nil) }
}

// detached reports whether ctx ended because the user detached.
func detached(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errDetached)
}
