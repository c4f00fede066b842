package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func systemMigrateCmd(g *Globals) *cobra.Command {
	var newRuntime string
	var migrateDB bool
	cmd := &cobra.Command{
		Use:   "migrate [options]",
		Short: "Migrate containers",
		Long:  "\n        pier system migrate\n\n        Migrate existing containers to a new version of Pier.\n",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			stopped, err := rt.Migrate(cmd.Context(), newRuntime)
			for _, id := range stopped {
				fmt.Fprintf(g.Stdout, "stopped %s\n", id)
			}
			if err != nil {
				return err
			}
			if migrateDB {
				// pier's state has always been SQLite; podman's words,
				// without a newline, as podman prints them.
				fmt.Fprint(g.Stdout, "No migration is necessary: backing database is already SQLite")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&newRuntime, "new-runtime", "", "Specify a new runtime for all containers")
	cmd.Flags().BoolVar(&migrateDB, "migrate-db", false, "Migrate database from BoltDB to SQLite")
	return cmd
}

// volumeReloadCmd is podman's `volume reload`: volumes of the configured
// volume plugins are imported and those gone from them forgotten.
func volumeReloadCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Reload all volumes from volume plugins",
		Long:  "Check all configured volume plugins and update the libpod database with all available volumes.\n\nExisting volumes are also removed from the database when they are no longer present in the plugin.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			added, removed := rt.VolumeReload(cmd.Context())
			printNames(g, "Added:", added)
			printNames(g, "Removed:", removed)
			return nil
		},
	}
}

func printNames(g *Globals, title string, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintln(g.Stdout, title)
	for _, n := range names {
		fmt.Fprintln(g.Stdout, n)
	}
}
