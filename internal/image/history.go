package image

import (
	"context"
	"time"
)

// HistoryEntry is one line of `image history`, newest first.
type HistoryEntry struct {
	// ID is the image that ends on this entry's layer, or "<missing>"
	// when no local image does (layers of a pulled image's ancestors).
	ID        string
	Created   time.Time
	CreatedBy string
	Size      int64 // uncompressed size of the entry's layer; 0 for empty layers
	Comment   string
	Tags      []string // names of the images ending on the layer
}

// MissingID marks a history entry no local image corresponds to.
const MissingID = "<missing>"

// History walks the configuration's history from the newest entry down
// while stepping through the image's layers (empty-layer entries stay on
// the same layer), naming each entry by the first image whose top layer it
// is, as libimage does: so `history` of a built image shows the IDs of the
// intermediate images, each ID at most once.
func (s *Store) History(ctx context.Context, ref string) ([]HistoryEntry, error) {
	img, err := s.Lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	lt, err := s.layerTree()
	if err != nil {
		return nil, err
	}
	layer := lt[img.TopLayer]
	hist := img.Config.History
	used := map[string]bool{}
	out := make([]HistoryEntry, 0, len(hist))
	for x := len(hist) - 1; x >= 0; x-- {
		h := hist[x]
		e := HistoryEntry{ID: MissingID, CreatedBy: h.CreatedBy, Comment: h.Comment}
		if h.Created != nil {
			e.Created = *h.Created
		}
		if x == len(hist)-1 {
			e.ID = img.ID
		}
		if layer != nil {
			if !h.EmptyLayer {
				e.Size = layer.layer.UncompressedSize
			}
			if len(layer.images) > 0 {
				if id := layer.images[0].ID; !used[id] {
					e.ID, used[id] = id, true
				}
				for _, i := range layer.images {
					e.Tags = append(e.Tags, i.Names...)
				}
			}
			if !h.EmptyLayer {
				layer = layer.parent
			}
		}
		out = append(out, e)
	}
	return out, nil
}
