package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/signal"
	"github.com/pier-engine/pier/internal/specgen"
)

// CreateContainer validates the request, resolves the image, saves the
// container and creates its storage. Bad input fails before anything is
// written; a crash between the state row and the storage container is
// repaired by Start (storage is created on demand) or by Remove.
func (r *Runtime) CreateContainer(ctx context.Context, req *CreateRequest) (*define.Container, error) {
	if err := checkInitCtr(req); err != nil {
		return nil, err
	}
	if name, ok := strings.CutPrefix(req.Pod, newPodPrefix); ok {
		if lifecycleBinary {
			// Before the pod exists: its infra image may need a pull.
			return nil, fmt.Errorf("creating pod %s: %w", name, errdefs.ErrNeedFull)
		}
		return r.createInNewPod(ctx, req, name)
	}
	return r.createContainer(ctx, req)
}

func (r *Runtime) createContainer(ctx context.Context, req *CreateRequest) (*define.Container, error) {
	req, err := r.withPodVolumes(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(req.VolumesFrom) > 0 {
		from, err := r.volumesFrom(ctx, req.VolumesFrom, req.Mounts)
		if err != nil {
			return nil, err
		}
		withFrom := *req
		withFrom.Mounts = append(slices.Clone(req.Mounts), from...)
		req = &withFrom
	}
	cfg, err := r.configFromRequest(req)
	if err != nil {
		return nil, err
	}
	cfg.VolumesFrom = slices.Clone(req.VolumesFrom)
	if err := r.resolveNetNSDep(ctx, cfg); err != nil {
		return nil, err
	}
	if err := r.applyPod(ctx, cfg, req); err != nil {
		return nil, err
	}
	if err := r.resolveNSDeps(ctx, cfg); err != nil {
		return nil, err
	}
	if err := r.applyRequires(ctx, cfg, req); err != nil {
		return nil, err
	}
	if err := r.resolveSecrets(cfg); err != nil {
		return nil, err
	}
	if err := r.checkCDIDevices(cfg); err != nil {
		return nil, err
	}
	// A container that could never start is not created: check the
	// runtime and the monitor up front.
	if _, err := r.findRuntime(cfg.Runtime); err != nil {
		return nil, err
	}
	if err := r.checkIDMapMounts(ctx, cfg); err != nil {
		return nil, err
	}
	if _, err := r.monitorPath(); err != nil {
		return nil, err
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	img, err := createImage(ctx, images, req)
	if err != nil {
		return nil, err
	}
	if err := resolveImageMounts(ctx, images, cfg); err != nil {
		return nil, err
	}
	if err := mergeImageConfig(cfg, req, img, r.confEnv()); err != nil {
		return nil, err
	}
	if err := imageSeccomp(cfg, img); err != nil {
		return nil, err
	}
	applySystemdMode(cfg, req)
	if err := applyHealthCheck(cfg, req, img.Healthcheck); err != nil {
		return nil, err
	}
	if err := applySdNotify(cfg, req); err != nil {
		return nil, err
	}
	volMode, err := r.imageVolumeMode(req.Identity.ImageVolume)
	if err != nil {
		return nil, err
	}
	addImageVolumes(cfg, img, volMode)
	if err := publishAll(cfg, img); err != nil {
		return nil, err
	}
	if len(cfg.Entrypoint)+len(cfg.Cmd) == 0 {
		return nil, fmt.Errorf("no command or entrypoint provided, and no CMD or ENTRYPOINT from image: %w", errdefs.ErrInvalidArgument)
	}

	if req.Replace {
		if err := r.replaceNamed(ctx, req.Name); err != nil {
			return nil, err
		}
	}

	return r.saveNewContainer(ctx, cfg, images, req.Name == "", req.Replace)
}

// saveNewContainer gives cfg an ID and saves it with its volumes and
// storage (create's second half, which clone shares); a failure leaves
// nothing.
func (r *Runtime) saveNewContainer(ctx context.Context, cfg *define.ContainerConfig, images *image.Store, random, replace bool) (*define.Container, error) {
	cfg.ID, cfg.Created = newID(), time.Now()
	if err := r.confLogPath(cfg); err != nil {
		return nil, err
	}
	l, err := r.lockCtr(ctx, cfg.ID)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	if err := autoUserNS(ctx, images, cfg); err != nil {
		_ = l.Remove()
		return nil, err
	}
	anon, err := r.attachVolumes(ctx, cfg)
	if err != nil {
		dropAutoStorage(images, cfg)
		_ = l.Remove()
		return nil, err
	}
	c := &define.Container{Config: *cfg, State: define.ContainerState{Status: define.StatusConfigured}}
	if err := r.addWithName(ctx, c, random, replace); err != nil {
		dropAutoStorage(images, cfg)
		r.removeVolumes(ctx, anon)
		_ = l.Remove()
		return nil, err
	}
	failpoint.Hit("create-after-state")
	undo := func(err error) (*define.Container, error) {
		_ = r.store.RemoveContainer(context.WithoutCancel(ctx), c.Config.ID)
		r.removeVolumes(ctx, anon)
		_ = l.Remove()
		return nil, err
	}
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return undo(fmt.Errorf("creating storage for container %s: %w", c.Config.Name, err))
	}
	failpoint.Hit("create-after-storage")
	if c.Config.CIDFile != "" {
		if err := writeCIDFile(c.Config.CIDFile, c.Config.ID); err != nil {
			_ = images.DeleteContainer(c.Config.ID)
			return undo(err)
		}
	}
	r.ctrEvent(c, events.Create)
	return c, nil
}

// addWithName saves c; a random name is re-rolled on the rare collision.
// With replace, a container that took the name since replaceNamed removed
// the last one is removed too.
func (r *Runtime) addWithName(ctx context.Context, c *define.Container, random, replace bool) error {
	nameHost := r.nameAsHostname(&c.Config)
	for tries := 0; ; tries++ {
		if random {
			c.Config.Name = randomName()
		}
		if nameHost {
			c.Config.Hostname = hostnameFromName(c.Config.Name)
		}
		err := r.store.AddContainer(ctx, c)
		if err == nil {
			return nil
		}
		if random && errors.Is(err, define.ErrNameInUse) && tries < 20 {
			continue
		}
		if replace && errors.Is(err, define.ErrNameInUse) && tries < 3 {
			if err := r.replaceNamed(ctx, c.Config.Name); err != nil {
				return err
			}
			continue
		}
		if errors.Is(err, define.ErrNameInUse) {
			holder := ""
			if other, lerr := r.store.LookupContainer(ctx, c.Config.Name); lerr == nil {
				holder = other.Config.ID
			} else if p, perr := r.store.LookupPod(ctx, c.Config.Name); perr == nil {
				holder = p.Config.ID // names are shared with pods
			}
			// podman 5's text, --replace hint included.
			//lint:ignore ST1005 podman's exact text, which scripts match
			return fmt.Errorf("creating container storage: the container name %q is already in use by %s. You have to remove that container to be able to reuse that name: %w, or use --replace to instruct Podman to do so.",
				c.Config.Name, holder, define.ErrNameInUse)
		}
		return fmt.Errorf("saving container %s: %w", c.Config.Name, err)
	}
}

// configFromRequest checks and converts everything that does not need the
// image, so bad input is rejected before storage is even opened.
func (r *Runtime) configFromRequest(req *CreateRequest) (*define.ContainerConfig, error) {
	if req.Image == "" && req.Sandbox.Rootfs == "" {
		return nil, fmt.Errorf("an image name is required: %w", errdefs.ErrInvalidArgument)
	}
	if req.Name != "" {
		if err := validateName(req.Name); err != nil {
			return nil, err
		}
	}
	if err := validateSdNotifyMode(req.SdNotifyMode); err != nil {
		return nil, err
	}
	cfg := &define.ContainerConfig{
		Name:        req.Name,
		Created:     time.Now(),
		RawImage:    req.Image,
		CreateCmd:   req.CreateCmd,
		Hostname:    req.Hostname,
		ReadOnly:    req.ReadOnly,
		Terminal:    req.Terminal,
		Stdin:       req.Stdin,
		NetworkMode: req.NetworkMode,
		AutoRemove:  req.AutoRemove,
		StopTimeout: r.conf.Engine.StopTimeout,
		LogDriver:   req.LogDriver,
		LogSizeMax:  r.conf.Containers.LogSizeMax,
		Runtime:     r.opts.Runtime,
	}
	if cfg.Runtime == "" {
		cfg.Runtime = r.conf.Engine.Runtime
	}
	if err := r.applyNetwork(cfg, req); err != nil {
		return nil, err
	}
	if cfg.LogDriver == "" {
		cfg.LogDriver = r.conf.Containers.LogDriver
	}
	switch cfg.LogDriver {
	case "k8s-file", "json-file", "none", "passthrough", "passthrough-tty", "journald":
	case "":
		cfg.LogDriver = "k8s-file"
	default:
		return nil, fmt.Errorf("log driver %q is not supported (use k8s-file, json-file, journald, none, passthrough or passthrough-tty): %w", cfg.LogDriver, errdefs.ErrInvalidArgument)
	}
	if err := r.applyConfDefaults(cfg); err != nil {
		return nil, err
	}
	if req.StopTimeout != nil {
		cfg.StopTimeout = *req.StopTimeout
	}
	if err := r.applyTypedValues(cfg, req); err != nil {
		return nil, err
	}
	if len(req.Labels) > 0 {
		cfg.Labels = maps.Clone(req.Labels)
	}
	if err := r.applyRunOptions(cfg, req); err != nil {
		return nil, err
	}
	if err := r.applyIsolation(cfg, &req.Isolation); err != nil {
		return nil, err
	}
	if err := applySysctls(cfg, req.Sysctls); err != nil {
		return nil, err
	}
	cfg.NoHostname = req.NoHostname
	if err := r.applyIdentity(cfg, &req.Identity); err != nil {
		return nil, err
	}
	if err := applyLimits(cfg, req); err != nil {
		return nil, err
	}
	if err := applySandbox(cfg, req); err != nil {
		return nil, err
	}
	flagAnnotations(cfg, req)
	return cfg, nil
}

// applyTypedValues checks the values the caller parsed (the CLI from
// flags, an API from JSON) and stores them: stop signal, env, mounts and
// ulimits over containers.conf's default ulimits.
func (r *Runtime) applyTypedValues(cfg *define.ContainerConfig, req *CreateRequest) error {
	if req.StopSignal != 0 {
		if req.StopSignal < 1 || req.StopSignal > 64 {
			return fmt.Errorf("invalid signal: %d: %w", req.StopSignal, errdefs.ErrInvalidArgument)
		}
		cfg.StopSignal = int(req.StopSignal)
	}
	if err := specgen.ValidateEnv(req.Env); err != nil {
		return err
	}
	withConf, err := r.withConfVolumes(req.Mounts)
	if err != nil {
		return err
	}
	mounts, err := checkMounts(withConf)
	if err != nil {
		return err
	}
	cfg.Mounts = mounts
	rl, err := specgen.DefaultRlimits(r.conf.Containers.DefaultUlimits)
	if err != nil {
		return fmt.Errorf("containers.conf default_ulimits: %w", err)
	}
	rl = specgen.ClampRlimits(rl)
	canRaise := hasCapSysResource()
	for _, l := range req.Ulimits {
		if err := specgen.ValidateRlimit(l); err != nil {
			return err
		}
		if err := specgen.CheckRlimitAllowed(l, canRaise); err != nil {
			return err
		}
		rl = replaceRlimit(rl, l)
	}
	cfg.Rlimits = rl
	return nil
}

// checkMounts validates the caller's mounts, checks that bind sources
// exist (reporting the real error, with podman's "statfs" wording) and
// rejects two mounts on one destination.
func checkMounts(in []define.Mount) ([]define.Mount, error) {
	seen := map[string]define.Mount{}
	out := make([]define.Mount, 0, len(in))
	for _, m := range in {
		if err := specgen.ValidateMount(m); err != nil {
			return nil, err
		}
		if m.Type == "bind" {
			if _, err := os.Stat(m.Source); err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return nil, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("statfs %s: %v", m.Source, err))
			}
		}
		m.Destination = filepath.Clean(m.Destination)
		if prev, ok := seen[m.Destination]; ok {
			// The same mount twice is one mount, as in podman.
			if sameMount(prev, m) {
				continue
			}
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%s: duplicate mount destination", m.Destination)
		}
		seen[m.Destination] = m
		out = append(out, m)
	}
	return out, nil
}

func sameMount(a, b define.Mount) bool {
	return a.Type == b.Type && a.Name == b.Name && a.Source == b.Source && slices.Equal(a.Options, b.Options)
}

// mergeImageConfig applies podman's precedence: user input over image config
// over defaults. A user entrypoint drops the image's CMD, as docker does.
func mergeImageConfig(cfg *define.ContainerConfig, req *CreateRequest, img *image.Image, confEnv []string) error {
	ic := img.Config.Config
	cfg.ImageID, cfg.ImageDigest = img.ID, img.Digest
	// podman's image name: the name the user's reference resolved to, or
	// the image's first name when it was given by ID.
	switch {
	case img.Resolved != "":
		cfg.Image = img.Resolved
	case len(img.Names) > 0:
		cfg.Image = img.Names[0]
	default:
		cfg.Image = req.Image
	}
	if req.Entrypoint != nil {
		cfg.Entrypoint = parseEntrypoint(*req.Entrypoint)
		cfg.Cmd = req.Command
	} else {
		cfg.Entrypoint = ic.Entrypoint
		cfg.Cmd = ic.Cmd
		if len(req.Command) > 0 {
			cfg.Cmd = req.Command
		}
	}
	env := specgen.MergeEnv([]string{config.DefaultPath}, confEnv)
	env = specgen.MergeEnv(env, ic.Env)
	// podman expands --env-merge with the host's variables (--env-host,
	// --http-proxy) and container=podman under the image's.
	env, err := specgen.ApplyEnvMerge(env, append([]string{"container=podman"}, req.HostEnv...), req.Identity.EnvMerge)
	if err != nil {
		return err
	}
	env = specgen.MergeEnv(env, req.HostEnv)
	env = specgen.UnsetEnv(env, req.UnsetEnv, req.UnsetEnvAll)
	cfg.Env = specgen.MergeEnv(env, req.Env)
	cfg.UnsetEnv, cfg.UnsetEnvAll = slices.Clone(req.UnsetEnv), req.UnsetEnvAll
	cfg.WorkingDir = req.WorkingDir
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = ic.WorkingDir
	}
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = "/"
	}
	// --userns=keep-id set the caller's IDs, over the image's user.
	cfg.User = cmp.Or(req.User, cfg.User, ic.User)
	if len(ic.Labels) > 0 {
		merged := map[string]string{}
		for k, v := range ic.Labels {
			merged[k] = v
		}
		for k, v := range cfg.Labels {
			merged[k] = v
		}
		cfg.Labels = merged
	}
	if cfg.StopSignal == 0 && ic.StopSignal != "" {
		if sig, err := signal.Parse(ic.StopSignal); err == nil {
			cfg.StopSignal = int(sig)
		}
	}
	return nil
}

// parseEntrypoint accepts a JSON array or one string, as podman does; an
// empty string clears the image's entrypoint.
func parseEntrypoint(s string) []string {
	if s == "" {
		return nil
	}
	var arr []string
	if strings.HasPrefix(strings.TrimSpace(s), "[") && json.Unmarshal([]byte(s), &arr) == nil {
		return arr
	}
	return []string{s}
}

// replaceRlimit sets l, replacing a default of the same type.
func replaceRlimit(in []spec.POSIXRlimit, l spec.POSIXRlimit) []spec.POSIXRlimit {
	out := in[:0:0]
	for _, x := range in {
		if x.Type != l.Type {
			out = append(out, x)
		}
	}
	return append(out, l)
}
