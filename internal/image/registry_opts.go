package image

import (
	"fmt"
	"os"
	"strings"

	"github.com/pier-engine/pier/internal/errdefs"
)

// RegistryOptions are podman's per-command registry knobs (--tls-verify,
// --cert-dir, --creds, --authfile, --platform, --signature-policy). Zero
// values leave the decision to the configuration files: registries.conf
// (mirrors, insecure registries, short names), certs.d, auth.json and
// policy.json, which containers/image reads itself.
type RegistryOptions struct {
	// TLSVerify nil lets registries.conf decide (a registry marked
	// insecure there may use plain HTTP or an unverified certificate).
	// false allows both for every registry of the operation, as podman's
	// --tls-verify=false.
	TLSVerify *bool
	// CertDir holds *.crt (CAs), *.cert and *.key (client certificate),
	// as podman's --cert-dir; by default /etc/containers/certs.d/<host>.
	CertDir string
	// Creds is "user[:password]"; Username and Password are the same
	// split in two (the REST API gets them that way).
	Creds              string
	Username, Password string
	// AuthFile overrides $REGISTRY_AUTH_FILE and the default
	// ${XDG_RUNTIME_DIR}/containers/auth.json (/run/containers/<uid>/
	// auth.json without XDG_RUNTIME_DIR).
	AuthFile string
	// OS, Arch and Variant choose the image of a manifest list; empty
	// means the host's.
	OS, Arch, Variant string
	// SignaturePolicyPath overrides policy.json (podman's hidden
	// --signature-policy).
	SignaturePolicyPath string
}

// ParsePlatform splits podman's --platform "os/arch[/variant]".
func ParsePlatform(p string) (osName, arch, variant string, err error) {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", fmt.Errorf("invalid platform syntax for --platform=%q: expected os/arch[/variant]: %w", p, errdefs.ErrInvalidArgument)
	}
	if len(parts) == 3 {
		variant = parts[2]
	}
	return parts[0], parts[1], variant, nil
}

// customPlatform reports whether the caller asked for a platform, which
// makes podman distrust local images' declared platform.
func (o RegistryOptions) customPlatform() bool {
	return o.OS != "" || o.Arch != "" || o.Variant != ""
}

// DefaultAuthFile is the file pier reads credentials from when --authfile
// is not given: $REGISTRY_AUTH_FILE, else "" (containers/image then picks
// ${XDG_RUNTIME_DIR}/containers/auth.json or /run/containers/<uid>/
// auth.json, and falls back to ~/.docker/config.json for reading), as
// podman.
func DefaultAuthFile() string { return os.Getenv("REGISTRY_AUTH_FILE") }

// ParseCreds splits "user:password" as podman's --creds. The password may
// contain colons; a missing password is an error here (the CLI prompts
// for it on a terminal before calling).
func ParseCreds(creds string) (user, pass string, err error) {
	user, pass, ok := strings.Cut(creds, ":")
	if user == "" {
		return "", "", fmt.Errorf("username can't be empty: %w", errdefs.ErrInvalidArgument)
	}
	if !ok {
		return "", "", fmt.Errorf("--creds %q has no password: use user:password: %w", user, errdefs.ErrInvalidArgument)
	}
	return user, pass, nil
}
