package image

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.podman.io/storage"
)

// CheckOptions are `system check`'s.
type CheckOptions struct {
	// Quick skips the layer digest and content comparisons.
	Quick bool
	// MaxUnreferencedAge, when set, is how old a layer nothing uses may
	// get before it counts as damage (storage's default otherwise).
	MaxUnreferencedAge *time.Duration
	// Repair removes damaged layers and images; RemoveContainers also
	// the storage containers on them.
	Repair, RemoveContainers bool
}

// CheckReport is storage's verdict: damage per layer, image and container
// ID, and what a repair removed.
type CheckReport struct {
	Layers, ROLayers, Images, ROImages, Containers map[string][]error
	// RemovedImages maps the ID of each image the repair removed to its
	// names; RemovedContainers lists the storage containers it removed.
	RemovedImages     map[string][]string
	RemovedContainers []string
}

// Damaged reports whether the check found anything.
func (r *CheckReport) Damaged() bool {
	return len(r.Layers)+len(r.ROLayers)+len(r.Images)+len(r.ROImages)+len(r.Containers) > 0
}

// Check runs containers/storage's consistency check, as podman's
// SystemCheck picks its options, and with Repair removes what is damaged.
// The repair's failures are returned joined, with the report.
func (s *Store) Check(o CheckOptions) (*CheckReport, error) {
	what := storage.CheckEverything()
	if o.Quick {
		what = &storage.CheckOptions{LayerMountable: true, LayerData: true, ImageData: true, ContainerData: true}
	}
	if o.MaxUnreferencedAge != nil {
		age := *o.MaxUnreferencedAge
		what.LayerUnreferencedMaximumAge = &age
	}
	sr, err := s.store.Check(what)
	if err != nil {
		return nil, fmt.Errorf("checking storage: %w", err)
	}
	rep := &CheckReport{Layers: sr.Layers, ROLayers: sr.ROLayers, Images: sr.Images, ROImages: sr.ROImages, Containers: sr.Containers}
	if !rep.Damaged() || !o.Repair {
		return rep, nil
	}
	imagesBefore, err := s.store.Images()
	if err != nil {
		return rep, fmt.Errorf("getting a list of images before attempting repairs: %w", err)
	}
	errs := s.store.Repair(sr, &storage.RepairOptions{RemoveContainers: o.RemoveContainers})
	imagesAfter, err := s.store.Images()
	if err != nil {
		errs = append(errs, fmt.Errorf("getting a list of images after attempting repairs: %w", err))
	}
	for _, b := range imagesBefore {
		if !slices.ContainsFunc(imagesAfter, func(a storage.Image) bool { return a.ID == b.ID }) {
			if rep.RemovedImages == nil {
				rep.RemovedImages = map[string][]string{}
			}
			rep.RemovedImages[b.ID] = slices.Clone(b.Names)
		}
	}
	if o.RemoveContainers {
		for id := range sr.Containers {
			if _, err := s.store.Container(id); errors.Is(err, storage.ErrContainerUnknown) {
				rep.RemovedContainers = append(rep.RemovedContainers, id)
			}
		}
		slices.Sort(rep.RemovedContainers)
	}
	return rep, errors.Join(errs...)
}
