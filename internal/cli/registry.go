package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pier-engine/pier/internal/cli/format"
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

// registryFlags binds podman's flags shared by pull, push and login.
type registryFlags struct {
	opts      image.RegistryOptions
	tlsVerify bool
	retry     uint
	delay     string
	platform  string
}

// addPlatform adds podman's image-selection flags of pull, create and run.
func (r *registryFlags) addPlatform(f *pflag.FlagSet) {
	f.StringVar(&r.opts.Arch, "arch", "", "Use `ARCH` instead of the architecture of the machine for choosing images")
	f.StringVar(&r.opts.OS, "os", "", "Use `OS` instead of the running OS for choosing images")
	f.StringVar(&r.opts.Variant, "variant", "", "Use `VARIANT` instead of the running architecture variant for choosing images")
	f.StringVar(&r.platform, "platform", "", "Specify the platform for selecting the image.  (Conflicts with arch and os)")
}

func (r *registryFlags) add(f *pflag.FlagSet, creds bool) {
	f.StringVar(&r.opts.AuthFile, "authfile", "", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override")
	f.StringVar(&r.opts.CertDir, "cert-dir", "", "Pathname of a directory containing TLS certificates and keys")
	f.BoolVar(&r.tlsVerify, "tls-verify", true, "Require HTTPS and verify certificates when contacting registries")
	if creds {
		f.StringVar(&r.opts.Creds, "creds", "", "`Credentials` (USERNAME:PASSWORD) to use for authenticating to a registry")
		f.StringVar(&r.opts.SignaturePolicyPath, "signature-policy", "", "`Pathname` of signature policy file (not usually used)")
		_ = f.MarkHidden("signature-policy")
		f.Bool("disable-content-trust", false, "This is a Docker specific option and is a NOOP")
		_ = f.MarkHidden("disable-content-trust")
		f.UintVar(&r.retry, "retry", 3, "number of times to retry in case of failure when performing pull")
		f.StringVar(&r.delay, "retry-delay", "", "delay between retries in case of pull failures")
	}
}

// finish turns the flags into options: --tls-verify only counts when
// given, so that registries.conf's "insecure" decides otherwise; a
// --creds without password asks for it on a terminal.
func (r *registryFlags) finish(cmd *cobra.Command, g *Globals) (image.RegistryOptions, error) {
	o := r.opts
	if cmd.Flags().Changed("tls-verify") {
		v := r.tlsVerify
		o.TLSVerify = &v
	}
	if r.platform != "" {
		if o.OS != "" || o.Arch != "" {
			return o, fmt.Errorf("--platform option can not be specified with --arch or --os: %w", errdefs.ErrInvalidArgument)
		}
		var err error
		if o.OS, o.Arch, o.Variant, err = image.ParsePlatform(r.platform); err != nil {
			return o, err
		}
	}
	if o.Creds != "" && !strings.Contains(o.Creds, ":") {
		pass, err := readPassword(g, "Password: ")
		if err != nil {
			return o, fmt.Errorf("--creds has no password and it cannot be asked for: %w", err)
		}
		o.Creds += ":" + pass
	}
	return o, nil
}

// openStore is finish, then the image store: the order podman's errors
// come in.
func (r *registryFlags) openStore(cmd *cobra.Command, g *Globals) (image.RegistryOptions, *image.Store, error) {
	ro, err := r.finish(cmd, g)
	if err != nil {
		return ro, nil, err
	}
	st, err := g.Images(cmd.Context())
	if err != nil {
		return ro, nil, err
	}
	return ro, st, nil
}

func (r *registryFlags) retries(cmd *cobra.Command) (*uint, time.Duration, error) {
	var n *uint
	if cmd.Flags().Changed("retry") {
		v := r.retry
		n = &v
	}
	var d time.Duration
	if r.delay != "" {
		var err error
		if d, err = time.ParseDuration(r.delay); err != nil {
			return nil, 0, fmt.Errorf("invalid --retry-delay %q: %v: %w", r.delay, err, errdefs.ErrInvalidArgument)
		}
	}
	return n, d, nil
}

// pullOptions are the options of pull, and of the pull that create and
// run do.
func (r *registryFlags) pullOptions(cmd *cobra.Command, g *Globals, policy string, quiet bool) (*image.PullOptions, error) {
	ro, err := r.finish(cmd, g)
	if err != nil {
		return nil, err
	}
	pol, err := parsePullPolicy(policy)
	if err != nil {
		return nil, err
	}
	opts := &image.PullOptions{RegistryOptions: ro, Policy: pol, Quiet: quiet, Progress: g.Stderr}
	if opts.Retry, opts.RetryDelay, err = r.retries(cmd); err != nil {
		return nil, err
	}
	if format.IsTerminal(g.Stdin) && format.IsTerminal(g.Stdout) {
		opts.Prompt = func(c []string) (string, error) { return promptChoice(g, c) }
	}
	return opts, nil
}

// parsePullPolicy is image.ParsePullPolicy with podman's error, which an
// empty --pull/--policy gets too.
func parsePullPolicy(s string) (image.PullPolicy, error) {
	pol, err := image.ParsePullPolicy(s)
	if err != nil || s == "" {
		return pol, fmt.Errorf("unsupported pull policy %q: %w", s, errdefs.ErrInvalidArgument)
	}
	return pol, nil
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

// readPassword reads a password without echo from the terminal on stdin.
func readPassword(g *Globals, prompt string) (string, error) {
	f, ok := g.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("cannot prompt for a password: stdin is not a terminal (use --password-stdin or -p): %w", errdefs.ErrInvalidArgument)
	}
	fmt.Fprint(g.Stdout, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(g.Stdout)
	if err != nil {
		return "", fmt.Errorf("reading password: %w", err)
	}
	return string(b), nil
}

// promptChoice asks which registry a short name means (short-name-mode
// enforcing on a terminal), as podman's selection prompt does with a
// numbered list instead of arrow keys.
func promptChoice(g *Globals, candidates []string) (string, error) {
	fmt.Fprintln(g.Stderr, "? Please select an image:")
	for i, c := range candidates {
		fmt.Fprintf(g.Stderr, "  %d) %s\n", i+1, c)
	}
	fmt.Fprintf(g.Stderr, "Enter a number [1-%d]: ", len(candidates))
	line, err := bufio.NewReader(g.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading selection: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || n < 1 || n > len(candidates) {
		return "", fmt.Errorf("invalid selection %q: %w", strings.TrimSpace(line), errdefs.ErrInvalidArgument)
	}
	return candidates[n-1], nil
}
