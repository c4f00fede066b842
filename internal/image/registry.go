//go:build !pierslim

package image

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// registryContext layers o onto base (a copy is returned, base is not
// changed). readAuth says the credential file is only read (pull, push):
// a named file that does not exist is then an error, as in podman, rather
// than a silent anonymous access.
func registryContext(base *types.SystemContext, o RegistryOptions, readAuth bool) (*types.SystemContext, error) {
	sys := &types.SystemContext{}
	if base != nil {
		c := *base
		sys = &c
	}
	if o.TLSVerify != nil {
		sys.DockerInsecureSkipTLSVerify = types.NewOptionalBool(!*o.TLSVerify)
		sys.OCIInsecureSkipTLSVerify = !*o.TLSVerify
	}
	if o.CertDir != "" {
		if _, err := os.Stat(o.CertDir); err != nil {
			return nil, fmt.Errorf("cert dir %s: %w: %w", o.CertDir, err, errdefs.ErrInvalidArgument)
		}
		sys.DockerCertPath = o.CertDir
	}
	if o.AuthFile != "" && readAuth {
		if _, err := os.Stat(o.AuthFile); err != nil {
			return nil, fmt.Errorf("credential file is not accessible: %w: %w", err, errdefs.ErrInvalidArgument)
		}
	}
	// $REGISTRY_AUTH_FILE is not checked: a user who set it and has not
	// logged in yet pulls anonymously.
	if authFile := firstNonEmpty(o.AuthFile, DefaultAuthFile()); authFile != "" {
		sys.AuthFilePath = authFile
	} else if dc := os.Getenv("DOCKER_CONFIG"); dc != "" {
		// podman reads (and login writes) Docker's file when the user
		// pointed DOCKER_CONFIG at it.
		sys.DockerCompatAuthFilePath = filepath.Join(dc, "config.json")
	}
	user, pass := o.Username, o.Password
	if o.Creds != "" {
		var err error
		if user, pass, err = ParseCreds(o.Creds); err != nil {
			return nil, err
		}
	}
	if user != "" || pass != "" {
		if user == "" {
			return nil, fmt.Errorf("username can't be empty: %w", errdefs.ErrInvalidArgument)
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	if o.OS != "" {
		sys.OSChoice = o.OS
	}
	if o.Arch != "" {
		sys.ArchitectureChoice = o.Arch
	}
	if o.Variant != "" {
		sys.VariantChoice = o.Variant
	}
	if o.SignaturePolicyPath != "" {
		sys.SignaturePolicyPath = o.SignaturePolicyPath
	}
	return sys, nil
}

// SystemContextFor is the containers/image context for a registry
// operation that needs no storage (login, logout, search).
func SystemContextFor(o RegistryOptions) (*types.SystemContext, error) {
	return registryContext(nil, o, false)
}

// shortNameResolution is the outcome of resolving a pull reference: the
// fully qualified candidates to try in order, podman's one-line
// explanation, and whether the (single, user-selected) candidate is to
// be recorded as an alias.
type shortNameResolution struct {
	candidates  []reference.Named
	description string
	record      bool
	input       string // the short name without tag or digest
}

// resolveShortName resolves a pull reference as containers/image's
// shortnames.Resolve (which pier cannot import: it links an interactive
// prompt library): a fully qualified name is its own candidate; a short
// name takes its registries.conf alias, else one candidate per
// unqualified-search registry. In short-name-mode "enforcing" more than
// one candidate needs a choice: prompt picks one (and the choice is
// recorded as an alias), and without a prompt it is an error, as podman
// without a TTY. "permissive" tries all in order; "disabled" too, but
// never prompts.
func (s *Store) resolveShortName(sys *types.SystemContext, name string, prompt func([]string) (string, error)) (*shortNameResolution, error) {
	isShort, named, err := parseShortName(name)
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
	}
	res := &shortNameResolution{}
	if !isShort {
		res.candidates = []reference.Named{reference.TagNameOnly(named)}
		return res, nil
	}
	mode, err := sysregistriesv2.GetShortNameMode(sys)
	if err != nil {
		return nil, fmt.Errorf("reading registries.conf: %w", err)
	}
	repo := reference.TrimNamed(named)
	res.input = repo.String()
	// withTagDigest puts the user's tag or digest back on a candidate.
	withTagDigest := func(base reference.Named) (reference.Named, error) {
		if t, ok := named.(reference.Tagged); ok {
			if base, err = reference.WithTag(base, t.Tag()); err != nil {
				return nil, err
			}
		}
		if d, ok := named.(reference.Digested); ok {
			if base, err = reference.WithDigest(base, d.Digest()); err != nil {
				return nil, err
			}
		}
		return reference.TagNameOnly(base), nil
	}
	alias, origin, err := sysregistriesv2.ResolveShortNameAlias(sys, res.input)
	if err != nil {
		return nil, fmt.Errorf("resolving short-name alias %q: %w", res.input, err)
	}
	if alias != nil {
		c, err := withTagDigest(alias)
		if err != nil {
			return nil, fmt.Errorf("applying alias %s to %q: %w", alias, name, err)
		}
		res.candidates = []reference.Named{c}
		res.description = fmt.Sprintf("Resolved %q as an alias (%s)", res.input, origin)
		return res, nil
	}
	registries, origin, err := sysregistriesv2.UnqualifiedSearchRegistriesWithOrigin(sys)
	if err != nil {
		return nil, fmt.Errorf("reading registries.conf: %w", err)
	}
	if len(registries) == 0 {
		if origin != "" {
			return nil, fmt.Errorf("short-name %q did not resolve to an alias and no unqualified-search registries are defined in %q: %w", name, origin, errdefs.ErrInvalidArgument)
		}
		return nil, fmt.Errorf("short-name %q did not resolve to an alias and no containers-registries.conf(5) was found: %w", name, errdefs.ErrInvalidArgument)
	}
	res.description = fmt.Sprintf("Resolving %q using unqualified-search registries (%s)", res.input, origin)
	for _, reg := range registries {
		base, err := reference.ParseNormalizedNamed(reg + "/" + repo.String())
		if err != nil {
			return nil, fmt.Errorf("creating reference with unqualified-search registry %q: %w", reg, err)
		}
		c, err := withTagDigest(base)
		if err != nil {
			return nil, fmt.Errorf("creating reference with unqualified-search registry %q: %w", reg, err)
		}
		res.candidates = append(res.candidates, c)
	}
	if mode == types.ShortNameModeDisabled || len(res.candidates) == 1 {
		return res, nil
	}
	if prompt == nil {
		if mode == types.ShortNameModeEnforcing {
			return nil, fmt.Errorf("short-name resolution enforced but cannot prompt without a TTY: %w", errdefs.ErrInvalidArgument)
		}
		return res, nil
	}
	if mode != types.ShortNameModeEnforcing {
		return res, nil
	}
	var strs []string
	for _, c := range res.candidates {
		strs = append(strs, c.String())
	}
	sel, err := prompt(strs)
	if err != nil {
		return nil, fmt.Errorf("selecting an image for %q: %w", name, err)
	}
	chosen, err := reference.ParseNormalizedNamed(sel)
	if err != nil {
		return nil, fmt.Errorf("selection %q is not a valid reference: %w: %w", sel, err, errdefs.ErrInvalidArgument)
	}
	res.candidates = []reference.Named{chosen}
	res.description = ""
	res.record = true
	return res, nil
}

// recordAlias stores a prompted choice in the user's
// short-name-aliases.conf, so that the next pull does not ask again.
func recordAlias(sys *types.SystemContext, name string, value reference.Named) error {
	return sysregistriesv2.AddShortNameAlias(sys, name, reference.TrimNamed(value).String())
}

// classifyRegistryError adds pier's error class to a registry failure
// without changing its text (which is containers/image's, as podman
// prints it): a missing manifest, tag or repository is ErrNotFound.
func classifyRegistryError(err error) error {
	if err == nil || errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	// containers/image reports registry error codes either as
	// errcode.Error or as a bare errcode.ErrorCode.
	code := errcode.ErrorCodeUnknown
	var ec errcode.Error
	var c errcode.ErrorCode
	if errors.As(err, &ec) {
		code = ec.Code
	} else if errors.As(err, &c) {
		code = c
	}
	switch code {
	case v2.ErrorCodeManifestUnknown, v2.ErrorCodeNameUnknown, v2.ErrorCodeBlobUnknown:
		return &classified{err: err, class: errdefs.ErrNotFound}
	}
	var hs docker.UnexpectedHTTPStatusError
	if errors.As(err, &hs) && hs.StatusCode == http.StatusNotFound {
		return &classified{err: err, class: errdefs.ErrNotFound}
	}
	return err
}

// classified keeps an error's text and adds a class for errors.Is.
type classified struct {
	err   error
	class error
}

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() []error { return []error{c.err, c.class} }

// retryable reports a failure of the network rather than an answer of
// the registry: refused or reset connections, timeouts, a body cut
// short. A host name that does not resolve is final (podman retries it;
// waiting 7 s to learn a typo is not useful).
func retryable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	var ec errcode.Error
	var c errcode.ErrorCode
	if errors.As(err, &ec) || errors.As(err, &c) {
		return false
	}
	var unauth docker.ErrUnauthorizedForCredentials
	if errors.As(err, &unauth) {
		return false
	}
	if errors.Is(err, docker.ErrTooManyRequests) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
