package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/events"
)

// eventsFlags are `events`' options.
type eventsFlags struct {
	req     engine.EventsRequest
	format  string
	noTrunc bool
}

func newEventsCommand(g *Globals) *cobra.Command {
	var o eventsFlags
	cmd := &cobra.Command{
		Use:   "events [options]",
		Short: "Show pier system events",
		Long: "Monitor pier system events.\n\n  By default, streaming mode is used, printing new events as they occur.  " +
			"Previous events can be listed via --since and --until.",
		Args: cobra.NoArgs,
		Example: `pier events
  pier events --filter event=create
  pier events --format {{.Image}}
  pier events --since 1h30s`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvents(cmd, g, &o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.req.Filters, "filter", "f", []string{}, "filter output")
	f.StringVar(&o.format, "format", "", "format the output using a Go template")
	f.BoolVar(&o.req.Stream, "stream", true, "stream events and do not exit when returning the last known event")
	f.StringVar(&o.req.Since, "since", "", "show all events created since timestamp")
	f.BoolVar(&o.noTrunc, "no-trunc", true, "do not truncate the output")
	f.StringVar(&o.req.Until, "until", "", "show all events until timestamp")
	completeFormat(cmd, &eventReport{})
	return cmd
}

func runEvents(cmd *cobra.Command, g *Globals, o *eventsFlags) error {
	print, err := eventPrinter(g.Stdout, o.format, cmd.Flags().Changed("format"), !o.noTrunc)
	if err != nil {
		return err
	}
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return err
	}
	// SIGINT and SIGTERM end a stream cleanly (exit 0), as podman's.
	ctx, stop := signalContext()
	defer stop()
	return rt.Events(ctx, o.req, print)
}

// eventPrinter writes one event per line: podman's human-readable line,
// its JSON (--format json) or a user template over eventReport.
func eventPrinter(w io.Writer, f string, changed, truncate bool) (func(*events.Event) error, error) {
	if changed && format.IsJSON(f) {
		return func(e *events.Event) error {
			b, err := json.Marshal(newEventReport(e))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(w, string(b))
			return err
		}, nil
	}
	if changed {
		tmpl, err := format.Compile("events", f)
		if err != nil {
			return nil, err
		}
		return templatePrinter(w, tmpl), nil
	}
	return func(e *events.Event) error {
		_, err := fmt.Fprintln(w, e.ToHumanReadable(truncate))
		return err
	}, nil
}

func templatePrinter(w io.Writer, tmpl *template.Template) func(*events.Event) error {
	return func(e *events.Event) error {
		return tmpl.Execute(w, newEventReport(e))
	}
}

// eventReport is podman's `events` output object: the record with its
// time as Unix seconds and nanoseconds (docker's shape).
type eventReport struct {
	ContainerExitCode *int   `json:",omitempty"`
	ID                string `json:",omitempty"`
	Image             string `json:",omitempty"`
	Name              string `json:",omitempty"`
	Network           string `json:"network,omitempty"`
	Status            events.Status
	Time              int64 `json:"time,omitempty"`
	TimeNano          int64 `json:"timeNano,omitempty"`
	Type              events.Type
	HealthStatus      string `json:"health_status,omitempty"`
	Error             string `json:",omitempty"`

	events.Details
}

func newEventReport(e *events.Event) eventReport {
	return eventReport{
		ContainerExitCode: e.ContainerExitCode, ID: e.ID, Image: e.Image, Name: e.Name,
		Network: e.Network, Status: e.Status, Time: e.Time.Unix(), TimeNano: e.Time.UnixNano(),
		Type: e.Type, HealthStatus: e.HealthStatus, Error: e.Error, Details: e.Details,
	}
}
