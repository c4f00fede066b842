package cli

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

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
