package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// runFlags are create's and run's flags for how the container runs and
// which files pier writes for the user.
type runFlags struct {
	replace, init, envHost, unsetEnvAll          bool
	cidFile, conmonPidFile, pidFile, tz, restart string
	pod, podIDFile                               string
	initPath                                     string
	annotations, logOpts, securityOpts, unsetEnv []string
	requires                                     []string
	mem                                          memoryFlags
	timeout                                      uint
	sdNotify                                     string
}

func (o *runFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&o.replace, "replace", false, "If a container with the same name exists, replace it")
	f.StringVar(&o.pod, "pod", "", "Run container in an existing pod")
	f.StringSliceVar(&o.requires, "requires", nil, "Add one or more requirement containers that must be started before this container will start")
	f.StringVar(&o.podIDFile, "pod-id-file", "", "Read the pod ID from the file")
	f.BoolVar(&o.init, "init", false, "Run an init binary inside the container that forwards signals and reaps processes")
	f.StringVar(&o.initPath, "init-path", "", "Path to the container-init binary")
	f.BoolVar(&o.envHost, "env-host", false, "Use all current host environment variables in container")
	f.StringArrayVar(&o.unsetEnv, "unsetenv", nil, "Unset environment default variables in container")
	f.BoolVar(&o.unsetEnvAll, "unsetenv-all", false, "Unset all default environment variables in container")
	f.StringVar(&o.cidFile, "cidfile", "", "Write the container ID to the file")
	f.StringVar(&o.conmonPidFile, "conmon-pidfile", "", "Path to the file that will receive the PID of conmon")
	f.StringVar(&o.pidFile, "pidfile", "", "Write the container process ID to the file")
	f.StringVar(&o.tz, "tz", "", "Set timezone in container")
	f.StringVar(&o.restart, "restart", "", `Restart policy to apply when a container exits ("always"|"no"|"never"|"on-failure"|"unless-stopped")`)
	f.StringArrayVar(&o.annotations, "annotation", nil, "Add annotations to container (key=value)")
	f.StringArrayVar(&o.logOpts, "log-opt", nil, "Logging driver options")
	f.StringArrayVar(&o.securityOpts, "security-opt", nil, "Security Options")
	o.mem.add(f)
	f.StringVar(&o.sdNotify, "sdnotify", "container", `control sd-notify behavior ("container"|"conmon"|"healthy"|"ignore")`)
	f.UintVar(&o.timeout, "timeout", 0, "Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.")
}

// apply fills the request's fields these flags own.
func (o *runFlags) apply(req *engine.CreateRequest) error {
	req.Replace, req.Init, req.Timezone, req.Timeout = o.replace, o.init, o.tz, o.timeout
	req.Pod, req.Requires = o.pod, o.requires
	req.SdNotifyMode = o.sdNotify
	if o.podIDFile != "" {
		if o.pod != "" {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot specify both --pod and --pod-id-file")
		}
		b, err := os.ReadFile(o.podIDFile)
		if err != nil {
			return fmt.Errorf("reading pod ID file: %w", err)
		}
		req.Pod = strings.TrimSpace(string(b))
	}
	req.UnsetEnv, req.UnsetEnvAll = o.unsetEnv, o.unsetEnvAll
	var err error
	for dst, p := range map[*string]string{
		&req.CIDFile: o.cidFile, &req.MonitorPidFile: o.conmonPidFile, &req.PidFile: o.pidFile, &req.InitPath: o.initPath,
	} {
		if *dst, err = absPath(p); err != nil {
			return err
		}
	}
	if req.RestartPolicy, req.RestartRetries, err = parseRestart(o.restart); err != nil {
		return err
	}
	if req.Resources, err = o.mem.resources(); err != nil {
		return err
	}
	if o.mem.kernelMemory != "" {
		slog.Warn("The --kernel-memory flag is no longer supported. This flag is a noop.")
	}
	for _, a := range o.annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return errors.New("annotations must be formatted KEY=VALUE")
		}
		if req.Annotations == nil {
			req.Annotations = map[string]string{}
		}
		req.Annotations[k] = v
	}
	if err := o.applySecurityOpts(req); err != nil {
		return err
	}
	return o.applyLogOpts(req)
}

// applySecurityOpts parses --security-opt as podman does ("key=value" or
// docker's older "key:value"); pier supports no-new-privileges,
// seccomp, label=disable, mask, unmask, proc-opts and (AppArmor being off)
// apparmor=unconfined, and says so for the rest.
func (o *runFlags) applySecurityOpts(req *engine.CreateRequest) error {
	for _, opt := range o.securityOpts {
		sep := ":"
		if strings.Contains(opt, "=") {
			sep = "="
		}
		key, val, hasVal := strings.Cut(opt, sep)
		if !hasVal && key != "no-new-privileges" {
			return fmt.Errorf("invalid --security-opt 1: %q", opt)
		}
		switch key {
		case "no-new-privileges":
			nnp := true
			if hasVal {
				var err error
				if nnp, err = strconv.ParseBool(val); err != nil {
					return fmt.Errorf("invalid --security-opt 2: %q", opt)
				}
			}
			req.NoNewPrivileges = nnp
		case "seccomp":
			req.Seccomp = val
		case "label":
			if val != "disable" {
				return fmt.Errorf("security option %q: pier applies no SELinux labels, only label=disable is accepted: %w", opt, errdefs.ErrNotImplemented)
			}
			req.LabelDisable = true
		case "mask", "unmask":
			paths := strings.Split(val, ":")
			if key == "mask" {
				req.Isolation.Mask = append(req.Isolation.Mask, paths...)
			} else {
				req.Isolation.Unmask = append(req.Isolation.Unmask, paths...)
			}
		case "proc-opts":
			req.Isolation.ProcOpts = append(req.Isolation.ProcOpts, strings.Split(val, ",")...)
		case "apparmor":
			// pier applies no AppArmor profile. Where AppArmor is off,
			// podman takes "unconfined" as a no-op and refuses a profile.
			if apparmorEnabled() {
				return fmt.Errorf("security option %q: pier applies no AppArmor profiles: %w", opt, errdefs.ErrNotImplemented)
			}
			if val != "unconfined" {
				return fmt.Errorf("apparmor profile %q specified, but Apparmor is not enabled on this system", val)
			}
		default:
			return fmt.Errorf("invalid --security-opt 2: %q", opt)
		}
	}
	return nil
}

// applyLogOpts follows podman's --log-opt: driver, path, max-size and tag
// mean something; other keys are kept for drivers pier does not have.
func (o *runFlags) applyLogOpts(req *engine.CreateRequest) error {
	for _, opt := range o.logOpts {
		k, v, ok := strings.Cut(opt, "=")
		if !ok {
			return fmt.Errorf("invalid log option %q", opt)
		}
		switch strings.ToLower(k) {
		case "driver":
			req.LogDriver = v
		case "path":
			p, err := absPath(v)
			if err != nil {
				return err
			}
			req.LogPath = p
		case "max-size":
			size, err := units.FromHumanSize(v)
			if err != nil {
				return err
			}
			req.LogSizeMax = &size
		case "tag":
			req.LogTag = v
		default:
			if req.LogOptions == nil {
				req.LogOptions = map[string]string{}
			}
			req.LogOptions[k] = v
		}
	}
	return nil
}

// parseRestart splits --restart's "policy[:retries]" with podman's
// messages; "never" is podman's alias of "no". The engine checks the name.
func parseRestart(s string) (string, uint, error) {
	policy, count, hasCount := strings.Cut(s, ":")
	if policy == "never" {
		policy = "no"
	}
	if !hasCount {
		return policy, 0, nil
	}
	if strings.Contains(count, ":") {
		return "", 0, errors.New("invalid restart policy: may specify retries at most once")
	}
	if !strings.EqualFold(policy, "on-failure") {
		return "", 0, errors.New("restart policy retries can only be specified with on-failure restart policy")
	}
	n, err := strconv.Atoi(count)
	if err != nil {
		return "", 0, fmt.Errorf("parsing restart policy retry count: %w", err)
	}
	if n < 0 {
		return "", 0, errors.New("must specify restart policy retry count as a number greater than 0")
	}
	return policy, uint(n), nil
}

// absPath resolves a user's path against the working directory: the
// monitor, which writes some of these files, runs in "/".
func absPath(p string) (string, error) {
	if p == "" || filepath.IsAbs(p) {
		return p, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolving %q: %w", p, err)
	}
	return abs, nil
}

// memoryFlags are podman's memory limits, the only resources pier sets.
type memoryFlags struct {
	memory, swap, reservation, kernelMemory string
}

func (o *memoryFlags) add(f *pflag.FlagSet) {
	f.StringVarP(&o.memory, "memory", "m", "", "Memory limit (format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&o.swap, "memory-swap", "", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	f.StringVar(&o.reservation, "memory-reservation", "", "Memory soft limit (format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&o.kernelMemory, "kernel-memory", "", "DEPRECATED: Option is just hear for compatibility with Docker")
	_ = f.MarkHidden("kernel-memory")
}

// resources parses the limits as podman does: sizes in binary units, swap
// -1 for unlimited, and swap defaulting to twice a set memory limit.
func (o *memoryFlags) resources() (*spec.LinuxResources, error) {
	parse := func(s string) (*int64, error) {
		if s == "" {
			return nil, nil
		}
		v, err := units.RAMInBytes(s)
		if err != nil {
			// podman's text names "memory" for every memory flag.
			return nil, fmt.Errorf("invalid value for memory: %w", err)
		}
		return &v, nil
	}
	var m spec.LinuxMemory
	var err error
	if m.Limit, err = parse(o.memory); err != nil {
		return nil, err
	}
	if m.Reservation, err = parse(o.reservation); err != nil {
		return nil, err
	}
	switch {
	case o.swap == "-1":
		unlimited := int64(-1)
		m.Swap = &unlimited
	case o.swap != "":
		if m.Swap, err = parse(o.swap); err != nil {
			return nil, err
		}
	case m.Limit != nil && *m.Limit > 0:
		double := 2 * *m.Limit
		m.Swap = &double
	}
	if m.Limit == nil && m.Swap == nil && m.Reservation == nil {
		return nil, nil
	}
	return &spec.LinuxResources{Memory: &m}, nil
}

// apparmorEnabled reports whether the kernel enforces AppArmor, as
// common's apparmor.IsEnabled reads it.
func apparmorEnabled() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && len(b) > 0 && b[0] == 'Y'
}
