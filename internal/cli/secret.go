package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

func addSecretCommands(root *cobra.Command, g *Globals) {
	s := &cobra.Command{Use: "secret", Short: "Manage secrets", Long: "Manage secrets", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
	root.AddCommand(s)
	if !g.wants("secret") {
		return
	}
	s.AddCommand(secretCreateCmd(g), secretLsCmd(g), secretInspectCmd(g), secretRmCmd(g), secretExistsCmd(g))
}

func secretCreateCmd(g *Globals) *cobra.Command {
	var o engine.SecretCreateOptions
	var labels []string
	var env bool
	cmd := &cobra.Command{
		Use:   "create [options] NAME FILE|-",
		Short: "Create a new secret",
		Long:  `Create a secret. Input can be a path to a file or "-" (read from stdin). Secret drivers "file" (default), "pass", and "shell" are available.`,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := secretData(g, args[1], env)
			if err != nil {
				return err
			}
			if o.Labels, err = keyValues(labels, "label"); err != nil {
				return err
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			id, err := rt.SecretCreate(cmd.Context(), args[0], data, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Driver, "driver", "d", "file", "Specify secret driver")
	f.StringToStringVar(&o.DriverOpts, "driver-opts", nil, "Specify driver specific options")
	f.BoolVar(&env, "env", false, "Read secret data from environment variable")
	f.BoolVar(&o.Ignore, "ignore", false, "If a secret with the same name exists, ignore and do not create a new secret")
	f.StringArrayVarP(&labels, "label", "l", nil, "Specify labels on the secret")
	f.BoolVar(&o.Replace, "replace", false, "If a secret with the same name exists, replace it")
	return cmd
}

// secretData reads the secret from the file, stdin ("-") or, with --env,
// the variable of that name, with podman's messages.
func secretData(g *Globals, src string, env bool) ([]byte, error) {
	if env {
		v, ok := os.LookupEnv(src)
		if !ok {
			return nil, fmt.Errorf("cannot create store secret data: environment variable %s is not set", src)
		}
		return []byte(v), nil
	}
	if src == "-" {
		b, err := io.ReadAll(g.Stdin)
		if err != nil {
			return nil, fmt.Errorf("reading secret from stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// secretRow is one line of `secret ls`, times as podman shows them.
type secretRow struct {
	ID, Name, Driver, CreatedAt, UpdatedAt string
	Labels                                 map[string]string
}

func secretLsCmd(g *Globals) *cobra.Command {
	return objectLsCmd(g, lsText{
		short:          "List secrets",
		format:         "Format secret output using Go template",
		filter:         "Filter secret output",
		quiet:          "Print secret IDs only",
		noHeadingShort: "n",
	}, (*engine.Runtime).SecretList, printSecrets)
}

func printSecrets(g *Globals, secs []*define.InspectSecret, o *lsOpts) error {
	if o.quiet {
		for _, s := range secs {
			fmt.Fprintln(g.Stdout, s.ID)
		}
		return nil
	}
	rows := make([]any, 0, len(secs))
	now := time.Now()
	for _, s := range secs {
		rows = append(rows, secretRow{ID: s.ID, Name: s.Spec.Name, Driver: s.Spec.Driver.Name, Labels: s.Spec.Labels,
			CreatedAt: format.HumanAgo(now, s.CreatedAt), UpdatedAt: format.HumanAgo(now, s.UpdatedAt)})
	}
	tmpl := o.format
	if tmpl == "" {
		tmpl = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
	}
	headers := format.Headers(secretRow{}, map[string]string{"CreatedAt": "CREATED", "UpdatedAt": "UPDATED"})
	return format.Template(g.Stdout, tmpl, headers, rows, o.noHeading)
}

func secretInspectCmd(g *Globals) *cobra.Command {
	var tmpl string
	var pretty, show bool
	cmd := &cobra.Command{
		Use:   "inspect [options] SECRET [SECRET...]",
		Short: "Inspect a secret",
		Long:  "Display detail information on one or more secrets",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			var reps []any
			var errs []error
			for _, a := range args {
				rep, err := rt.SecretInspect(cmd.Context(), a, show)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				reps = append(reps, rep)
			}
			if pretty && tmpl == "" {
				printSecretsPretty(g, reps)
			} else if err := printSecretInspect(g, reps, tmpl); err != nil {
				return err
			}
			return joinErrs(g, errs)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&tmpl, "format", "f", "", "Format inspect output using Go template")
	f.BoolVar(&pretty, "pretty", false, "Print inspect output in human-readable format")
	f.BoolVar(&show, "showsecret", false, "Display the secret")
	return cmd
}

// printSecretInspect prints JSON with podman's four-space indent, or the
// template once per secret.
func printSecretInspect(g *Globals, reps []any, tmpl string) error {
	return printInspectIndent(g.Stdout, reps, tmpl, "    ")
}

func printSecretsPretty(g *Globals, reps []any) {
	for i, r := range reps {
		s := r.(*define.InspectSecret)
		if i > 0 {
			fmt.Fprintln(g.Stdout)
		}
		fmt.Fprintf(g.Stdout, "ID:              %s\nName:            %s\n", s.ID, s.Spec.Name)
		if len(s.Spec.Labels) > 0 {
			fmt.Fprintln(g.Stdout, "Labels:")
			for k, v := range s.Spec.Labels {
				fmt.Fprintf(g.Stdout, " - %s=%s\n", k, v)
			}
		}
		fmt.Fprintf(g.Stdout, "Driver:          %s\nCreated at:      %s\nUpdated at:      %s\n", s.Spec.Driver.Name, s.CreatedAt, s.UpdatedAt)
		if s.SecretData != "" {
			fmt.Fprintf(g.Stdout, "Secret data:     %s\n", s.SecretData)
		}
	}
}

func secretRmCmd(g *Globals) *cobra.Command {
	var all, ignore bool
	cmd := &cobra.Command{
		Use:   "rm [options] SECRET [SECRET...]",
		Short: "Remove one or more secrets",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("`podman secret rm` requires one argument or the --all flag")
			}
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			if all {
				secs, err := rt.SecretList(ctx, nil)
				if err != nil {
					return err
				}
				for _, s := range secs {
					args = append(args, s.ID)
				}
			}
			var errs []error
			for _, a := range args {
				id, err := rt.SecretRemove(ctx, a)
				if err != nil {
					if ignore && errors.Is(err, define.ErrNoSuchSecret) {
						continue
					}
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, id)
			}
			return joinErrs(g, errs)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Remove all secrets")
	cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "Ignore errors when a specified secret is missing")
	return cmd
}

func secretExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists SECRET",
		Short: "Check if a secret exists in local storage",
		Long:  "If the named secret exists in local storage, podman secret exists exits with 0, otherwise the exit code will be 1.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			_, err = rt.SecretInspect(cmd.Context(), args[0], false)
			if errors.Is(err, define.ErrNoSuchSecret) {
				return errdefs.WithExitCode(1, nil)
			}
			return err
		},
	}
}
