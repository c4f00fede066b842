//go:build !pierslim

package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// addRegistryCommands adds pull, push, login and logout at the top level,
// and pull and push under `image`, as podman.
func addRegistryCommands(root *cobra.Command, g *Globals) {
	addWanted(root, g, []namedCommand{
		{[]string{"pull"}, pullCmd}, {[]string{"push"}, pushCmd}, {[]string{"login"}, loginCmd}, {[]string{"logout"}, logoutCmd},
	})
	if img := subcommand(root, "image"); img != nil && g.wants("image") {
		img.AddCommand(pullCmd(g), pushCmd(g))
	}
}

func pullCmd(g *Globals) *cobra.Command {
	var rf registryFlags
	var policy string
	var quiet, allTags bool
	var decryptionKeys []string
	cmd := &cobra.Command{
		Use:   "pull [options] IMAGE [IMAGE...]",
		Short: "Pull an image from a registry",
		Long:  "Pulls an image from a registry and stores it locally.\nAn image can be pulled by tag or digest. If a tag is not specified, the image with the 'latest' tag is pulled.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := rf.pullOptions(cmd, g, policy, quiet)
			if err != nil {
				return err
			}
			if opts.DecryptConfig, err = image.ParseDecryptionKeys(decryptionKeys); err != nil {
				return err
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			for _, name := range args {
				var imgs []*image.Image
				if allTags {
					imgs, err = st.PullAllTags(cmd.Context(), name, *opts)
				} else {
					var img *image.Image
					if img, err = st.Pull(cmd.Context(), name, *opts); err == nil {
						imgs = []*image.Image{img}
					}
				}
				if err != nil {
					return err
				}
				// The IDs go last and alone on stdout, so that
				// `id=$(pier pull -q x)` and scripts work as with podman.
				for _, img := range imgs {
					fmt.Fprintln(g.Stdout, img.ID)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	rf.add(f, true)
	f.BoolVarP(&allTags, "all-tags", "a", false, "All tagged images in the repository will be pulled")
	f.StringArrayVar(&decryptionKeys, "decryption-key", nil, "Key needed to decrypt the image (e.g. /path/to/key.pem)")
	f.Lookup("disable-content-trust").Hidden = false // podman's pull lists it
	rf.addPlatform(f)
	f.StringVar(&policy, "policy", "always", `Pull image policy ("always"|"missing"|"never"|"newer")`)
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress output information when pulling images")
	return cmd
}

func pushCmd(g *Globals) *cobra.Command {
	var rf registryFlags
	var o image.PushOptions
	var level int
	cmd := &cobra.Command{
		Use:   "push [options] IMAGE [DESTINATION]",
		Short: "Push an image to a specified destination",
		Long:  "Pushes a source image to a specified destination.\n\nThe Image \"DESTINATION\" uses a \"transport\":\"details\" format. See podman-push(1) section \"DESTINATION\" for the expected format.",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, err := rf.finish(cmd, g)
			if err != nil {
				return err
			}
			o.RegistryOptions = ro
			o.Progress = g.Stderr
			if cmd.Flags().Changed("compression-level") {
				o.CompressionLevel = &level
			}
			if o.Retry, o.RetryDelay, err = rf.retries(cmd); err != nil {
				return err
			}
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			return st.Push(cmd.Context(), args[0], dest, o)
		},
	}
	f := cmd.Flags()
	rf.add(f, true)
	f.StringVar(&o.DigestFile, "digestfile", "", "Write the digest of the pushed image to the specified file")
	f.StringVarP(&o.Format, "format", "f", "", "Manifest type (oci, v2s2, or v2s1) to use in the destination (default is manifest type of source, with fallbacks)")
	f.StringVar(&o.CompressionFormat, "compression-format", "", "compression format to use")
	f.IntVar(&level, "compression-level", 0, "compression level to use")
	f.BoolVar(&o.ForceCompressionFormat, "force-compression", false, "Use the specified compression algorithm even if the destination contains a differently-compressed variant already")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "Suppress output information when pushing images")
	f.BoolVar(&o.RemoveSignatures, "remove-signatures", false, "Discard any pre-existing signatures in the image")
	return cmd
}

func loginCmd(g *Globals) *cobra.Command {
	var rf registryFlags
	var user, pass string
	var passStdin, getLogin, verbose bool
	cmd := &cobra.Command{
		Use:   "login [options] [REGISTRY]",
		Short: "Log in to a container registry",
		Long:  "Log in to a container registry on a specified server.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, err := rf.finish(cmd, g)
			if err != nil {
				return err
			}
			key, registry, err := loginKey(ro, args)
			if err != nil {
				return err
			}
			stored, err := image.StoredCredentials(ro, key)
			if err != nil {
				return err
			}
			if getLogin {
				if stored.Username == "" {
					return fmt.Errorf("not logged into %s: %w", key, image.ErrNotLoggedIn)
				}
				fmt.Fprintln(g.Stdout, stored.Username)
				return nil
			}
			if stored.IdentityToken != "" {
				return fmt.Errorf("currently logged in, auth file contains an Identity token: %w", errdefs.ErrInvalidState)
			}
			if passStdin {
				if pass != "" {
					return fmt.Errorf("can't specify both --password-stdin and --password: %w", errdefs.ErrInvalidArgument)
				}
				if user == "" {
					return fmt.Errorf("must provide --username with --password-stdin: %w", errdefs.ErrInvalidArgument)
				}
				b, err := io.ReadAll(g.Stdin)
				if err != nil {
					return fmt.Errorf("reading password from stdin: %w", err)
				}
				// Line breaks are dropped, as podman joins stdin's lines.
				pass = strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
			}
			ctx := cmd.Context()
			if user == "" && pass == "" && stored.Username != "" && stored.Password != "" {
				fmt.Fprintf(g.Stdout, "Authenticating with existing credentials for %s\n", key)
				if err := image.CheckLogin(ctx, ro, key, registry, stored.Username, stored.Password); err == nil {
					fmt.Fprintf(g.Stdout, "Existing credentials are valid. Already logged in to %s\n", registry)
					return nil
				}
				fmt.Fprintln(g.Stdout, "Existing credentials are invalid, please enter valid username and password")
			}
			if user, pass, err = askUserPass(g, user, pass, stored.Username); err != nil {
				return fmt.Errorf("getting username and password: %w", err)
			}
			if err := image.CheckLogin(ctx, ro, key, registry, user, pass); err != nil {
				return err
			}
			desc, err := image.SaveLogin(ro, key, user, pass)
			if err != nil {
				return err
			}
			if verbose {
				fmt.Fprintln(g.Stdout, "Used: ", desc)
			}
			fmt.Fprintln(g.Stdout, "Login Succeeded!")
			return nil
		},
	}
	f := cmd.Flags()
	rf.add(f, false)
	f.StringVarP(&user, "username", "u", "", "Username for registry")
	f.StringVarP(&pass, "password", "p", "", "Password for registry")
	f.BoolVar(&passStdin, "password-stdin", false, "Take the password from stdin")
	f.BoolVar(&getLogin, "get-login", false, "Return the current login user for the registry")
	f.BoolVarP(&verbose, "verbose", "v", false, "Write more detailed information to stdout")
	return cmd
}

func logoutCmd(g *Globals) *cobra.Command {
	var o image.RegistryOptions
	var all bool
	cmd := &cobra.Command{
		Use:   "logout [options] [REGISTRY]",
		Short: "Log out of a container registry",
		Long:  "Remove the cached username and password for the registry.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.AuthFile != "" {
				if _, err := os.Stat(o.AuthFile); err != nil {
					return fmt.Errorf("credential file is not accessible: %w: %w", err, errdefs.ErrInvalidArgument)
				}
			}
			if all {
				if len(args) != 0 {
					return fmt.Errorf("--all takes no arguments: %w", errdefs.ErrInvalidArgument)
				}
				if err := image.LogoutAll(o); err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, "Removed login credentials for all registries")
				return nil
			}
			key, _, err := loginKey(o, args)
			if err != nil {
				return err
			}
			if err := image.Logout(o, key); err != nil {
				return err
			}
			fmt.Fprintf(g.Stdout, "Removed login credentials for %s\n", key)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.AuthFile, "authfile", "", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override")
	f.BoolVarP(&all, "all", "a", false, "Remove the cached credentials for all registries in the auth file")
	return cmd
}

// loginKey is the auth.json key and registry of login/logout's argument,
// or of the first unqualified-search registry without one.
func loginKey(o image.RegistryOptions, args []string) (key, registry string, err error) {
	if len(args) == 0 {
		key, err = image.DefaultLoginRegistry(o)
		return key, key, err
	}
	return image.CredentialsKey(args[0])
}

// askUserPass prompts for what -u/-p did not give: the username on
// stdout/stdin (an empty answer keeps the stored one), the password
// without echo on a terminal.
func askUserPass(g *Globals, user, pass, storedUser string) (string, string, error) {
	if user == "" {
		if storedUser != "" {
			fmt.Fprintf(g.Stdout, "Username (%s): ", storedUser)
		} else {
			fmt.Fprint(g.Stdout, "Username: ")
		}
		line, err := bufio.NewReader(g.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", "", fmt.Errorf("reading username: %w", err)
		}
		if user = strings.TrimSpace(line); user == "" {
			user = storedUser
		}
	}
	if pass == "" {
		p, err := readPassword(g, "Password: ")
		if err != nil {
			return "", "", err
		}
		pass = p
	}
	return user, pass, nil
}
