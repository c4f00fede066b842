package engine

import (
	"context"
	"errors"
	"time"

	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/image"
)

// DiskUsage is `system df`'s data.
type DiskUsage struct {
	Images []image.ImageDiskUsage
	// ImagesSize counts every layer once, plus the images' metadata.
	ImagesSize int64
	Containers []ContainerDiskUsage
	Volumes    []VolumeDiskUsage
}

// ContainerDiskUsage is one container of `system df -v`.
type ContainerDiskUsage struct {
	ID, ImageID, Name, Status string
	Command                   []string
	LocalVolumes              int
	RWSize                    int64
	Created                   time.Time
}

// VolumeDiskUsage is one volume of `system df -v`.
type VolumeDiskUsage struct {
	Name              string
	Links             int
	Size, Reclaimable int64
}

// DiskUsage reports the space images, containers and volumes take. As
// podman, a container whose storage does not exist (yet) is left out.
func (r *Runtime) DiskUsage(ctx context.Context) (*DiskUsage, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	users, err := r.imageUsers(ctx)
	if err != nil {
		return nil, err
	}
	du := &DiskUsage{Containers: []ContainerDiskUsage{}, Volumes: []VolumeDiskUsage{}}
	if du.Images, du.ImagesSize, err = images.DiskUsage(ctx, users); err != nil {
		return nil, err
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		size, err := images.ContainerRWSize(c.Config.ID)
		if errors.Is(err, storage.ErrContainerUnknown) {
			continue
		}
		if err != nil {
			return nil, err
		}
		du.Containers = append(du.Containers, ContainerDiskUsage{
			ID: c.Config.ID, ImageID: c.Config.ImageID, Name: c.Config.Name, Status: c.State.Status.String(),
			Command: c.Config.Cmd, LocalVolumes: len(c.Config.Mounts), RWSize: size, Created: c.Config.Created,
		})
	}
	if du.Volumes, err = r.volumeDiskUsage(ctx); err != nil {
		return nil, err
	}
	return du, nil
}
