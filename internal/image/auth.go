//go:build !pierslim

package image

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Credentials live in auth.json (containers-auth.json(5)), read and
// written by containers/image's pkg/docker/config: the file of
// RegistryOptions.AuthFile, else $REGISTRY_AUTH_FILE, else
// ${XDG_RUNTIME_DIR}/containers/auth.json (/run/containers/<uid>/
// auth.json), with Docker's ~/.docker/config.json and credential helpers
// from registries.conf as read-only fallbacks. The CLI owns prompting and
// messages; these functions only check and store.

// ErrNotLoggedIn is returned by Logout and Login's GetLogin when there
// are no credentials for the key.
var ErrNotLoggedIn = errors.New("not logged in")

// CredentialsKey turns login's argument into the auth.json key and the
// registry host, as podman: "https://host:port/v2/" becomes "host:port",
// "host/namespace/repo" keeps the namespace (credentials scoped to a
// repository), a tag or digest is refused.
func CredentialsKey(arg string) (key, registry string, err error) {
	key = arg
	if strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "http://") {
		u, err := url.Parse(arg)
		if err != nil {
			return "", "", fmt.Errorf("trimming http{s} prefix: %v: %w", err, errdefs.ErrInvalidArgument)
		}
		key = u.Host
	}
	registry, _, _ = strings.Cut(key, "/")
	if registry == key {
		return key, registry, nil
	}
	ref, err := reference.ParseNormalizedNamed(key)
	if err != nil {
		return "", "", fmt.Errorf("parse reference from %q: %v: %w", key, err, errdefs.ErrInvalidArgument)
	}
	if !reference.IsNameOnly(ref) {
		return "", "", fmt.Errorf("reference %q contains tag or digest: %w", ref.String(), errdefs.ErrInvalidArgument)
	}
	return key, registry, nil
}

// DefaultLoginRegistry is the registry login and logout use without an
// argument: the first unqualified-search registry.
func DefaultLoginRegistry(o RegistryOptions) (string, error) {
	sys, err := SystemContextFor(o)
	if err != nil {
		return "", err
	}
	regs, err := sysregistriesv2.UnqualifiedSearchRegistries(sys)
	if err != nil {
		return "", fmt.Errorf("getting registry from registry.conf, please specify a registry: %w", err)
	}
	if len(regs) == 0 {
		return "", fmt.Errorf("no registries found in registries.conf, a registry must be provided: %w", errdefs.ErrInvalidArgument)
	}
	return regs[0], nil
}

// StoredCredentials returns the credentials saved for key (empty when
// there are none).
func StoredCredentials(o RegistryOptions, key string) (types.DockerAuthConfig, error) {
	sys, err := SystemContextFor(o)
	if err != nil {
		return types.DockerAuthConfig{}, err
	}
	c, err := config.GetCredentials(sys, key)
	if err != nil {
		return c, fmt.Errorf("get credentials: %w", err)
	}
	return c, nil
}

// ErrInvalidCredentials marks credentials the registry refused.
var ErrInvalidCredentials = errors.New("invalid username/password")

// CheckLogin asks registry (GET /v2/) whether user and password are
// accepted. Honours TLSVerify and CertDir of o; the auth file is not
// read.
func CheckLogin(ctx context.Context, o RegistryOptions, key, registry, user, pass string) error {
	o.Creds, o.Username, o.Password = "", "", ""
	sys, err := SystemContextFor(o)
	if err != nil {
		return err
	}
	err = docker.CheckAuth(ctx, sys, user, pass, registry)
	if err == nil {
		return nil
	}
	var unauth docker.ErrUnauthorizedForCredentials
	if errors.As(err, &unauth) {
		return &classified{err: fmt.Errorf("logging into %q: invalid username/password", key), class: ErrInvalidCredentials}
	}
	return fmt.Errorf("authenticating creds for %q: %w", key, err)
}

// SaveLogin writes the credentials for key and returns a description of
// where they went (a file path or a credential helper).
func SaveLogin(o RegistryOptions, key, user, pass string) (string, error) {
	sys, err := SystemContextFor(o)
	if err != nil {
		return "", err
	}
	desc, err := config.SetCredentials(sys, key, user, pass)
	if err != nil {
		return "", fmt.Errorf("storing credentials for %s: %w", key, err)
	}
	return desc, nil
}

// Logout removes the credentials for key; ErrNotLoggedIn (with podman's
// "not logged into KEY") when there were none.
func Logout(o RegistryOptions, key string) error {
	sys, err := SystemContextFor(o)
	if err != nil {
		return err
	}
	err = config.RemoveAuthentication(sys, key)
	if errors.Is(err, config.ErrNotLoggedIn) {
		return &classified{err: fmt.Errorf("not logged into %s", key), class: ErrNotLoggedIn}
	}
	if err != nil {
		return fmt.Errorf("logging out of %q: %w", key, err)
	}
	return nil
}

// LogoutAll removes every stored credential (logout --all).
func LogoutAll(o RegistryOptions) error {
	sys, err := SystemContextFor(o)
	if err != nil {
		return err
	}
	if err := config.RemoveAllAuthentication(sys); err != nil {
		return fmt.Errorf("removing all credentials: %w", err)
	}
	return nil
}
