package api

import (
	"fmt"
	"net/http"

	buildahdefine "go.podman.io/buildah/define"
)

// ping answers GET and HEAD with podman's headers, by which clients tell
// which engine and API they talk to; the same for both trees.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("BuildKit-Version", "")
	h.Set("Builder-Version", "1")
	h.Set("Docker-Experimental", "true")
	h.Set("Cache-Control", "no-cache")
	h.Set("OSType", "linux")
	h.Set("Pragma", "no-cache")
	h.Set("Libpod-Buildah-Version", buildahdefine.Version)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		fmt.Fprint(w, "OK")
	}
}
