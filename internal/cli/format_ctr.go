package cli

// Output helpers of the container and system commands that
// internal/cli/format does not offer (yet); candidates to fold into it.

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/docker/go-units"

	"github.com/pier-engine/pier/internal/cli/format"
)

var jsonFormatRE = regexp.MustCompile(`^\s*(json|{{\s*json\s*(\.)?\s*}})\s*$`)

// isJSONFormat reports whether --format asks for JSON output as podman's
// report.IsJSON does: "json" or "{{json .}}".
func isJSONFormat(f string) bool { return jsonFormatRE.MatchString(f) }

// execSingle runs a user template once over one value (podman's
// OriginUnknown: no range is added). Literal "\t" and "\n" become real
// characters, the output is aligned by podman's tabwriter and ends with a
// newline.
func execSingle(w io.Writer, f string, v any) error {
	body := strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(f)
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	t, err := template.New("format").Funcs(format.Funcs()).Parse(body)
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	tw := format.NewTabWriter(w)
	if err := t.Execute(tw, v); err != nil {
		return fmt.Errorf("executing template: %w", err)
	}
	return tw.Flush()
}

// humanDuration is docker's and podman's rendering of an age
// ("Less than a second", "2 seconds", "About a minute", "3 hours").
func humanDuration(d time.Duration) string { return units.HumanDuration(d) }

// humanSizeCompact is ps's size rendering ("1.23kB", no space), podman's
// units.HumanSizeWithPrecision(n, 3).
func humanSizeCompact(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
