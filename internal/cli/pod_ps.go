package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

type podPsOpts struct {
	format, sort                        string
	filters                             []string
	quiet, noTrunc, noHeading, latest   bool
	ctrNames, ctrIDs, ctrStatus, showNS bool
}

func podPsCmd(g *Globals) *cobra.Command {
	var o podPsOpts
	cmd := &cobra.Command{
		Use:     "ps [options]",
		Aliases: []string{"ls", "list"},
		Short:   "List pods",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, fm, err := g.engineWithFilters(cmd.Context(), o.filters)
			if err != nil {
				return err
			}
			match, err := podFilter(fm)
			if err != nil {
				return err
			}
			pods, err := rt.Pods(cmd.Context())
			if err != nil {
				return err
			}
			pods = slices.DeleteFunc(pods, func(p *engine.PodReport) bool { return !match(p) })
			if o.latest && len(pods) > 0 {
				pods = pods[len(pods)-1:]
			}
			if err := sortPods(pods, o.sort); err != nil {
				return err
			}
			return printPods(g, &o, pods)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "Pretty-print pods to JSON or using a Go template")
	f.StringArrayVarP(&o.filters, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print the numeric IDs of the pods only")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Do not truncate pod and container IDs")
	f.BoolVarP(&o.noHeading, "noheading", "n", false, "Do not print headers")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	f.BoolVar(&o.ctrNames, "ctr-names", false, "Display the container names")
	f.BoolVar(&o.ctrIDs, "ctr-ids", false, "Display the container UUIDs. If no-trunc is not set they will be truncated")
	f.BoolVar(&o.ctrStatus, "ctr-status", false, "Display the container status")
	f.BoolVar(&o.showNS, "ns", false, "Display namespace information of the pod")
	f.StringVar(&o.sort, "sort", "created", "Sort output by created, id, name, or number")
	return cmd
}

// podRow is one `pod ps` line; its methods are the template's fields.
type podRow struct {
	rep     *engine.PodReport
	noTrunc bool
	now     time.Time
}

func short(id string, noTrunc bool) string {
	if !noTrunc && len(id) > 12 {
		return id[:12]
	}
	return id
}

func (r podRow) ID() string                { return short(r.rep.Pod.Config.ID, r.noTrunc) }
func (r podRow) Name() string              { return r.rep.Pod.Config.Name }
func (r podRow) Status() string            { return r.rep.Status }
func (r podRow) Created() string           { return format.HumanAgo(r.now, r.rep.Pod.Config.Created) }
func (r podRow) InfraID() string           { return short(r.rep.InfraID(), r.noTrunc) }
func (r podRow) NumberOfContainers() int   { return len(r.rep.Containers) }
func (r podRow) Labels() map[string]string { return r.rep.Pod.Config.Labels }
func (r podRow) Label(name string) string  { return r.rep.Pod.Config.Labels[name] }
func (r podRow) Cgroup() string            { return r.rep.Pod.Config.CgroupParent }
func (r podRow) Namespace() string         { return "" }
func (r podRow) Networks() string          { return strings.Join(r.rep.Networks, ",") }
func (r podRow) Restarts() string          { return fmt.Sprint(r.restarts()) }
func (r podRow) ContainerNames() string {
	return r.join(func(c *define.Container) string { return c.Config.Name })
}
func (r podRow) ContainerStatuses() string {
	return r.join(func(c *define.Container) string { return c.State.Status.String() })
}
func (r podRow) ContainerIds() string {
	return r.join(func(c *define.Container) string { return short(c.Config.ID, r.noTrunc) })
}

func (r podRow) restarts() uint {
	var n uint
	for _, c := range r.rep.Containers {
		n += c.State.RestartCount
	}
	return n
}

func (r podRow) join(f func(*define.Container) string) string {
	out := make([]string, 0, len(r.rep.Containers))
	for _, c := range r.rep.Containers {
		out = append(out, f(c))
	}
	return strings.Join(out, ",")
}

var podPsHeaders = map[string]string{
	"ID": "POD ID", "Name": "NAME", "Status": "STATUS", "Created": "CREATED", "InfraID": "INFRA ID",
	"NumberOfContainers": "# OF CONTAINERS", "Labels": "LABELS", "Cgroup": "CGROUP", "Namespace": "NAMESPACES",
	"Networks": "NETWORKS", "Restarts": "RESTARTS", "ContainerNames": "NAMES", "ContainerIds": "IDS",
	"ContainerStatuses": "STATUS",
}

func printPods(g *Globals, o *podPsOpts, pods []*engine.PodReport) error {
	now := time.Now()
	if format.IsJSON(o.format) {
		return format.JSON(g.Stdout, podsJSON(pods), "  ")
	}
	if o.quiet {
		for _, p := range pods {
			fmt.Fprintln(g.Stdout, p.Pod.Config.ID)
		}
		return nil
	}
	tmpl := o.format
	if tmpl == "" || strings.TrimSpace(tmpl) == "table" {
		tmpl = podPsFormat(o)
	}
	rows := make([]any, 0, len(pods))
	for _, p := range pods {
		rows = append(rows, podRow{rep: p, noTrunc: o.noTrunc, now: now})
	}
	return format.Template(g.Stdout, tmpl, podPsHeaders, rows, o.noHeading)
}

// podPsFormat is podman's default table for the flags given.
func podPsFormat(o *podPsOpts) string {
	row := "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}"
	if o.ctrIDs {
		row += "\t{{.ContainerIds}}"
	}
	if o.ctrNames {
		row += "\t{{.ContainerNames}}"
	}
	if o.ctrStatus {
		row += "\t{{.ContainerStatuses}}"
	}
	if o.showNS {
		row += "\t{{.Cgroup}}\t{{.Namespace}}"
	}
	if !o.ctrIDs && !o.ctrNames && !o.ctrStatus {
		row += "\t{{.NumberOfContainers}}"
	}
	return row
}

// podJSON is podman's ListPodsReport.
type podJSON struct {
	Cgroup     string            `json:"Cgroup"`
	Containers []podCtrJSON      `json:"Containers"`
	Created    time.Time         `json:"Created"`
	ID         string            `json:"Id"`
	InfraID    string            `json:"InfraId"`
	Name       string            `json:"Name"`
	Namespace  string            `json:"Namespace"`
	Networks   []string          `json:"Networks"`
	Status     string            `json:"Status"`
	Labels     map[string]string `json:"Labels"`
}

type podCtrJSON struct {
	ID           string `json:"Id"`
	Names        string `json:"Names"`
	Status       string `json:"Status"`
	RestartCount uint   `json:"RestartCount"`
}

func podsJSON(pods []*engine.PodReport) []podJSON {
	out := make([]podJSON, 0, len(pods))
	for _, p := range pods {
		j := podJSON{Cgroup: p.Pod.Config.CgroupParent, Created: p.Pod.Config.Created, ID: p.Pod.Config.ID,
			InfraID: p.InfraID(), Name: p.Pod.Config.Name, Networks: p.Networks, Status: p.Status,
			Labels: p.Pod.Config.Labels, Containers: []podCtrJSON{}}
		if j.Networks == nil {
			j.Networks = []string{}
		}
		for _, c := range p.Containers {
			j.Containers = append(j.Containers, podCtrJSON{ID: c.Config.ID, Names: c.Config.Name,
				Status: c.State.Status.String(), RestartCount: c.State.RestartCount})
		}
		out = append(out, j)
	}
	return out
}

// podFilter matches pod ps --filter: id, name, label, status, ctr-names,
// ctr-ids, ctr-number, ctr-status, network. Values of one key are ORed,
// keys ANDed, as in podman.
func podFilter(fm map[string][]string) (func(*engine.PodReport) bool, error) {
	var tests []func(*engine.PodReport) bool
	for key, vals := range fm {
		one, err := podFilterKey(key)
		if err != nil {
			return nil, err
		}
		tests = append(tests, func(p *engine.PodReport) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return one(p, v) })
		})
	}
	return func(p *engine.PodReport) bool {
		for _, t := range tests {
			if !t(p) {
				return false
			}
		}
		return true
	}, nil
}

func podFilterKey(key string) (func(*engine.PodReport, string) bool, error) {
	anyCtr := func(f func(*define.Container, string) bool) func(*engine.PodReport, string) bool {
		return func(p *engine.PodReport, v string) bool {
			return slices.ContainsFunc(p.Containers, func(c *define.Container) bool { return f(c, v) })
		}
	}
	switch key {
	case "id":
		return func(p *engine.PodReport, v string) bool { return strings.HasPrefix(p.Pod.Config.ID, v) }, nil
	case "name":
		return func(p *engine.PodReport, v string) bool { return matchName(p.Pod.Config.Name, v) }, nil
	case "label":
		return func(p *engine.PodReport, v string) bool {
			k, val, hasVal := strings.Cut(v, "=")
			got, ok := p.Pod.Config.Labels[k]
			return ok && (!hasVal || got == val)
		}, nil
	case "status":
		return func(p *engine.PodReport, v string) bool { return strings.EqualFold(p.Status, v) }, nil
	case "ctr-number":
		return func(p *engine.PodReport, v string) bool { return fmt.Sprint(len(p.Containers)) == v }, nil
	case "ctr-names":
		return anyCtr(func(c *define.Container, v string) bool { return c.Config.Name == v }), nil
	case "ctr-ids":
		return anyCtr(func(c *define.Container, v string) bool { return strings.HasPrefix(c.Config.ID, v) }), nil
	case "ctr-status":
		return anyCtr(func(c *define.Container, v string) bool { return c.State.Status.String() == v }), nil
	case "network":
		return func(p *engine.PodReport, v string) bool { return slices.Contains(p.Networks, v) }, nil
	}
	return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%s is an invalid filter", key)
}

// sortPods orders pods as pod ps --sort asks.
func sortPods(pods []*engine.PodReport, by string) error {
	var cmp func(a, b *engine.PodReport) int
	switch by {
	case "created", "":
		cmp = func(a, b *engine.PodReport) int { return b.Pod.Config.Created.Compare(a.Pod.Config.Created) }
	case "id":
		cmp = func(a, b *engine.PodReport) int { return strings.Compare(a.Pod.Config.ID, b.Pod.Config.ID) }
	case "name":
		cmp = func(a, b *engine.PodReport) int { return strings.Compare(a.Pod.Config.Name, b.Pod.Config.Name) }
	case "number":
		cmp = func(a, b *engine.PodReport) int { return len(a.Containers) - len(b.Containers) }
	case "status":
		cmp = func(a, b *engine.PodReport) int { return strings.Compare(a.Status, b.Status) }
	default:
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid option for --sort, options are: created, id, name, number, or status")
	}
	slices.SortStableFunc(pods, cmp)
	return nil
}

// matchName is podman's name filter: the value is a regular expression
// matched anywhere in the name (an invalid one matches literally).
func matchName(name, v string) bool {
	re, err := regexp.Compile(v)
	if err != nil {
		return name == v
	}
	return re.MatchString(name)
}

// podNames completes pod names starting with prefix.
func podNames(cmd *cobra.Command, g *Globals, prefix string) []string {
	g.cmd = cmd
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return nil
	}
	pods, err := rt.Pods(cmd.Context())
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range pods {
		if strings.HasPrefix(p.Pod.Config.Name, prefix) {
			out = append(out, p.Pod.Config.Name)
		}
	}
	return out
}
