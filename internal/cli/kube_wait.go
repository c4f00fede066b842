//go:build !pierslim

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// kubeWait is `kube play --wait` once the pods are up: it waits for the
// service container, which ends when every pod has stopped, or for
// SIGINT/SIGTERM (which cancel the command's context), then tears down
// what the YAML made, volumes included, with kube down's report.
func kubeWait(cmd *cobra.Command, g *Globals, rt *engine.Runtime, data []byte, serviceID string) error {
	ctx := cmd.Context()
	var waitErr error
	if serviceID != "" {
		// polled: the pods may run for days
		_, waitErr = rt.Wait(ctx, serviceID, nil, 250*time.Millisecond)
	}
	bg := context.WithoutCancel(ctx)
	cancelled := ctx.Err() != nil
	if cancelled {
		fmt.Fprintln(g.Stdout, "\nCleaning up containers, pods, and volumes...")
	} else {
		if waitErr != nil && !errors.Is(waitErr, define.ErrNoSuchCtr) {
			return waitErr
		}
		fmt.Fprintln(g.Stdout, "Cleaning up containers, pods, and volumes...")
	}
	cmd.SetContext(bg)
	err := kubeDown(cmd, g, data, true)
	if err != nil && cancelled {
		return fmt.Errorf("error during cleanup: %v", err)
	}
	return err
}

// parseMACs checks --mac-address values as podman does (net.ParseMAC's
// error as the message).
func parseMACs(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, m := range in {
		hw, err := net.ParseMAC(m)
		if err != nil {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
		out = append(out, hw.String())
	}
	return out, nil
}
