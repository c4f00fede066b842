package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/moby/moby/api/types/volume"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// libpodListVolumes is `pier volume ls --format json`.
func (s *Server) libpodListVolumes(w http.ResponseWriter, r *http.Request) {
	serveList(w, r, s.rt.VolumeList, asIs)
}

// libpodInspectVolume is `pier volume inspect`'s object.
func (s *Server) libpodInspectVolume(w http.ResponseWriter, r *http.Request) {
	serveInspect(w, r, s.rt.VolumeInspect, asIs)
}

// compatListVolumes is Docker's {"Volumes": [...], "Warnings": []}.
func (s *Server) compatListVolumes(w http.ResponseWriter, r *http.Request) {
	serveList(w, r, s.rt.VolumeList, func(vols []*engine.VolumeReport) any {
		out := volume.ListResponse{Volumes: []volume.Volume{}, Warnings: []string{}}
		for _, v := range vols {
			out.Volumes = append(out.Volumes, compatVolume(v))
		}
		return out
	})
}

// compatInspectVolume is Docker's volume object.
func (s *Server) compatInspectVolume(w http.ResponseWriter, r *http.Request) {
	serveInspect(w, r, s.rt.VolumeInspect, func(v *engine.VolumeReport) any { return compatVolume(v) })
}

func compatVolume(v *engine.VolumeReport) volume.Volume {
	return volume.Volume{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, Labels: v.Labels,
		Scope: v.Scope, Options: v.Options, CreatedAt: v.CreatedAt.Format(time.RFC3339),
	}
}

// volumeCreateBody is Docker's create body; podman's libpod one uses Label
// for the labels.
type volumeCreateBody struct {
	Name           string
	Driver         string
	DriverOpts     map[string]string
	Options        map[string]string
	Labels         map[string]string
	Label          map[string]string
	IgnoreIfExists bool
}

func (s *Server) volumeCreate(w http.ResponseWriter, r *http.Request) (*engine.VolumeReport, bool) {
	var b volumeCreateBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "decode(): %w", err)
		return nil, false
	}
	labels := b.Labels
	if labels == nil {
		labels = b.Label
	}
	opts := b.Options
	if opts == nil {
		opts = b.DriverOpts
	}
	v, err := s.rt.VolumeCreate(r.Context(), engine.VolumeCreateRequest{
		Name: b.Name, Driver: b.Driver, Labels: labels, Options: opts, Ignore: b.IgnoreIfExists,
	})
	if err == nil {
		var rep *engine.VolumeReport
		if rep, err = s.rt.VolumeInspect(r.Context(), v.Name); err == nil {
			return rep, true
		}
	}
	writeError(w, err)
	return nil, false
}

// compatCreateVolume answers Docker's volume object, libpodCreateVolume
// podman's report; both 201.
func (s *Server) compatCreateVolume(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.volumeCreate(w, r); ok {
		writeJSON(w, http.StatusCreated, compatVolume(v))
	}
}

func (s *Server) libpodCreateVolume(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.volumeCreate(w, r); ok {
		writeJSON(w, http.StatusCreated, v)
	}
}

// removeVolume: 204; 409 while a container uses it, unless force.
func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) {
	timeout, err := uintQuery(r, "timeout")
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return
	}
	noContent(w, s.rt.VolumeRemove(r.Context(), param(r, "name"), boolQuery(r, "force"), timeout))
}

// volumeExists is libpod's 204 or 404.
func (s *Server) volumeExists(w http.ResponseWriter, r *http.Request) {
	ok, err := s.rt.VolumeExists(r.Context(), param(r, "name"))
	if err == nil && !ok {
		err = fmt.Errorf("no volume with name %q found: %w", param(r, "name"), define.ErrNoSuchVolume)
	}
	noContent(w, err)
}
