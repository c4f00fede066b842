package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/define"
)

// The default tables print their cells without the template; they must
// print what the template prints from psReporter itself.
func TestPsColumnsMatchTheReporter(t *testing.T) {
	cs := psFixture()
	now := cs[0].Config.Created.Add(3 * time.Hour)
	list := psRows(cs, cs, map[string]string{"p1": "pod-one"}, now)
	list[2].Size = &psSize{RootFsSize: 12345678, RwSize: 4096}
	list[1].Command = []string{"sh", "-c", "a\tb"}
	for _, list := range [][]psContainer{list, nil} {
		for _, o := range []psOpts{{}, {noTrunc: true}, {pod: true}, {size: true, pod: true}, {noHeading: true}} {
			var fast, slow bytes.Buffer
			if err := psTable(&fast, &o, false, list, now); err != nil {
				t.Fatal(err)
			}
			rows := make([]any, 0, len(list))
			for _, c := range list {
				rows = append(rows, psReporter{c, o.noTrunc, now})
			}
			if err := psTemplate(&slow, &o, false, rows); err != nil {
				t.Fatal(err)
			}
			if fast.String() != slow.String() {
				t.Errorf("ps %+v:\nprecomputed:\n%s\nreporter:\n%s", o, fast.String(), slow.String())
			}
		}
	}
}

// -q without a sort prints the IDs straight from the listing.
func TestPsQuietIDs(t *testing.T) {
	cs := []*define.Container{{Config: define.ContainerConfig{ID: strings.Repeat("a", 64)}}, {Config: define.ContainerConfig{ID: "short"}}}
	var b bytes.Buffer
	if err := psQuiet(&b, cs, false); err != nil {
		t.Fatal(err)
	}
	if want := "aaaaaaaaaaaa\nshort\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := psQuiet(&b, cs, true); err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("a", 64) + "\nshort\n"; b.String() != want {
		t.Errorf("--no-trunc: got %q, want %q", b.String(), want)
	}
}
