package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

func podStatsCmd(g *Globals) *cobra.Command {
	var all, latest, noStream, noReset bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "stats [options] [POD...]",
		Short: "Display a live stream of resource usage statistics for the containers in one or more pods",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			all = all || (len(args) == 0 && !latest)
			rt, pods, err := podArgs(cmd, g, args, all, latest)
			if err != nil {
				return err
			}
			req := engine.StatsOptions{Stream: !noStream, Interval: 5 * time.Second}
			podOf := map[string]string{}
			for _, p := range pods {
				members, err := rt.PodContainers(ctx, p)
				if err != nil {
					return fmt.Errorf("unable to get list of pods: %w", err)
				}
				for _, c := range members {
					if c.State.Status == define.StatusRunning {
						req.Containers = append(req.Containers, c.Config.ID)
						podOf[c.Config.ID] = c.Config.Pod
					}
				}
			}
			if len(req.Containers) == 0 {
				return nil
			}
			clear := !noReset && format.IsTerminal(g.Stdout)
			return rt.Stats(ctx, req, func(round []*define.ContainerStats) error {
				if clear {
					io.WriteString(g.Stdout, "\033[2J\033[1;1H") // podman's screen reset
				}
				return writePodStats(g.Stdout, tmpl, round, podOf)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Provide stats for all pods")
	f.StringVar(&tmpl, "format", "", "Pretty-print container statistics to JSON or using a Go template")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	f.BoolVar(&noReset, "no-reset", false, "Disable resetting the screen when streaming")
	f.BoolVar(&noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	return cmd
}

// podStatsRow is one `pod stats` line, podman's PodStatsReport.
type podStatsRow struct {
	CPU           string `json:"CPU"`
	MemUsage      string `json:"MemUsage"`
	MemUsageBytes string `json:"MemUsageBytes"`
	Mem           string `json:"Mem"`
	NetIO         string `json:"NetIO"`
	BlockIO       string `json:"BlockIO"`
	PIDS          string `json:"PIDS"`
	Pod           string `json:"Pod"`
	CID           string `json:"CID"`
	Name          string `json:"Name"`
}

const podStatsFormat = "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}"

var podStatsHeaders = map[string]string{
	"Pod": "POD", "CID": "CID", "Name": "NAME", "CPU": "CPU %", "MemUsage": "MEM USAGE/ LIMIT",
	"MemUsageBytes": "MEM USAGE/ LIMIT", "Mem": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDS": "PIDS",
}

func writePodStats(w io.Writer, tmpl string, round []*define.ContainerStats, podOf map[string]string) error {
	rows := make([]podStatsRow, 0, len(round))
	for _, s := range round {
		r := statsRow{ContainerStats: *s}
		rows = append(rows, podStatsRow{
			CPU: r.CPUPerc(), MemUsage: r.MemUsage(), MemUsageBytes: r.MemUsageBytes(), Mem: r.MemPerc(),
			NetIO: r.NetIO(), BlockIO: r.BlockIO(), PIDS: r.PIDS(),
			Pod: short(podOf[s.ContainerID], false), CID: r.ID(), Name: s.Name,
		})
	}
	if format.IsJSON(tmpl) {
		return format.JSON(w, rows, "     ")
	}
	if tmpl == "" || strings.TrimSpace(tmpl) == "table" {
		tmpl = podStatsFormat
	}
	if !format.IsTable(tmpl) {
		// podman's pod stats heads even a plain template's rows.
		if err := format.Template(w, tmpl, nil, []any{podStatsHeaders}, true); err != nil {
			return err
		}
	}
	anys := make([]any, len(rows))
	for i := range rows {
		anys[i] = rows[i]
	}
	return format.Template(w, tmpl, podStatsHeaders, anys, false)
}
