package systemdgen

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// ctrIDFile is where the --new unit's run writes the container's ID, read
// back by its stop and rm.
const ctrIDFile = "%t/%n.ctr-id"

// nameOrID is what the units call a container: its name with --name.
func (c *Container) nameOrID(o *Options) string {
	if o.Name {
		return c.Name
	}
	return c.ID
}

// ContainerService is the unit name (without .service) of a container.
func (c *Container) ContainerService(o *Options) string {
	return ServiceName(o.ContainerPrefix, o.Separator, c.nameOrID(o))
}

// ContainerUnit writes a container's unit; pod is the container's pod for
// --new (its pod-id file), nil otherwise. It returns the unit's name.
func ContainerUnit(c *Container, pod *Pod, o *Options) (string, string, error) {
	svc := c.ContainerService(o)
	u := &unit{
		service: svc, runRoot: c.RunRoot, bindsTo: c.BoundTo,
		wants: o.Wants, after: o.After, requires: o.Requires,
		restart: "on-failure", stopTimeout: c.StopTimeout,
		pidFile: c.MonitorPidFile,
	}
	if o.StartTimeout != nil {
		u.startTimeout = *o.StartTimeout
	}
	if err := u.applyOptions(o); err != nil {
		return "", "", err
	}
	u.addEnv = escapeAll(o.Env)
	name := c.nameOrID(o)
	t := fmt.Sprint(u.stopTimeout)
	u.execStart = o.Executable + " start " + name
	u.execStop = o.Executable + " stop  \\\n\t-t " + t + " " + name
	u.execStopPost = u.execStop
	if o.New {
		if err := newContainerCommands(u, c, pod, o); err != nil {
			return "", "", err
		}
	}
	return svc, u.render(o), nil
}

// runFlags are the run flags whose presence the --new unit checks.
// applyOptions sets what container and pod units take alike from the
// options: the stop timeout and the restart policy and delay.
func (u *unit) applyOptions(o *Options) error {
	if o.StopTimeout != nil {
		u.stopTimeout = *o.StopTimeout
	}
	if o.RestartSec != nil {
		u.restartSec = *o.RestartSec
	}
	if o.RestartPolicy != nil {
		if err := ValidateRestartPolicy(*o.RestartPolicy); err != nil {
			return err
		}
		u.restart = *o.RestartPolicy
	}
	return nil
}

func runFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("args", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.Usage = func() {}
	fs.SetInterspersed(false)
	fs.BoolP("detach", "d", false, "")
	fs.String("name", "", "")
	fs.Bool("replace", false, "")
	fs.StringArrayP("env", "e", nil, "")
	fs.String("sdnotify", "", "")
	fs.String("restart", "", "")
	// -h is run's --hostname, never help here.
	fs.StringP("help", "h", "", "")
	return fs
}

// newContainerCommands turns the container's create command into a run
// that makes the container anew at every start (--new): --rm, the ID in
// the unit's cidfile, detached, told to notify systemd once running.
func newContainerCommands(u *unit, c *Container, pod *Pod, o *Options) error {
	u.notify, u.pidFile = true, ""
	t := fmt.Sprint(u.stopTimeout)
	u.runRoot = "%t/containers"
	u.execStop = formatCmd([]string{o.Executable, "stop", "--ignore -t " + t, "--cidfile=" + ctrIDFile})
	u.execStopPost = formatCmd([]string{o.Executable, "rm", "-f", "--ignore -t " + t, "--cidfile=" + ctrIDFile})
	if len(c.CreateCommand) == 0 {
		return fmt.Errorf("cannot use --new on container %q: no create command found: only works on containers created directly with podman but not via REST API", c.ID)
	}
	index := slices.IndexFunc(c.CreateCommand, func(a string) bool { return a == "run" || a == "create" })
	if index <= 0 {
		return fmt.Errorf("container's create command is too short or invalid: %v", c.CreateCommand)
	}
	start := []string{EscapeArg(o.Executable)}
	start = append(start, escapeAll(c.CreateCommand[1:index])...)
	start = append(start, "run", "--cidfile="+ctrIDFile, "--cgroups=no-conmon", "--rm")
	rest := c.CreateCommand[index+1:]
	fs := runFlags()
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("parsing remaining command-line arguments: %w", err)
	}
	n := fs.NArg()
	rest = dropFlags(rest, n, []string{"--cgroups", "--cidfile", "--restart"}, []string{"--rm"})
	if pod != nil {
		start = append(start, "--pod-id-file", podIDFile(pod, o))
		rest = dropFlags(rest, n, []string{"--pod", "--pod-id-file", "--infra-conmon-pidfile"}, nil)
	}
	if sd := fs.Lookup("sdnotify"); !sd.Changed {
		start = append(start, "--sdnotify=conmon")
	} else if sd.Value.String() == "ignore" {
		// Type=notify needs a notification: conmon's, then.
		rest = dropFlags(rest, n, []string{"--sdnotify"}, nil)
		start = append(start, "--sdnotify=conmon")
	}
	if detach, _ := fs.GetBool("detach"); !detach {
		start = append(start, "-d")
		rest = dropExact(rest, n, "-d=false", "--detach=false")
	}
	if replace, _ := fs.GetBool("replace"); fs.Changed("name") && !replace {
		// A name left by a crash must not keep the unit from starting.
		start = append(start, "--replace")
		rest = dropExact(rest, n, "--replace=false")
	}
	if o.RestartPolicy == nil {
		newRestartPolicy(u, fs)
	}
	envs, _ := fs.GetStringArray("env")
	for _, e := range envs {
		if strings.Contains(e, "=") {
			continue
		}
		// -e KEY takes the value from the environment of the run: the unit sets it.
		for _, ce := range c.Env {
			if k, _, _ := strings.Cut(ce, "="); k == e {
				u.extraEnv = append(u.extraEnv, EscapeArg(ce))
			}
		}
	}
	start = append(start, escapeAll(rest)...)
	if o.Template {
		u.template = true
		var err error
		if start, err = templateName(start, u.service); err != nil {
			return err
		}
	}
	u.execStart = formatCmd(start)
	return nil
}

// newRestartPolicy maps the container's --restart onto systemd's.
func newRestartPolicy(u *unit, fs *pflag.FlagSet) {
	p, _ := fs.GetString("restart")
	switch {
	case p == "":
		return
	case strings.HasPrefix(p, "on-failure:"):
		p, u.startLimitBurst, _ = strings.Cut(p, ":")
	case p == "unless-stopped":
		p = "always"
	}
	u.restart = p
}

// templateName gives every instance of a template unit its own container
// name: NAME-%i.
func templateName(args []string, service string) ([]string, error) {
	for i, a := range args {
		if a == "--name" && i+1 < len(args) {
			args[i+1] += "-%i"
			return args, nil
		}
		if strings.HasPrefix(a, "--name=") {
			args[i] += "-%i"
			return args, nil
		}
	}
	run := slices.Index(args, "run")
	if run < 0 {
		return nil, errors.New(`"run" is missing in the command arguments`)
	}
	return slices.Insert(args, run+1, "--name="+service+"-%i"), nil
}

// dropFlags removes flags (with their separate value) from the options of
// args, leaving the last n arguments (image and command) alone; bools are
// flags without a value.
func dropFlags(args []string, n int, valued, bools []string) []string {
	opts, tail := args[:len(args)-n], args[len(args)-n:]
	out := make([]string, 0, len(args))
	for i := 0; i < len(opts); i++ {
		a := opts[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch {
		case slices.Contains(valued, name) && hasValue, slices.Contains(bools, name):
			continue
		case slices.Contains(valued, a):
			i++
			continue
		}
		out = append(out, a)
	}
	return append(out, tail...)
}

// dropExact removes the given options from args but for the last n.
func dropExact(args []string, n int, drop ...string) []string {
	opts, tail := args[:len(args)-n], args[len(args)-n:]
	out := slices.DeleteFunc(slices.Clone(opts), func(a string) bool { return slices.Contains(drop, a) })
	return append(out, tail...)
}
