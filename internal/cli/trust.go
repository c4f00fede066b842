package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/trust"
)

// imageTrustCmd is `image trust set|show`, podman's editor of policy.json.
func imageTrustCmd(g *Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Manage container image trust policy",
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(trustSetCmd(), trustShowCmd(g))
	return cmd
}

func trustSetCmd() *cobra.Command {
	var in trust.SetInput
	var policyPath string
	cmd := &cobra.Command{
		Use:   "set [options] REGISTRY",
		Short: "Set default trust policy or a new trust policy for a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := validImageScope(args[0]); err != nil {
				return err
			}
			if !slices.Contains([]string{"accept", "insecureAcceptAnything", "reject", "signedBy", "sigstoreSigned"}, in.Type) {
				return fmt.Errorf("invalid choice: %s (choose from 'accept', 'reject', 'signedBy', 'sigstoreSigned')", in.Type)
			}
			if policyPath == "" {
				policyPath = trust.DefaultPolicyPath()
			}
			in.Scope = args[0]
			return trust.Set(policyPath, in)
		},
	}
	f := cmd.Flags()
	f.StringVar(&policyPath, "policypath", "", "")
	_ = f.MarkHidden("policypath")
	f.StringArrayVarP(&in.PubKeyFiles, "pubkeysfile", "f", nil, "Path of installed public key(s) to trust for TARGET.\nAbsolute path to keys is added to policy.json. May\nused multiple times to define multiple public keys.\nFile(s) must exist before using this command")
	f.StringVarP(&in.Type, "type", "t", "signedBy", "Trust type, accept values: signedBy(default), accept, reject")
	return cmd
}

// validImageScope is podman's check of a trust scope (isValidImageURI).
func validImageScope(scope string) error {
	u, err := url.Parse("http://" + scope)
	if err != nil {
		return fmt.Errorf("invalid image uri: %s: %w", scope, err)
	}
	if !scopeHostRe().MatchString(u.Host) || !scopeFragmentRe().MatchString(u.Fragment) {
		return fmt.Errorf("invalid image uri: %s", scope)
	}
	return nil
}

var (
	scopeHostRe     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9-_\.]+\/?:?[0-9]*[a-z0-9-\/:]*$`) })
	scopeFragmentRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9-:\./]*$`) })
)

func trustShowCmd(g *Globals) *cobra.Command {
	var policyPath, registriesDir string
	var asJSON, raw, noHeading bool
	cmd := &cobra.Command{
		Use:   "show [options] [REGISTRY]",
		Short: "Display trust policy for the system",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, _ []string) error {
			if policyPath == "" {
				policyPath = trust.DefaultPolicyPath()
			}
			if raw {
				b, err := os.ReadFile(policyPath)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, string(b))
				return nil
			}
			if registriesDir == "" {
				registriesDir = trust.DefaultRegistriesDir()
			}
			policies, err := trust.Describe(policyPath, registriesDir)
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.MarshalIndent(policies, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, string(b))
				return nil
			}
			rows := make([][]string, 0, len(policies))
			for _, p := range policies {
				rows = append(rows, []string{p.Transport, p.RepoName, p.Type, p.GPGId, p.SignatureStore})
			}
			return format.Table(g.Stdout, []string{"TRANSPORT", "NAME", "TYPE", "ID", "STORE"}, rows, noHeading)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&asJSON, "json", "j", false, "Output as json")
	f.StringVar(&policyPath, "policypath", "", "")
	_ = f.MarkHidden("policypath")
	f.BoolVar(&raw, "raw", false, "Output raw policy file")
	f.StringVar(&registriesDir, "registrypath", "", "")
	_ = f.MarkHidden("registrypath")
	f.BoolVarP(&noHeading, "noheading", "n", false, "Do not print column headings")
	return cmd
}
