package report

import (
	"go.podman.io/image/v5/manifest"

	"github.com/pier-engine/pier/internal/image"
)

// ImageSummary is podman's entities.ImageSummary: the fields of `images
// --format json` in podman's order (Created is
// left to each caller: the CLI and the API print it differently).
type ImageSummary struct {
	ID             string `json:"Id"`
	ParentId       string //nolint:revive // podman's JSON key
	RepoTags       []string
	RepoDigests    []string
	Created        int64 `json:"-"`
	Size           int64
	SharedSize     int
	VirtualSize    int64 `json:",omitempty"`
	Labels         map[string]string
	Containers     int
	ReadOnly       bool     `json:",omitempty"`
	Dangling       bool     `json:",omitempty"`
	Digest         string   `json:",omitempty"`
	History        []string `json:",omitempty"`
	Names          []string `json:",omitempty"`
	IsManifestList *bool    `json:",omitempty"`
}

// SummarizeImage is img's listing row.
func SummarizeImage(img *image.Image) ImageSummary {
	s := ImageSummary{
		ID: img.ID, RepoTags: img.Names, RepoDigests: orEmpty(img.RepoDigests()),
		Created: img.Created.Unix(), Size: img.Size, VirtualSize: img.Size,
		Labels: img.Config.Config.Labels, Containers: img.Containers, ReadOnly: img.ReadOnly,
		Dangling: img.Dangling(), Digest: img.Digest, History: img.NamesHistory, Names: img.Names,
	}
	if manifest.MIMETypeIsMultiImage(img.ManifestType) {
		t := true
		s.IsManifestList = &t
	}
	return s
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
