package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/logs"
)

type logsOpts struct {
	follow, timestamps, names, latest bool
	since, until                      string
	tail                              int
	// color gives each container's lines a colour of logColors, by its
	// place in the list from colorBase (pod logs counts the infra).
	color     bool
	colorBase int
}

func newLogsCommand(g *Globals) *cobra.Command {
	o := &logsOpts{}
	cmd := &cobra.Command{
		Use:   "logs [options] CONTAINER [CONTAINER...]",
		Short: "Fetch the logs of one or more containers",
		Long:  "Retrieves logs for one or more containers.\n\n  This does not guarantee execution order when combined with pier run (i.e., your run may not have generated any logs at the time you execute pier logs).",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.latest && len(args) > 0 {
				return errors.New("--latest and containers cannot be used together")
			}
			if !o.latest && len(args) == 0 {
				return errors.New("specify at least one container name or ID to log")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.color, "color", false, "Output the containers with different colors in the log.")
	f.BoolVarP(&o.follow, "follow", "f", false, "Follow log output.  The default is false")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVarP(&o.names, "names", "n", false, "Output the container name in the log")
	f.StringVar(&o.since, "since", "", "Show logs since TIMESTAMP")
	f.StringVar(&o.until, "until", "", "Show logs until TIMESTAMP")
	f.IntVar(&o.tail, "tail", -1, "Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Output the timestamps in the log")
	return cmd
}

func runLogs(ctx context.Context, g *Globals, o *logsOpts, args []string) error {
	opts, err := o.engineOptions()
	if err != nil {
		return err
	}
	rt, ts, err := openTargets(ctx, g, args, false, o.latest, nil, false)
	if err != nil {
		return err
	}
	return printLogs(ctx, g, rt, o, opts, ts)
}

// engineOptions checks the flags and turns them into the engine's options.
func (o *logsOpts) engineOptions() (engine.LogOptions, error) {
	opts := engine.LogOptions{Follow: o.follow, Tail: o.tail, Timestamps: o.timestamps}
	if o.tail < 0 {
		opts.Tail = -1
	}
	var err error
	now := time.Now()
	if o.since != "" {
		if opts.Since, err = parseInputTime(o.since, now); err != nil {
			return opts, fmt.Errorf("parsing time %q: %w", o.since, err)
		}
	}
	if o.until != "" {
		if opts.Until, err = parseInputTime(o.until, now); err != nil {
			return opts, fmt.Errorf("parsing time %q: %w", o.until, err)
		}
	}
	return opts, nil
}

// printLogs prints the logs of ts, each line prefixed with its container
// (short ID, or name with --names) when there are several.
func printLogs(ctx context.Context, g *Globals, rt *engine.Runtime, o *logsOpts, opts engine.LogOptions, ts []target) error {
	var mu sync.Mutex // lines of followed containers interleave whole
	var wg sync.WaitGroup
	errs := make([]error, len(ts))
	for i, t := range ts {
		p := &logPrinter{stdout: g.Stdout, stderr: g.Stderr, mu: &mu, timestamps: o.timestamps}
		if o.color {
			p.color = logColors[(o.colorBase+i)%len(logColors)]
		}
		if len(ts) > 1 {
			p.prefix = t.ctr.Config.ID[:12] + " "
			if o.names {
				p.prefix = t.ctr.Config.Name + " "
			}
		}
		read := func() {
			err := rt.Logs(ctx, t.ctr.Config.ID, opts, p.line)
			if err != nil && ctx.Err() == nil {
				errs[i] = err
			}
		}
		if o.follow && len(ts) > 1 {
			wg.Add(1)
			go func() { defer wg.Done(); read() }()
			continue
		}
		read()
	}
	wg.Wait()
	var out []error
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return outputErrors(g.Stderr, out)
}

// logTimeFormat is podman's `logs -t` format: RFC 3339 with all nine
// fraction digits kept, so the column has a fixed width.
const logTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// logPrinter prints log lines as podman does: stderr lines go to stderr,
// each line may carry the container (for several containers) and its
// timestamp, and a last line without newline is printed without one.
type logPrinter struct {
	stdout, stderr io.Writer
	mu             *sync.Mutex
	prefix         string
	timestamps     bool
	color          string // an ANSI colour for the whole line, or ""
}

// logColors are podman's colours for --color, in the order it hands them
// out.
var logColors = []string{"\x1b[37m", "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[32m"}

func (p *logPrinter) line(l logs.Line) error {
	var b strings.Builder
	b.WriteString(p.color)
	b.WriteString(p.prefix)
	if p.timestamps {
		b.WriteString(l.Time.Format(logTimeFormat))
		b.WriteByte(' ')
	}
	b.WriteString(l.Text)
	if p.color != "" {
		b.WriteString("\x1b[0m")
	}
	if !l.Partial {
		b.WriteByte('\n')
	}
	w := p.stdout
	if l.Stream == logs.Stderr {
		w = p.stderr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing logs: %w", err)
	}
	return nil
}

// parseInputTime accepts what podman's --since/--until accept: RFC 3339
// and shorter date forms (local time when no zone is given), Unix
// seconds with optional fraction, or a Go duration meaning "that long ago".
func parseInputTime(s string, now time.Time) (time.Time, error) {
	layouts := []string{
		time.RFC3339Nano, time.RFC3339,
		"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05",
		"2006-01-02T15:04", "2006-01-02Z07:00", "2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	if secs, frac, ok := unixParts(s); ok {
		return time.Unix(secs, frac), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid timestamp or duration: %w", errdefs.ErrInvalidArgument)
}

func unixParts(s string) (secs, nanos int64, ok bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if hasFrac {
		if len(frac) == 0 || len(frac) > 9 {
			return 0, 0, false
		}
		n, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		nanos = n
	}
	return secs, nanos, true
}
