package api

import (
	"net/http"
	"time"

	"github.com/moby/moby/api/types/volume"

	"github.com/pier-engine/pier/internal/engine"
)

// libpodListVolumes is `pier volume ls --format json`.
func (s *Server) libpodListVolumes(w http.ResponseWriter, r *http.Request) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	vols, err := s.rt.VolumeList(r.Context(), filters)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, vols)
}

// libpodInspectVolume is `pier volume inspect`'s object.
func (s *Server) libpodInspectVolume(w http.ResponseWriter, r *http.Request) {
	v, err := s.rt.VolumeInspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// compatListVolumes is Docker's {"Volumes": [...], "Warnings": []}.
func (s *Server) compatListVolumes(w http.ResponseWriter, r *http.Request) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	vols, err := s.rt.VolumeList(r.Context(), filters)
	if err != nil {
		writeError(w, err)
		return
	}
	out := volume.ListResponse{Volumes: []volume.Volume{}, Warnings: []string{}}
	for _, v := range vols {
		out.Volumes = append(out.Volumes, compatVolume(v))
	}
	writeJSON(w, http.StatusOK, out)
}

// compatInspectVolume is Docker's volume object.
func (s *Server) compatInspectVolume(w http.ResponseWriter, r *http.Request) {
	v, err := s.rt.VolumeInspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, compatVolume(v))
}

func compatVolume(v *engine.VolumeReport) volume.Volume {
	return volume.Volume{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, Labels: v.Labels,
		Scope: v.Scope, Options: v.Options, CreatedAt: v.CreatedAt.Format(time.RFC3339),
	}
}
