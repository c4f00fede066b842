//go:build !pierslim

package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// manifestCmd is podman's `manifest` group: local manifest lists (image
// indexes) built from local and remote images, pushed to a registry.
func manifestCmd(g *Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Manipulate manifest lists and image indexes",
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(manifestCreateCmd(g), manifestAddCmd(g), manifestAnnotateCmd(g), manifestInspectCmd(g),
		manifestPushCmd(g), manifestRmCmd(g), manifestRemoveCmd(g), manifestExistsCmd(g))
	return cmd
}

// platformFlags are the platform overrides of add and annotate.
type platformFlags struct {
	os, arch, variant, osVersion string
	osFeatures, annotations      []string
}

func (p *platformFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.os, "os", "", "Override the `OS` of the specified image")
	f.StringVar(&p.arch, "arch", "", "Override the `architecture` of the specified image")
	f.StringVar(&p.variant, "variant", "", "Override the `Variant` of the specified image")
	f.StringVar(&p.osVersion, "os-version", "", "Override the OS `version` of the specified image")
	f.StringSliceVar(&p.osFeatures, "os-features", nil, "Override the OS `features` of the specified image")
	f.StringArrayVar(&p.annotations, "annotation", nil, "Set an `annotation` for the specified image")
}

func manifestCreateCmd(g *Globals) *cobra.Command {
	var all bool
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "create [options] LIST [IMAGE...]",
		Short: "Create manifest list or image index",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, st, err := rf.openStore(cmd, g)
			if err != nil {
				return err
			}
			id, err := st.ManifestCreate(cmd.Context(), args[0], args[1:], image.ManifestAddOptions{All: all, Registry: ro})
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "Add all of the lists' images if the images to add are lists")
	rf.add(cmd.Flags(), true)
	return cmd
}

func manifestAddCmd(g *Globals) *cobra.Command {
	var all bool
	var pf platformFlags
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "add [options] LIST IMAGE [IMAGE...]",
		Short: "Add images to a manifest list or image index",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, st, err := rf.openStore(cmd, g)
			if err != nil {
				return err
			}
			o := image.ManifestAddOptions{All: all, OS: pf.os, Arch: pf.arch, Variant: pf.variant, OSVersion: pf.osVersion,
				OSFeatures: pf.osFeatures, Annotations: pf.annotations, Registry: ro}
			var id string
			for _, img := range args[1:] {
				if id, _, err = st.ManifestAdd(cmd.Context(), args[0], img, o); err != nil {
					return err
				}
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "Add all of the list's images if the image is a list")
	pf.add(cmd)
	rf.add(cmd.Flags(), true)
	return cmd
}

func manifestAnnotateCmd(g *Globals) *cobra.Command {
	var pf platformFlags
	var index bool
	cmd := &cobra.Command{
		Use:   "annotate [options] LIST IMAGEORDIGEST",
		Short: "Add or update information about an entry in a manifest list or image index",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && !index {
				return fmt.Errorf("a manifest list and an instance digest must be specified: %w", errdefs.ErrInvalidArgument)
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			inst := ""
			if len(args) == 2 {
				inst = args[1]
			}
			id, err := st.ManifestAnnotate(cmd.Context(), args[0], inst, image.ManifestAnnotateOptions{
				OS: pf.os, Arch: pf.arch, Variant: pf.variant, OSVersion: pf.osVersion,
				OSFeatures: pf.osFeatures, Annotations: pf.annotations, Index: index})
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	pf.add(cmd)
	cmd.Flags().BoolVar(&index, "index", false, "Apply --annotation values to the image index itself")
	return cmd
}

func manifestInspectCmd(g *Globals) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   "inspect [options] LIST",
		Short: "Display the contents of a manifest list or image index",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, st, err := rf.openStore(cmd, g)
			if err != nil {
				return err
			}
			blob, err := st.ManifestInspect(cmd.Context(), args[0], ro)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := json.Indent(&b, blob, "", "    "); err != nil {
				return fmt.Errorf("rendering manifest of %s: %w", args[0], err)
			}
			b.WriteByte('\n')
			_, err = b.WriteTo(g.Stdout)
			return err
		},
	}
	rf.add(cmd.Flags(), true)
	return cmd
}

func manifestPushCmd(g *Globals) *cobra.Command {
	var rf registryFlags
	var o image.ManifestPushOptions
	var digestFile string
	var quiet, rm bool
	cmd := &cobra.Command{
		Use:   "push [options] LIST [DESTINATION]",
		Short: "Push a manifest list or image index to a registry",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, st, err := rf.openStore(cmd, g)
			if err != nil {
				return err
			}
			o.Registry = ro
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			d, err := st.ManifestPush(progressCtx(cmd.Context(), g, quiet), args[0], dest, o)
			if err != nil {
				return err
			}
			if digestFile != "" {
				if err := os.WriteFile(digestFile, []byte(d.String()), 0o644); err != nil {
					return fmt.Errorf("writing digest file: %w", err)
				}
			}
			if rm {
				if _, _, err := st.ManifestRemove(cmd.Context(), args[:1]); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.All, "all", true, "Push all images")
	f.StringVarP(&o.Format, "format", "f", "", "Manifest type (oci or v2s2) to attempt to use when pushing the manifest list (default is manifest type of source)")
	f.BoolVar(&o.RemoveSignatures, "remove-signatures", false, "Don't copy signatures when pushing images")
	f.StringVar(&digestFile, "digestfile", "", "After copying the image, write the digest of the resulting digest to the file")
	f.BoolVarP(&quiet, "quiet", "q", false, "don't output progress information when pushing lists")
	f.BoolVar(&rm, "rm", false, "remove the manifest list if push succeeds")
	rf.add(f, true)
	return cmd
}

func manifestRmCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rm LIST [LIST...]",
		Short: "Remove manifest list or image index from local storage",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			untagged, deleted, err := st.ManifestRemove(cmd.Context(), args)
			return rmiReport(g, untagged, deleted, err)
		},
	}
}

// manifestRemoveCmd drops one instance from a list; `manifest rm` removes
// whole lists.
func manifestRemoveCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove LIST DIGEST",
		Short: "Remove an item from a manifest list or image index",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			id, err := st.ManifestRemoveInstance(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
}

func manifestExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists LIST",
		Short: "Check if a manifest list exists in local storage",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			return existsExit(st.ManifestExists(cmd.Context(), args[0]))
		},
	}
}
