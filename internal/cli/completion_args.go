package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/image"
)

// completeArgs gives every command without its own argument completion
// one derived from its usage line, as podman's commands have: container
// names (IDs once two characters are typed) for CONTAINER, image names
// for IMAGE, network, volume and pod names for NETWORK, VOLUME and POD, files for PATH, FILE, COMMAND and ARG, nothing otherwise and
// nothing past the last argument.
func completeArgs(root *cobra.Command, g *Globals) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.HasSubCommands() && sub.ValidArgsFunction == nil && sub.ValidArgs == nil {
				sub.ValidArgsFunction = argCompletion(g, usageArgs(sub.Use))
			}
			walk(sub)
		}
	}
	walk(root)
}

// usageArgs are the argument words of a usage line ("[options]" dropped).
func usageArgs(use string) []string {
	var words []string
	for _, w := range strings.Fields(use)[1:] {
		if w != "[options]" {
			words = append(words, w)
		}
	}
	return words
}

func argCompletion(g *Globals, words []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		i := len(args)
		if i >= len(words) {
			if len(words) == 0 || !strings.Contains(words[len(words)-1], "...") {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			i = len(words) - 1
		}
		w := words[i]
		switch {
		case strings.Contains(w, "CONTAINER"):
			return containerNames(cmd, g, toComplete), cobra.ShellCompDirectiveNoFileComp
		case strings.Contains(w, "IMAGE"):
			return imageNames(cmd, g, toComplete), cobra.ShellCompDirectiveNoFileComp
		case strings.Contains(w, "NETWORK"):
			return networkNames(cmd, g, toComplete), cobra.ShellCompDirectiveNoFileComp
		case strings.Contains(w, "VOLUME"):
			return volumeNames(cmd, g, toComplete), cobra.ShellCompDirectiveNoFileComp
		case strings.Contains(w, "POD"):
			return podNames(cmd, g, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		for _, k := range []string{"PATH", "FILE", "COMMAND", "ARG", "CONTEXT", "URI"} {
			if strings.Contains(w, k) {
				return nil, cobra.ShellCompDirectiveDefault
			}
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// containerNames completes containers as podman: names, and IDs once two
// characters are typed.
func containerNames(cmd *cobra.Command, g *Globals, prefix string) []string {
	g.cmd = cmd
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return nil
	}
	cs, err := rt.Containers(cmd.Context())
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range cs {
		if len(prefix) > 1 && strings.HasPrefix(c.Config.ID, prefix) {
			out = append(out, c.Config.ID[:12])
		}
		if strings.HasPrefix(c.Config.Name, prefix) {
			out = append(out, c.Config.Name)
		}
	}
	return out
}

// imageNames completes images as podman: full names, names without their
// registry and path once something is typed, IDs after two characters.
func imageNames(cmd *cobra.Command, g *Globals, prefix string) []string {
	g.cmd = cmd
	st, err := g.Images(cmd.Context())
	if err != nil {
		return nil
	}
	imgs, err := st.List(cmd.Context(), image.ListOptions{})
	if err != nil {
		return nil
	}
	var out []string
	for _, img := range imgs {
		if len(prefix) > 1 && strings.HasPrefix(img.ID, prefix) {
			out = append(out, img.ID[:12])
		}
		for _, n := range img.Names {
			short := n[strings.LastIndex(n, "/")+1:]
			switch {
			case strings.HasPrefix(n, prefix):
				out = append(out, n)
			case prefix != "" && strings.HasPrefix(short, prefix):
				out = append(out, short)
			}
		}
	}
	return out
}

// networkNames completes networks by name, as podman.
func networkNames(cmd *cobra.Command, g *Globals, prefix string) []string {
	g.cmd = cmd
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return nil
	}
	nets, err := rt.NetworkList(cmd.Context(), nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range nets {
		if strings.HasPrefix(n.Name, prefix) {
			out = append(out, n.Name)
		}
	}
	return out
}

// volumeNames completes volumes by name, as podman.
func volumeNames(cmd *cobra.Command, g *Globals, prefix string) []string {
	g.cmd = cmd
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return nil
	}
	vols, err := rt.VolumeList(cmd.Context(), nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, v := range vols {
		if strings.HasPrefix(v.Name, prefix) {
			out = append(out, v.Name)
		}
	}
	return out
}
