package image

import (
	"context"
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	"go.podman.io/storage"
)

// layerNode is one layer of the store with the images whose top layer it
// is, as libimage's layer tree: history and tree walk it to name layers
// by the images that end on them.
type layerNode struct {
	layer    *storage.Layer
	images   []*Image // in storage order; the first one names the layer
	parent   *layerNode
	children []*layerNode
}

// layerTree indexes every layer of the store by ID.
type layerTree map[string]*layerNode

// layerTree reads all layers and images once; both walks need the whole
// store (children of a layer, images sharing a top layer).
func (s *Store) layerTree() (layerTree, error) {
	layers, err := s.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	tree := make(layerTree, len(layers))
	for i := range layers {
		tree[layers[i].ID] = &layerNode{layer: &layers[i]}
	}
	for _, n := range tree {
		if p := tree[n.layer.Parent]; p != nil {
			n.parent = p
		}
	}
	// Children in storage order, so the output is stable between runs.
	for i := range layers {
		n := tree[layers[i].ID]
		if n.parent != nil {
			n.parent.children = append(n.parent.children, n)
		}
	}
	simgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	for i := range simgs {
		n := tree[simgs[i].TopLayer]
		if n == nil {
			continue // manifest lists and other layerless images
		}
		n.images = append(n.images, &Image{ID: simgs[i].ID, Names: simgs[i].Names})
	}
	return tree, nil
}

// repoTags are the tagged names of the images ending on the layer, each
// once, in order.
func (n *layerNode) repoTags() []string {
	var out []string
	seen := map[string]bool{}
	for _, img := range n.images {
		for _, t := range img.RepoTags() {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// Tree renders podman's `image tree`: a header, then the image's layers
// from the base up, each marked with the images it is the top layer of.
// With whatRequires it renders instead the layers built on the image's top
// layer (the images that require it). The text is produced here, not in
// the CLI, because its shape is the result (as libimage's Image.Tree).
func (s *Store) Tree(ctx context.Context, ref string, whatRequires bool) (string, error) {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return "", err
	}
	size, err := s.store.ImageSize(simg.ID)
	if err != nil {
		return "", fmt.Errorf("computing size of image %s: %w", simg.ID, err)
	}
	img := &Image{ID: simg.ID, Names: simg.Names}
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "Image ID: %s\n", simg.ID[:12])
	fmt.Fprintf(&hdr, "Tags:     %s\n", nonNil(img.RepoTags()))
	fmt.Fprintf(&hdr, "Size:     %v\n", units.HumanSizeWithPrecision(float64(size), 4))
	if simg.TopLayer != "" {
		hdr.WriteString("Image Layers")
	} else {
		hdr.WriteString("No Image Layers")
	}
	lt, err := s.layerTree()
	if err != nil {
		return "", err
	}
	root := &textTree{text: hdr.String()}
	top := lt[simg.TopLayer]
	if whatRequires {
		addChildren(top, root)
		return root.String(), nil
	}
	var chain []*layerNode
	for n := top; n != nil; n = n.parent {
		chain = append(chain, n)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		root.add(layerLine(chain[i]))
	}
	return root.String(), nil
}

func layerLine(n *layerNode) string {
	tags := ""
	if rt := n.repoTags(); len(rt) > 0 {
		tags = fmt.Sprintf(" Top Layer of: %s", rt)
	}
	return fmt.Sprintf("ID: %s Size: %7v%s", n.layer.ID[:12], units.HumanSizeWithPrecision(float64(n.layer.UncompressedSize), 4), tags)
}

// addChildren walks down from n as podman's --whatrequires: a chain stays
// flat, and every layer with siblings opens a branch of its own.
func addChildren(n *layerNode, parent *textTree) {
	if n == nil {
		return
	}
	next := parent
	if n.parent == nil || len(n.parent.children) <= 1 {
		parent.add(layerLine(n))
	} else {
		next = &textTree{text: layerLine(n)}
		parent.items = append(parent.items, next)
	}
	for _, c := range n.children {
		addChildren(c, next)
	}
}

// textTree prints as the gotree package podman uses: "├── " and "└── "
// before items, "│   " or four spaces to indent their children and the
// continuation lines of multi-line items.
type textTree struct {
	text  string
	items []*textTree
}

func (t *textTree) add(text string) { t.items = append(t.items, &textTree{text: text}) }

func (t *textTree) String() string {
	var b strings.Builder
	b.WriteString(t.text + "\n")
	printItems(&b, t.items, "")
	return b.String()
}

func printItems(b *strings.Builder, items []*textTree, prefix string) {
	for i, it := range items {
		last := i == len(items)-1
		indicator, cont := "├── ", "│   "
		if last {
			indicator, cont = "└── ", "    "
		}
		for j, line := range strings.Split(it.text, "\n") {
			if j == 0 {
				b.WriteString(prefix + indicator + line + "\n")
			} else {
				b.WriteString(prefix + cont + line + "\n")
			}
		}
		printItems(b, it.items, prefix+cont)
	}
}
