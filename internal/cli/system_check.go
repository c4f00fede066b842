package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/image"
)

func systemCheckCmd(g *Globals) *cobra.Command {
	var o image.CheckOptions
	var maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "check [options]",
		Short: "Check storage consistency",
		Long:  "\n\tpier system check\n\n        Check storage for consistency and remove anything that looks damaged\n",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("max") {
				o.MaxUnreferencedAge = &maxAge
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			rep, removed, err := rt.SystemCheck(cmd.Context(), o)
			if err != nil && rep != nil {
				// The repair's failures, listed as podman lists them.
				return errors.New(multiErrorText(err))
			} else if err != nil {
				return err
			}
			printCheckReport(g.Stdout, rep, removed)
			if !o.Repair && !o.RemoveContainers && rep.Damaged() {
				return errors.New("damage detected in local storage")
			}
			recheck := o
			recheck.Repair, recheck.RemoveContainers = false, false
			if rep, _, err = rt.SystemCheck(cmd.Context(), recheck); err != nil {
				return err
			}
			if rep.Damaged() {
				return errors.New("damage in local storage still present after repair attempt")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Quick, "quick", "q", false, "Skip time-consuming checks. The default is to include time-consuming checks")
	f.BoolVarP(&o.Repair, "repair", "r", false, "Remove inconsistent images")
	f.BoolVarP(&o.RemoveContainers, "force", "f", false, "Remove inconsistent images and containers")
	f.DurationVarP(&maxAge, "max", "m", 24*time.Hour, "Maximum allowed age of unreferenced layers")
	return cmd
}

// printCheckReport prints the damage as podman does, in ID order.
func printCheckReport(w io.Writer, rep *image.CheckReport, removedCtrs map[string]string) {
	damaged := func(what string, m map[string][]error) {
		for _, id := range slices.Sorted(maps.Keys(m)) {
			if len(m[id]) > 0 {
				fmt.Fprintf(w, "Damaged %s %s:\n%s", what, id, multiErrorText(errors.Join(m[id]...)))
			}
		}
	}
	damaged("layer", rep.Layers)
	damaged("read-only layer", rep.ROLayers)
	damaged("image", rep.Images)
	for _, id := range slices.Sorted(maps.Keys(rep.RemovedImages)) {
		fmt.Fprintf(w, "Deleted damaged image: %s\n", id)
	}
	for _, id := range slices.Sorted(maps.Keys(rep.ROImages)) {
		// podman's line has no colon here.
		fmt.Fprintf(w, "Damaged read-only image %s\n%s", id, multiErrorText(errors.Join(rep.ROImages[id]...)))
	}
	damaged("container", rep.Containers)
	for _, id := range slices.Sorted(maps.Keys(removedCtrs)) {
		fmt.Fprintf(w, "Deleted damaged container: %s\n", id)
	}
}

// multiErrorText lists joined errors the way podman's multierror prints
// them ("2 errors occurred:\n\t* a\n\t* b\n\n").
func multiErrorText(err error) string {
	var leaves []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if e != nil {
			leaves = append(leaves, e.Error())
		}
	}
	walk(err)
	noun := "errors"
	if len(leaves) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d %s occurred:\n\t* %s\n\n", len(leaves), noun, strings.Join(leaves, "\n\t* "))
}
