package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

type statsFlags struct {
	all, latest, noReset, noStream, noTrunc bool
	format                                  string
	interval                                int
}

func newStatsCommand(g *Globals) *cobra.Command {
	var o statsFlags
	cmd := &cobra.Command{
		Use:   "stats [options] [CONTAINER...]",
		Short: "Display a live stream of container resource usage statistics",
		Long:  "Display percentage of CPU, memory, network I/O, block I/O and PIDs for one or more containers.",
		Args: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, set := range []bool{o.all, o.latest, len(args) > 0} {
				if set {
					n++
				}
			}
			if n > 1 {
				return errors.New("--all, --latest and containers cannot be used together")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			req := engine.StatsOptions{All: o.all, Stream: !o.noStream, Interval: time.Duration(o.interval) * time.Second}
			for _, a := range args {
				req.Containers = append(req.Containers, strings.TrimPrefix(a, "/"))
			}
			if o.latest {
				ts, err := latestTarget(ctx, rt)
				if err != nil {
					return err
				}
				req.Containers = []string{ts[0].ctr.Config.ID}
			}
			clear := !o.noReset && format.IsTerminal(g.Stdout)
			return rt.Stats(ctx, req, func(round []*define.ContainerStats) error {
				if clear {
					io.WriteString(g.Stdout, "\033[2J\033[1;1H") // podman's screen reset
				}
				return writeStats(g.Stdout, &o, cmd.Flags().Changed("format"), round)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all containers. Only running containers are shown by default. The default is false")
	f.StringVar(&o.format, "format", "", "Pretty-print container statistics to JSON or using a Go template")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Do not truncate output")
	f.BoolVar(&o.noReset, "no-reset", false, "Disable resetting the screen between intervals")
	f.BoolVar(&o.noStream, "no-stream", false, "Disable streaming stats and only pull the first result, default setting is false")
	f.IntVarP(&o.interval, "interval", "i", 5, "Time in seconds between stats reports")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

const statsDefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}"

var statsHeaders = format.Headers(define.ContainerStats{}, map[string]string{
	"ID": "ID", "UpTime": "CPU TIME", "CPUPerc": "CPU %", "AVGCPU": "AVG CPU %",
	"MemUsage": "MEM USAGE / LIMIT", "MemUsageBytes": "MEM USAGE / LIMIT", "MemPerc": "MEM %",
	"NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDS": "PIDS",
})

func writeStats(w io.Writer, o *statsFlags, userFormat bool, round []*define.ContainerStats) error {
	rows := make([]statsRow, 0, len(round))
	for _, s := range round {
		rows = append(rows, statsRow{ContainerStats: *s, noTrunc: o.noTrunc})
	}
	if strings.TrimSpace(o.format) == "json" {
		out := make([]statsJSON, 0, len(rows))
		for _, r := range rows {
			out = append(out, statsJSON{r.ID(), r.Name, r.Up(), r.CPUPerc(), r.AVGCPU(), r.MemUsage(), r.MemPerc(), r.NetIO(), r.BlockIO(), r.PIDS()})
		}
		return format.JSON(w, out, " ")
	}
	f := statsDefaultFormat
	if userFormat {
		f = o.format
	}
	anys := make([]any, len(rows))
	for i := range rows {
		anys[i] = &rows[i]
	}
	return format.Template(w, f, statsHeaders, anys, false)
}

// statsJSON is podman's `stats --format json` element.
type statsJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CPUTime    string `json:"cpu_time"`
	CPUPercent string `json:"cpu_percent"`
	AverageCPU string `json:"avg_cpu"`
	MemUsage   string `json:"mem_usage"`
	MemPerc    string `json:"mem_percent"`
	NetIO      string `json:"net_io"`
	BlockIO    string `json:"block_io"`
	PIDs       string `json:"pids"`
}

// statsRow is what templates see: the sample's fields and podman's
// formatted columns (MemUsage and MemPerc are the formatted ones).
type statsRow struct {
	define.ContainerStats
	noTrunc bool
}

func (s *statsRow) ID() string {
	if s.noTrunc || len(s.ContainerID) < 12 {
		return s.ContainerID
	}
	return s.ContainerID[:12]
}
func (s *statsRow) CPUPerc() string { return percent(s.CPU) }
func (s *statsRow) AVGCPU() string  { return percent(s.AvgCPU) }
func (s *statsRow) Up() string      { return s.UpTime.String() }
func (s *statsRow) MemPerc() string { return percent(s.ContainerStats.MemPerc) }
func (s *statsRow) PIDS() string    { return strconv.FormatUint(s.PIDs, 10) }
func (s *statsRow) MemUsage() string {
	return humanPair(s.ContainerStats.MemUsage, s.MemLimit)
}
func (s *statsRow) MemUsageBytes() string {
	return units.BytesSize(float64(s.ContainerStats.MemUsage)) + " / " + units.BytesSize(float64(s.MemLimit))
}
func (s *statsRow) BlockIO() string { return humanPair(s.BlockInput, s.BlockOutput) }
func (s *statsRow) NetIO() string {
	var in, out uint64
	for _, n := range s.Network {
		in, out = in+n.RxBytes, out+n.TxBytes
	}
	return humanPair(in, out)
}

func percent(f float64) string { return fmt.Sprintf("%.2f", f) + "%" }

func humanPair(a, b uint64) string {
	return units.HumanSize(float64(a)) + " / " + units.HumanSize(float64(b))
}
