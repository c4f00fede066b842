package image

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestTree(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	base, child := baseAndChild(t, s)
	chain := layerChain(t, s, child)
	if len(chain) != 3 || chain[0] != base.TopLayer {
		t.Fatalf("layers of child: %v (base top %s)", chain, base.TopLayer)
	}
	out, err := s.Tree(ctx, "child", false)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	wantPrefix := []string{
		"Image ID: " + child.ID[:12],
		"Tags:     [localhost/child:latest]",
		"Size:     ",
		"Image Layers",
		"├── ID: " + chain[0][:12] + " Size: ",
		"├── ID: " + chain[1][:12] + " Size: ",
		"└── ID: " + chain[2][:12] + " Size: ",
		"",
	}
	if len(lines) != len(wantPrefix) {
		t.Fatalf("tree:\n%s", out)
	}
	for i, p := range wantPrefix {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
	if !strings.HasSuffix(lines[4], "Top Layer of: [localhost/base:latest]") || strings.Contains(lines[5], "Top Layer") ||
		!strings.HasSuffix(lines[6], "Top Layer of: [localhost/child:latest]") {
		t.Errorf("layer marks:\n%s", out)
	}
	// Sizes are right-aligned in seven columns, as podman's %7v.
	if !strings.Contains(lines[5], "Size: "+fmt.Sprintf("%7s", strings.Fields(lines[5])[4])) {
		t.Errorf("size not padded: %q", lines[5])
	}

	// A second child of the base layer makes --whatrequires branch.
	other := buildLayeredImage(t, s, "other", "amd64", "", []testLayer{
		{"ADD", busyboxTar(t)},
		{"RUN", buildTar(t, []tarEntry{{name: "other", typ: '0', body: []byte("o"), mode: 0o644}})},
	})
	oc := layerChain(t, s, other)
	out, err = s.Tree(ctx, "base", true)
	if err != nil {
		t.Fatal(err)
	}
	// Check the structure line by line, sizes aside.
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")[4:]
	exp := []struct{ prefix, id, suffix string }{
		{"├── ", chain[0], "Top Layer of: [localhost/base:latest]"},
		{"├── ", chain[1], ""},
		{"│   └── ", chain[2], "Top Layer of: [localhost/child:latest]"},
		{"└── ", oc[1], "Top Layer of: [localhost/other:latest]"},
	}
	if len(got) != len(exp) {
		t.Fatalf("whatrequires tree:\n%s", out)
	}
	for i, e := range exp {
		if !strings.HasPrefix(got[i], e.prefix+"ID: "+e.id[:12]) || !strings.HasSuffix(got[i], e.suffix) {
			t.Errorf("line %q, want %q ID %s ... %q\n%s", got[i], e.prefix, e.id[:12], e.suffix, out)
		}
	}
	if _, err := s.Tree(ctx, "nosuch", false); err == nil {
		t.Error("tree of a missing image")
	}
}
