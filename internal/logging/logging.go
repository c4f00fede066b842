// Package logging routes pier's log/slog records through logrus, the logger
// containers/image and storage already use, so that every line pier prints
// has podman's shape (time="..." level=debug msg="..." key=value) and one
// --log-level filters them all.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/sirupsen/logrus"
)

// LevelTrace is below slog's Debug, for what podman logs at trace level.
const LevelTrace = slog.Level(-8)

// Levels are the --log-level values podman accepts, in its order.
var Levels = []string{"trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"}

// ParseLevel validates a --log-level value (case-insensitive).
func ParseLevel(s string) (logrus.Level, error) {
	for _, l := range Levels {
		if l == strings.ToLower(s) {
			return logrus.ParseLevel(l)
		}
	}
	//lint:ignore ST1005 podman's exact text, checked by its system tests
	return 0, fmt.Errorf("Log Level %q is not supported, choose from: %s", s, strings.Join(Levels, ", "))
}

// Setup sends slog and logrus records at level or above to w.
func Setup(w io.Writer, level logrus.Level) {
	logrus.SetOutput(w)
	logrus.SetLevel(level)
	slog.SetDefault(slog.New(&handler{}))
}

// handler is a slog.Handler that hands each record to logrus.
type handler struct {
	attrs []slog.Attr
	group string
}

func toLogrus(l slog.Level) logrus.Level {
	switch {
	case l <= LevelTrace:
		return logrus.TraceLevel
	case l <= slog.LevelDebug:
		return logrus.DebugLevel
	case l <= slog.LevelInfo:
		return logrus.InfoLevel
	case l <= slog.LevelWarn:
		return logrus.WarnLevel
	default:
		return logrus.ErrorLevel
	}
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return logrus.IsLevelEnabled(toLogrus(l))
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	fields := logrus.Fields{}
	add := func(a slog.Attr) {
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fields[key] = a.Value.Resolve().Any()
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	logrus.WithFields(fields).WithTime(r.Time).Log(toLogrus(r.Level), r.Message)
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{attrs: append(append([]slog.Attr{}, h.attrs...), attrs...), group: h.group}
}

func (h *handler) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &handler{attrs: h.attrs, group: g}
}
