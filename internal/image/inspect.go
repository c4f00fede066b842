package image

import (
	"context"
	"fmt"
	"time"

	digest "github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

// InspectData is `podman image inspect`'s JSON shape, field for field.
type InspectData struct {
	ID           string                        `json:"Id"`
	Digest       digest.Digest                 `json:"Digest"`
	RepoTags     []string                      `json:"RepoTags"`
	RepoDigests  []string                      `json:"RepoDigests"`
	Parent       string                        `json:"Parent"`
	Comment      string                        `json:"Comment"`
	Created      *time.Time                    `json:"Created"`
	Config       *ociv1.ImageConfig            `json:"Config"`
	Version      string                        `json:"Version"`
	Author       string                        `json:"Author"`
	Architecture string                        `json:"Architecture"`
	Os           string                        `json:"Os"`
	Size         int64                         `json:"Size"`
	VirtualSize  int64                         `json:"VirtualSize"`
	GraphDriver  *DriverData                   `json:"GraphDriver"`
	RootFS       *RootFS                       `json:"RootFS"`
	Labels       map[string]string             `json:"Labels"`
	Annotations  map[string]string             `json:"Annotations"`
	ManifestType string                        `json:"ManifestType"`
	User         string                        `json:"User"`
	History      []ociv1.History               `json:"History"`
	NamesHistory []string                      `json:"NamesHistory"`
	HealthCheck  *manifest.Schema2HealthConfig `json:"Healthcheck,omitempty"`
}

// DriverData names the graph driver and its paths for the image's top layer.
type DriverData struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// RootFS lists the image's layer diff IDs.
type RootFS struct {
	Type   string          `json:"Type"`
	Layers []digest.Digest `json:"Layers"`
}

// Inspect returns podman's inspect view of the image ref resolves to.
func (s *Store) Inspect(ctx context.Context, ref string) (*InspectData, error) {
	img, err := s.Lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.InspectImage(img)
}

// InspectImage builds the inspect view of an image already looked up.
func (s *Store) InspectImage(img *Image) (*InspectData, error) {
	c := img.Config
	d := &InspectData{
		ID:           img.ID,
		Digest:       digest.Digest(img.Digest),
		RepoTags:     nonNil(img.RepoTags()),
		RepoDigests:  nonNil(img.RepoDigests()),
		Comment:      img.Comment,
		Created:      c.Created,
		Config:       &c.Config,
		Version:      img.DockerVersion,
		Author:       c.Author,
		Architecture: c.Architecture,
		Os:           c.OS,
		Size:         img.Size,
		VirtualSize:  img.Size,
		RootFS:       &RootFS{Type: c.RootFS.Type, Layers: nonNil(c.RootFS.DiffIDs)},
		Labels:       c.Config.Labels,
		Annotations:  img.Annotations,
		ManifestType: img.ManifestType,
		User:         c.Config.User,
		History:      nonNil(c.History),
		NamesHistory: nonNil(img.NamesHistory),
		HealthCheck:  img.Healthcheck,
	}
	if d.Created == nil {
		t := img.Created
		d.Created = &t
	}
	// Podman takes the comment from the first history entry when the
	// config has none of its own (OCI configs have no comment field).
	if d.Comment == "" && len(c.History) > 0 {
		d.Comment = c.History[0].Comment
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	gd, err := s.driverData(img.TopLayer)
	if err != nil {
		return nil, err
	}
	d.GraphDriver = gd
	return d, nil
}

func (s *Store) driverData(layer string) (*DriverData, error) {
	drv, err := s.store.GraphDriver()
	if err != nil {
		return nil, fmt.Errorf("getting graph driver: %w", err)
	}
	dd := &DriverData{Name: drv.String(), Data: map[string]string{}}
	if layer == "" {
		return dd, nil
	}
	meta, err := drv.Metadata(layer)
	if err != nil {
		return nil, fmt.Errorf("reading driver data of layer %s: %w", layer, err)
	}
	dd.Data = meta
	return dd, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
