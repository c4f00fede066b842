package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/network"
	"github.com/pier-engine/pier/internal/report"
)

type psOpts struct {
	all, latest, quiet, noTrunc, noHeading, size, ns, external, pod bool
	sync                                                            bool
	last                                                            int
	watch                                                           uint
	filters                                                         []string
	format                                                          string
	sort                                                            choice
}

func newPsCommand(g *Globals) *cobra.Command {
	o := &psOpts{sort: choice{choices: psSortKeys}}
	cmd := &cobra.Command{
		Use:   "ps [options]",
		Short: "List containers",
		Long:  "Prints out information about the containers",
		Args:  cobra.NoArgs,
		Example: `pier ps -a
  pier ps -a --format "{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPs(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all the containers, default is only running containers")
	f.StringArrayVarP(&o.filters, "filter", "f", nil, "Filter output based on conditions given")
	f.StringVar(&o.format, "format", "", "Pretty-print containers to JSON or using a Go template")
	f.IntVarP(&o.last, "last", "n", -1, "Print the n last created containers (all states)")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Display the extended information")
	f.BoolVar(&o.noHeading, "noheading", false, "Do not print headers")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print the numeric IDs of the containers only")
	f.BoolVarP(&o.size, "size", "s", false, "Display the total file sizes")
	f.BoolVar(&o.ns, "ns", false, "Display namespace information")
	f.BoolVar(&o.external, "external", false, "Show containers in storage not controlled by Podman")
	f.BoolVarP(&o.pod, "pod", "p", false, "Print the ID and name of the pod the containers are associated with")
	f.Var(&o.sort, "sort", "Sort output by: "+o.sort.Choices())
	f.UintVarP(&o.watch, "watch", "w", 0, "Watch the ps output on an interval in seconds")
	// Every listing reads the monitors' exit records, which is what
	// Every listing reads the monitors' exit records, so the state is
	// always synced; --sync also records podman's sync events.
	f.BoolVar(&o.sync, "sync", false, "Sync container state with OCI runtime")
	return cmd
}

func runPs(cmd *cobra.Command, g *Globals, o *psOpts) error {
	switch {
	case o.last >= 0 && o.latest:
		return errors.New("last and latest are mutually exclusive")
	case o.quiet && (o.size || o.ns):
		return errors.New("quiet conflicts with size and namespace")
	case o.size && o.ns:
		return errors.New("size and namespace options conflict")
	case o.watch > 0 && o.latest:
		return errors.New("the watch and latest flags cannot be used together")
	}
	ctx := cmd.Context()
	rt, filters, err := g.engineWithFilters(ctx, o.filters)
	if err != nil {
		return err
	}
	userFmt := cmd.Flags().Changed("format")
	if o.watch == 0 {
		return psOnce(ctx, g, rt, o, filters, userFmt)
	}
	return psWatch(ctx, g, time.Duration(o.watch)*time.Second, func() error {
		return psOnce(ctx, g, rt, o, filters, userFmt)
	})
}

// psOnce lists, filters, sizes, sorts and prints the containers once.
func psOnce(ctx context.Context, g *Globals, rt *engine.Runtime, o *psOpts, filters map[string][]string, userFmt bool) error {
	cs, err := rt.ListContainers(ctx)
	if err != nil {
		return err
	}
	if o.external {
		ext, err := rt.ExternalContainers(ctx)
		if err != nil {
			return err
		}
		cs = append(cs, ext...)
	}
	match, err := newCtrFilterRT(ctx, rt, filters, cs)
	if err != nil {
		return err
	}
	now := time.Now()
	rows := selectPs(cs, o, match)
	if o.sync {
		rt.RecordSync(rows)
	}
	if o.quiet && !userFmt && o.sort.value == "" {
		return psQuiet(g.Stdout, rows, o.noTrunc)
	}
	list := psRows(rows, cs, podNamesOf(ctx, rt, rows), now)
	if o.size {
		for i := range list {
			list[i].Size = psSizeOf(ctx, rt, list[i].ID)
		}
	}
	sortPs(list, o.sort.value)
	switch {
	case format.IsJSON(o.format):
		return psJSON(g.Stdout, list)
	case o.quiet && !userFmt:
		ids := make([]string, 0, len(list))
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		return printIDs(g.Stdout, ids, o.noTrunc)
	}
	return psTable(g.Stdout, o, userFmt, list, now)
}

// psQuiet prints the IDs of rows in listing order: no row of the table
// is needed for that.
func psQuiet(w io.Writer, rows []*define.Container, noTrunc bool) error {
	ids := make([]string, 0, len(rows))
	for _, c := range rows {
		ids = append(ids, c.Config.ID)
	}
	return printIDs(w, ids, noTrunc)
}

// printIDs writes one ID a line, truncated to 12 characters unless
// noTrunc, in one write rather than one per line.
func printIDs(w io.Writer, ids []string, noTrunc bool) error {
	b := make([]byte, 0, len(ids)*13)
	for _, id := range ids {
		if !noTrunc && len(id) > 12 {
			id = id[:12]
		}
		b = append(append(b, id...), '\n')
	}
	_, err := w.Write(b)
	return err
}

// psRows makes the rows of the containers selected among all.
func psRows(rows, all []*define.Container, podNames map[string]string, now time.Time) []psContainer {
	list := make([]psContainer, 0, len(rows))
	byID := make(map[string]*define.Container, len(all))
	for _, c := range all {
		byID[c.Config.ID] = c
	}
	for _, c := range rows {
		p := newPsContainer(c, now)
		p.PodName = podNames[c.Config.Pod]
		if owner := netOwner(c, byID); owner != nil {
			// A pod member is reached on its infra container's ports.
			p.Ports = owner.Config.PortMappings
			p.portsColumn = network.PortsColumn(owner.Config.PortMappings, owner.Config.ExposedPorts)
		}
		list = append(list, p)
	}
	return list
}

// netOwner is the pod's infra container whose network namespace c joins,
// nil for a container with its own.
func netOwner(c *define.Container, byID map[string]*define.Container) *define.Container {
	if c.Config.Pod == "" {
		return nil
	}
	id, ok := strings.CutPrefix(c.Config.NetworkMode, "container:")
	if !ok {
		return nil
	}
	return byID[id]
}

// podNamesOf maps the pods of cs to their names; a pod removed meanwhile
// has none.
func podNamesOf(ctx context.Context, rt *engine.Runtime, cs []*define.Container) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		if c.Config.Pod == "" || out[c.Config.Pod] != "" {
			continue
		}
		if p, err := rt.LookupPod(ctx, c.Config.Pod); err == nil {
			out[c.Config.Pod] = p.Config.Name
		}
	}
	return out
}

// selectPs applies podman's selection rules: only running containers
// unless -a, --external, -n or a status filter; -n keeps the newest n; --latest the
// newest one.
func selectPs(cs []*define.Container, o *psOpts, match func(*define.Container) bool) []*define.Container {
	if o.latest {
		if latest := newest(cs); latest != nil {
			return []*define.Container{latest}
		}
		return nil
	}
	all := o.all || o.external || o.last > 0 || hasFilter(o.filters, "status")
	var out []*define.Container
	for _, c := range cs {
		if !all && c.State.Status != define.StatusRunning {
			continue
		}
		if match(c) {
			out = append(out, c)
		}
	}
	if o.last > 0 {
		// podman keeps the newest n, oldest first.
		sort.SliceStable(out, func(i, j int) bool { return out[i].Config.Created.Before(out[j].Config.Created) })
		if o.last < len(out) {
			out = out[len(out)-o.last:]
		}
	}
	return out
}

func hasFilter(filters []string, key string) bool {
	for _, f := range filters {
		if k, _, _ := strings.Cut(f, "="); k == key {
			return true
		}
	}
	return false
}

// psContainer is a ps row: podman's ListContainer plus the PORTS column
// (a pod member's shows its infra container's ports).
type psContainer struct {
	report.ListContainer
	portsColumn string
}

type psSize = report.ListSize

func newPsContainer(c *define.Container, now time.Time) psContainer {
	return psContainer{
		ListContainer: report.NewListContainer(c, now),
		portsColumn:   network.PortsColumn(c.Config.PortMappings, c.Config.ExposedPorts),
	}
}

func psStatus(state string, started, finished time.Time, code int32, now time.Time) string {
	return report.Status(state, started, finished, code, now)
}

// psReporter adds podman's template methods; they shadow the fields of the
// same name so that {{.ID}} is truncated and {{.Names}} is a string.
type psReporter struct {
	psContainer
	noTrunc bool
	now     time.Time
}

func (r psReporter) ID() string {
	if r.noTrunc || len(r.ListContainer.ID) < 12 {
		return r.ListContainer.ID
	}
	return r.ListContainer.ID[:12]
}

func (r psReporter) ImageID() string {
	if r.noTrunc || len(r.ListContainer.ImageID) < 12 {
		return r.ListContainer.ImageID
	}
	return r.ListContainer.ImageID[:12]
}

// Command is truncated to 17 characters plus "..." as podman does.
func (r psReporter) Command() string { return truncCommand(r.ListContainer.Command, r.noTrunc) }

func truncCommand(cmd []string, noTrunc bool) string {
	s := strings.Join(cmd, " ")
	if !noTrunc && len(s) > 17 {
		return s[:17] + "..."
	}
	return s
}

func (r psReporter) Names() string {
	if len(r.ListContainer.Names) == 0 {
		return ""
	}
	return r.ListContainer.Names[0]
}

func (r psReporter) Label(name string) string { return r.ListContainer.Labels[name] }
func (r psReporter) Networks() string         { return strings.Join(r.ListContainer.Networks, ",") }
func (r psReporter) Ports() string            { return r.portsColumn }
func (r psReporter) CreatedAt() string        { return r.Created.String() }
func (r psReporter) CreatedHuman() string     { return format.HumanAgo(r.now, r.Created) }
func (r psReporter) RunningFor() string       { return r.CreatedHuman() }
func (r psReporter) Restarts() string         { return fmt.Sprint(r.ListContainer.Restarts) }
func (r psReporter) Pod() string {
	if !r.noTrunc && len(r.ListContainer.Pod) > 12 {
		return r.ListContainer.Pod[:12]
	}
	return r.ListContainer.Pod
}
func (r psReporter) Size() string {
	if r.ListContainer.Size == nil {
		return ""
	}
	return fmt.Sprintf("%s (virtual %s)", format.HumanSizeCompact(r.ListContainer.Size.RwSize), format.HumanSizeCompact(r.ListContainer.Size.RootFsSize))
}
func (r psReporter) Cgroup() string { return r.Namespaces.Cgroup }
func (r psReporter) IPC() string    { return r.Namespaces.IPC }
func (r psReporter) MNT() string    { return r.Namespaces.MNT }
func (r psReporter) NET() string    { return r.Namespaces.NET }
func (r psReporter) PIDNS() string  { return r.Namespaces.PIDNS }
func (r psReporter) User() string   { return r.Namespaces.User }
func (r psReporter) UTS() string    { return r.Namespaces.UTS }

// psHeaderOverrides are podman's column titles where the camel-case rule
// on psContainer's fields does not give them (mostly template methods).
var psHeaderOverrides = map[string]string{
	"Cgroup":       "cgroupns",
	"CreatedHuman": "created",
	"ID":           "container id",
	"IPC":          "ipc",
	"MNT":          "mnt",
	"NET":          "net",
	"Networks":     "networks",
	"PIDNS":        "pidns",
	"Pod":          "pod id",
	"PodName":      "podname",
	"Restarts":     "restarts",
	"RunningFor":   "running for",
	"UTS":          "uts",
	"User":         "userns",
}

// psFormat is the table --format the flags ask for, podman's default
// columns unless the user gave one.
func psFormat(o *psOpts, userFmt bool) string {
	if userFmt && strings.TrimSpace(o.format) != "table" {
		return strings.ReplaceAll(o.format, ".Namespaces.", ".")
	}
	if o.ns {
		return "table {{.ID}}\t{{.Names}}\t{{.Pid}}\t{{.Cgroup}}\t{{.IPC}}\t{{.MNT}}\t{{.NET}}\t{{.PIDNS}}\t{{.User}}\t{{.UTS}}"
	}
	return "table {{." + strings.Join(psDefaultColumns(o), "}}\t{{.") + "}}"
}

// psDefaultColumns are the fields of ps's default tables.
func psDefaultColumns(o *psOpts) []string {
	cols := []string{"ID", "Image", "Command", "CreatedHuman", "Status", "Ports", "Names"}
	if o.pod {
		cols = append(cols, "Pod", "PodName")
	}
	if o.size {
		cols = append(cols, "Size")
	}
	return cols
}

func psTable(w io.Writer, o *psOpts, userFmt bool, list []psContainer, now time.Time) error {
	if (!userFmt || strings.TrimSpace(o.format) == "table") && !o.ns {
		return psDefaultTable(w, o, list, now)
	}
	rows := make([]any, 0, len(list))
	for _, c := range list {
		rows = append(rows, psReporter{c, o.noTrunc, now})
	}
	return psTemplate(w, o, userFmt, rows)
}

func psTemplate(w io.Writer, o *psOpts, userFmt bool, rows []any) error {
	headers := format.Headers(report.ListContainer{}, psHeaderOverrides)
	return format.Template(w, psFormat(o, userFmt), headers, rows, o.noHeading)
}

// psDefaultTable prints the default tables' cells straight into the
// table writer: what psFormat's template prints, without the template's
// reflection per cell (most of printing 500 rows).
func psDefaultTable(w io.Writer, o *psOpts, list []psContainer, now time.Time) error {
	cols := psDefaultColumns(o)
	titles := format.Headers(report.ListContainer{}, psHeaderOverrides)
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = titles[c]
	}
	rows := make([][]string, len(list))
	cells := make([]string, len(list)*len(cols))
	for i, c := range list {
		r := psReporter{c, o.noTrunc, now}
		row := cells[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
		for j, col := range cols {
			row[j] = r.cell(col)
		}
		rows[i] = row
	}
	return format.Table(w, headers, rows, o.noHeading)
}

// cell is the default tables' column col.
func (r *psReporter) cell(col string) string {
	switch col {
	case "ID":
		return r.ID()
	case "Image":
		return r.Image
	case "Command":
		return r.Command()
	case "CreatedHuman":
		return r.CreatedHuman()
	case "Status":
		return r.Status
	case "Ports":
		return r.Ports()
	case "Names":
		return r.Names()
	case "Pod":
		return r.Pod()
	case "PodName":
		return r.PodName
	case "Size":
		return r.Size()
	}
	return ""
}

// psJSON prints podman's `ps --format json`: ListContainer with Created as
// Unix seconds (the outer field wins over the embedded one and, as in
// podman, is printed last).
func psJSON(w io.Writer, list []psContainer) error {
	type jsonCtr struct {
		psContainer
		Created int64
	}
	out := make([]jsonCtr, 0, len(list))
	for _, c := range list {
		out = append(out, jsonCtr{c, c.Created.Unix()})
	}
	return format.JSON(w, out, "  ")
}
