package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// inspectKind is the command's scope: top-level `inspect` looks at every
// object type, `container inspect` only at containers.
type inspectKind int

const (
	inspectAll inspectKind = iota
	inspectContainer
)

func newInspectCommand(g *Globals, kind inspectKind) *cobra.Command {
	var tmpl, typ string
	var latest, size bool
	cmd := &cobra.Command{
		Use:   "inspect [options] {CONTAINER|IMAGE} [...]",
		Short: "Display the configuration of object denoted by ID",
		Long:  "Displays the low-level information on an object identified by name or ID.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !latest {
				return errors.New("no names or ids specified")
			}
			if len(args) > 0 && latest {
				return errors.New("--latest and arguments cannot be used together")
			}
			if kind == inspectContainer {
				typ = "container"
			}
			switch typ {
			case "all", "container", "image":
			default:
				return fmt.Errorf("invalid type %q: must be %q, %q or %q", typ, "image", "container", "all")
			}
			if latest && typ == "image" {
				return fmt.Errorf("latest is not supported for type %q", typ)
			}
			data, errs := inspectObjects(cmd.Context(), g, args, typ, latest, engine.InspectOptions{Size: size})
			if data == nil {
				data = []any{} // podman always prints an array, even empty
			}
			if err := printInspect(g.Stdout, data, normalizeInspectFormat(tmpl)); err != nil {
				return err
			}
			if len(errs) == 0 {
				return nil
			}
			for _, e := range errs[1:] {
				fmt.Fprintln(g.Stderr, "error inspecting object:", e)
			}
			return fmt.Errorf("inspecting object: %w", errs[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&tmpl, "format", "f", "json", "Format the output to a Go template or json")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVarP(&size, "size", "s", false, "Display total file size")
	if kind == inspectAll {
		f.StringVarP(&typ, "type", "t", "all", "Specify inspect-object type")
	}
	return cmd
}

// inspectObjects gathers inspect data in argument order and the errors
// for the names that matched nothing.
func inspectObjects(ctx context.Context, g *Globals, args []string, typ string, latest bool, opts engine.InspectOptions) ([]any, []error) {
	if typ == "image" {
		data, err := inspectImages(ctx, g, args)
		if err != nil {
			return data, []error{err}
		}
		return data, nil
	}
	rt, err := g.Engine(ctx)
	if err != nil {
		return nil, []error{err}
	}
	if latest {
		ts, err := latestTarget(ctx, rt)
		if err != nil {
			return nil, []error{err}
		}
		args = []string{ts[0].ctr.Config.ID}
	}
	var data []any
	var errs []error
	for _, name := range args {
		d, err := rt.Inspect(ctx, name, opts)
		if err == nil {
			data = append(data, d)
			continue
		}
		if !errors.Is(err, define.ErrNoSuchCtr) {
			errs = append(errs, err)
			continue
		}
		if typ == "container" {
			errs = append(errs, fmt.Errorf("no such container %s", name))
			continue
		}
		if img, ierr := inspectImages(ctx, g, []string{name}); ierr == nil && len(img) == 1 {
			data = append(data, img[0])
			continue
		}
		errs = append(errs, fmt.Errorf("no such object: %q", name))
	}
	return data, errs
}

// normalizeInspectFormat accepts docker's spellings as podman does:
// {{.Id}}, .Src, .Dst and .ImageID.
func normalizeInspectFormat(f string) string {
	f = inspectIDRe().ReplaceAllString(f, "{{.ID}}")
	return strings.NewReplacer(".Src", ".Source", ".Dst", ".Destination", ".ImageID", ".Image").Replace(f)
}
