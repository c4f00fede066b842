package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestParseLevel(t *testing.T) {
	for _, l := range Levels {
		if _, err := ParseLevel(strings.ToUpper(l)); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	_, err := ParseLevel("telepathic")
	if err == nil || err.Error() != `Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic` {
		t.Errorf("bad level: %v", err)
	}
}

// slog records come out in logrus's (podman's) text shape, filtered by level.
func TestSlogThroughLogrus(t *testing.T) {
	var buf bytes.Buffer
	Setup(&buf, logrus.DebugLevel)
	defer Setup(&bytes.Buffer{}, logrus.WarnLevel)
	slog.Log(t.Context(), LevelTrace, "hidden")
	slog.Debug("shown", "container", "abc")
	slog.With("k", 1).Warn("warned")
	out := buf.String()
	if strings.Contains(out, "hidden") {
		t.Errorf("trace record at debug level: %s", out)
	}
	for _, want := range []string{`level=debug msg=shown container=abc`, `level=warning msg=warned k=1`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %s", want, out)
		}
	}
}
