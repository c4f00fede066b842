package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/pkg/secrets"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/specgen"
)

// SecretCreateOptions mirror `secret create`'s flags.
type SecretCreateOptions struct {
	Driver     string // "" is "file"
	DriverOpts map[string]string
	Labels     map[string]string
	Replace    bool
	Ignore     bool
}

// secrets opens podman's secrets store, <graphroot>/secrets, so podman
// and pier on the same storage see the same secrets. Its own lock file
// serializes writers.
func (r *Runtime) secrets() (*secrets.SecretsManager, error) {
	m, err := secrets.NewManager(r.secretsDir())
	if err != nil {
		return nil, fmt.Errorf("opening the secrets store: %w", err)
	}
	return m, nil
}

func (r *Runtime) secretsDir() string { return filepath.Join(r.imgOpts.GraphRoot, "secrets") }

// noSuchSecret words a missing secret as podman does.
func noSuchSecret(nameOrID string, err error) error {
	if errors.Is(err, secrets.ErrNoSuchSecret) {
		return fmt.Errorf("no secret with name or id %q: %w", nameOrID, define.ErrNoSuchSecret)
	}
	return err
}

// SecretCreate stores data as secret name and returns its ID.
func (r *Runtime) SecretCreate(ctx context.Context, name string, data []byte, o SecretCreateOptions) (string, error) {
	m, err := r.secrets()
	if err != nil {
		return "", err
	}
	driver := o.Driver
	if driver == "" {
		driver = "file"
	}
	if driver != "file" {
		return "", fmt.Errorf("secret driver %q is not supported yet (only file): %w", driver, errdefs.ErrNotImplemented)
	}
	opts := maps.Clone(o.DriverOpts)
	if opts == nil {
		opts = map[string]string{}
	}
	if opts["path"] == "" {
		// podman's place for the file driver's data.
		opts["path"] = filepath.Join(r.secretsDir(), "filedriver")
	}
	id, err := m.Store(name, data, driver, secrets.StoreOptions{DriverOpts: opts, Labels: o.Labels, Replace: o.Replace, IgnoreIfExists: o.Ignore})
	if err != nil {
		return "", errdefs.New(errdefs.ErrInvalidArgument, err.Error())
	}
	r.secretEvent(id, events.Create)
	return id, nil
}

// SecretInspect is podman's inspect of one secret; with showData its
// data too.
func (r *Runtime) SecretInspect(ctx context.Context, nameOrID string, showData bool) (*define.InspectSecret, error) {
	m, err := r.secrets()
	if err != nil {
		return nil, err
	}
	s, data, err := m.LookupSecretData(nameOrID)
	if err != nil {
		return nil, noSuchSecret(nameOrID, err)
	}
	rep := inspectSecret(s)
	if showData {
		rep.SecretData = string(data)
	}
	return rep, nil
}

func inspectSecret(s *secrets.Secret) *define.InspectSecret {
	labels := s.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return &define.InspectSecret{
		ID: s.ID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Spec: define.InspectSecretSpec{Name: s.Name, Labels: labels,
			Driver: define.InspectSecretDriver{Name: s.Driver, Options: s.DriverOptions}},
	}
}

// SecretList lists the secrets that match every filter (name, id, label
// as podman's), oldest first.
func (r *Runtime) SecretList(ctx context.Context, filters map[string][]string) ([]*define.InspectSecret, error) {
	m, err := r.secrets()
	if err != nil {
		return nil, err
	}
	all, err := m.List()
	if err != nil {
		return nil, fmt.Errorf("listing secrets: %w", err)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	out := []*define.InspectSecret{}
	for i := range all {
		ok, err := secretMatches(&all[i], filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, inspectSecret(&all[i]))
		}
	}
	return out, nil
}

// secretMatches applies podman's secret filters: name and id (prefixes),
// label (key or key=value); values of one key OR, keys AND.
func secretMatches(s *secrets.Secret, filters map[string][]string) (bool, error) {
	for k, vals := range filters {
		match := false
		for _, v := range vals {
			switch k {
			case "name":
				match = match || strings.HasPrefix(s.Name, v)
			case "id":
				match = match || strings.HasPrefix(s.ID, v)
			case "label":
				lk, lv, hasV := strings.Cut(v, "=")
				got, ok := s.Labels[lk]
				match = match || ok && (!hasV || got == lv)
			default:
				return false, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("invalid filter %q", k))
			}
		}
		if !match {
			return false, nil
		}
	}
	return true, nil
}

// SecretRemove removes a secret and returns its ID. Containers using it
// keep running and lose it at their next start, as in podman.
func (r *Runtime) SecretRemove(ctx context.Context, nameOrID string) (string, error) {
	m, err := r.secrets()
	if err != nil {
		return "", err
	}
	id, err := m.Delete(nameOrID)
	if err != nil {
		return "", noSuchSecret(nameOrID, err)
	}
	r.secretEvent(id, events.Remove)
	return id, nil
}

// resolveSecrets checks that every --secret exists and records its ID.
func (r *Runtime) resolveSecrets(cfg *define.ContainerConfig) error {
	if len(cfg.Secrets) == 0 {
		return nil
	}
	m, err := r.secrets()
	if err != nil {
		return err
	}
	for i := range cfg.Secrets {
		s, err := m.Lookup(cfg.Secrets[i].Name)
		if err != nil {
			return noSuchSecret(cfg.Secrets[i].Name, err)
		}
		cfg.Secrets[i].Name, cfg.Secrets[i].ID = s.Name, s.ID
	}
	return nil
}

// prepareSecrets writes c's file secrets into its run dir (tmpfs) for
// bind mounts, owned and moded as asked, and returns the mounts and the
// env secrets' variables. The data goes nowhere else: not in the stored
// config, not in inspect; env secrets are in the bundle's process, as in
// podman, which lives in the run dir too.
func (r *Runtime) prepareSecrets(c *define.Container, runDir string) ([]spec.Mount, []string, error) {
	if len(c.Config.Secrets) == 0 {
		return nil, nil, nil
	}
	m, err := r.secrets()
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(runDir, "secrets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating secrets directory: %w", err)
	}
	var mounts []spec.Mount
	var env []string
	for i, sc := range c.Config.Secrets {
		_, data, err := m.LookupSecretData(sc.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("secret %s of container %s: %w", sc.Name, c.Config.Name, noSuchSecret(sc.Name, err))
		}
		if sc.Env {
			env = append(env, sc.Target+"="+string(data))
			continue
		}
		f := filepath.Join(dir, fmt.Sprintf("%d", i))
		if err := writeSecretFile(f, data, sc); err != nil {
			return nil, nil, err
		}
		mounts = append(mounts, spec.Mount{Destination: sc.Target, Type: "bind", Source: f, Options: specgen.EngineBindOptions(&c.Config)})
	}
	return mounts, env, nil
}

func writeSecretFile(path string, data []byte, sc define.ContainerSecret) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("writing secret %s: %w", sc.Name, err)
	}
	if err := os.Chown(path, int(sc.UID), int(sc.GID)); err != nil {
		return fmt.Errorf("writing secret %s: %w", sc.Name, err)
	}
	if err := os.Chmod(path, os.FileMode(sc.Mode)); err != nil {
		return fmt.Errorf("writing secret %s: %w", sc.Name, err)
	}
	return nil
}
