package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pier-engine/pier/internal/systemdgen"
	"github.com/pier-engine/pier/internal/version"
)

// generateSystemd is libpod's GET /libpod/generate/{name}/systemd: the units
// `generate systemd` prints, as a JSON object by unit name. As podman's
// handler, the stop timeout is always set (containers.conf's by default)
// and the environment variables are taken as given.
func (s *Server) generateSystemd(w http.ResponseWriter, r *http.Request) {
	o := &systemdgen.Options{
		Name: boolQuery(r, "useName"), New: boolQuery(r, "new"),
		NoHeader: boolQuery(r, "noHeader"), Template: boolQuery(r, "templateUnitFile"),
		ContainerPrefix: "container", PodPrefix: "pod", Separator: "-",
		Wants: r.Form["wants"], After: r.Form["after"], Requires: r.Form["requires"],
		Env: r.Form["additionalEnvVariables"], Version: version.Version, Now: time.Now(),
	}
	for name, dst := range map[string]*string{"containerPrefix": &o.ContainerPrefix, "podPrefix": &o.PodPrefix, "separator": &o.Separator} {
		if v, ok := r.Form[name]; ok {
			*dst = v[0]
		}
	}
	if v, ok := r.Form["restartPolicy"]; ok {
		o.RestartPolicy = &v[0]
	}
	stop, start, restartSec := s.rt.Config().Engine.StopTimeout, uint(0), uint(0)
	for name, dst := range map[string]*uint{"stopTimeout": &stop, "startTimeout": &start, "restartSec": &restartSec} {
		v, err := uintQuery(r, name)
		if err != nil {
			badRequest(w, "failed to parse parameters for %s: %v", r.URL.String(), err)
			return
		}
		if v != nil {
			*dst = *v
		}
	}
	o.StopTimeout, o.StartTimeout, o.RestartSec = &stop, &start, &restartSec
	exe, err := version.Executable()
	if err != nil {
		writeErrorStatus(w, http.StatusInternalServerError, fmt.Errorf("finding pier's executable: %w", err))
		return
	}
	o.Executable = exe
	units, err := systemdgen.Generate(r.Context(), s.rt, param(r, "name"), o)
	if err != nil {
		writeErrorStatus(w, http.StatusInternalServerError, fmt.Errorf("generating systemd units: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, units)
}
