package systemdgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// PodService is the unit name (without .service) of a pod.
func (p *Pod) PodService(o *Options) string {
	name := p.ID
	if o.Name {
		name = p.Name
	}
	return ServiceName(o.PodPrefix, o.Separator, name)
}

// podIDFile is where the --new pod unit's pod create writes the pod's ID,
// read by the pod's other commands and its members' runs.
func podIDFile(p *Pod, o *Options) string { return "%t/" + p.PodService(o) + ".pod-id" }

// PodUnit writes the pod's own unit: it starts and stops the infra
// container (or, with --new, creates and removes the pod), and wants the
// members' units, which are bound to it.
func PodUnit(p *Pod, o *Options) (string, string, error) {
	svc := p.PodService(o)
	infra := p.Infra.nameOrID(o)
	members := slices.Clone(p.Members)
	slices.Sort(members)
	for i := range members {
		members[i] += ".service"
	}
	if members == nil {
		members = []string{}
	}
	u := &unit{
		service: svc, runRoot: p.RunRoot, podWants: members,
		restart: "on-failure", stopTimeout: p.Infra.StopTimeout,
		pidFile: p.Infra.MonitorPidFile,
	}
	if err := u.applyOptions(o); err != nil {
		return "", "", err
	}
	t := fmt.Sprint(u.stopTimeout)
	u.execStart = o.Executable + " start " + infra
	u.execStop = o.Executable + " stop  \\\n\t-t " + t + " " + infra
	u.execStopPost = u.execStop
	if o.New {
		if err := newPodCommands(u, p, o); err != nil {
			return "", "", err
		}
	}
	return svc, u.render(o), nil
}

// newPodCommands makes the pod anew at every start from its create command
// (--new), its infra monitor's PID and its ID in files of the unit.
func newPodCommands(u *unit, p *Pod, o *Options) error {
	cmd := p.CreateCommand
	create := 0
	for i := 1; i < len(cmd); i++ {
		if cmd[i-1] == "pod" && cmd[i] == "create" {
			create = i
			break
		}
	}
	if create == 0 {
		return fmt.Errorf("pod does not appear to be created via `podman pod create`: %v", cmd)
	}
	svc := p.PodService(o)
	u.pidFile = "%t/" + svc + ".pid"
	idFile := podIDFile(p, o)
	root := escapeAll(cmd[1 : create-1])
	args := cmd[create+1:]
	fs := pflag.NewFlagSet("args", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.Usage = func() {}
	fs.SetInterspersed(false)
	fs.String("name", "", "")
	fs.Bool("replace", false, "")
	fs.String("exit-policy", "", "")
	fs.StringP("help", "h", "", "")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parsing remaining command-line arguments: %w", err)
	}
	args = dropFlags(args, fs.NArg(), []string{"--pod", "--pod-id-file", "--infra-conmon-pidfile"}, nil)
	start := append([]string{EscapeArg(o.Executable)}, root...)
	start = append(start, "pod", "create", "--infra-conmon-pidfile", u.pidFile, "--pod-id-file", idFile)
	if !fs.Changed("exit-policy") {
		// The pod, hence the unit, ends when its last container does.
		start = append(start, "--exit-policy=stop")
	}
	start = append(start, escapeAll(args)...)
	if fs.Changed("name") && !fs.Changed("replace") {
		start = append(start, "--replace")
	}
	u.execStartPre = formatCmd(start)
	exe := strings.Join(append([]string{EscapeArg(o.Executable)}, root...), " ")
	u.execStart = exe + " pod start \\\n\t--pod-id-file " + idFile
	u.execStop = fmt.Sprintf("%s pod stop \\\n\t--ignore \\\n\t--pod-id-file %s  \\\n\t-t %d", exe, idFile, u.stopTimeout)
	u.execStopPost = exe + " pod rm \\\n\t--ignore \\\n\t-f \\\n\t--pod-id-file " + idFile
	return nil
}
