package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/image"

	"github.com/pier-engine/pier/internal/define"
	pimage "github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/report"
)

// images lists what a request asks for ("all", "filters"); on an error it
// has answered.
func (s *Server) images(w http.ResponseWriter, r *http.Request) ([]*pimage.Image, bool) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return nil, false
	}
	imgs, err := s.rt.ListImages(r.Context(), pimage.ListOptions{All: boolQuery(r, "all"), Filters: filterFlags(filters)})
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	return imgs, true
}

// libpodListImages is podman's ImageSummary list (`images --format json`
// with RepoTags and Created as Unix seconds).
func (s *Server) libpodListImages(w http.ResponseWriter, r *http.Request) {
	imgs, ok := s.images(w, r)
	if !ok {
		return
	}
	type libpodImage struct {
		report.ImageSummary
		Created int64
	}
	out := make([]libpodImage, 0, len(imgs))
	for _, img := range imgs {
		sum := report.SummarizeImage(img)
		out = append(out, libpodImage{sum, sum.Created})
	}
	writeJSON(w, http.StatusOK, out)
}

// compatListImages is Docker's image list.
func (s *Server) compatListImages(w http.ResponseWriter, r *http.Request) {
	imgs, ok := s.images(w, r)
	if !ok {
		return
	}
	out := make([]image.Summary, 0, len(imgs))
	for _, img := range imgs {
		sum := report.SummarizeImage(img)
		labels := sum.Labels
		if labels == nil {
			labels = map[string]string{}
		}
		tags := img.RepoTags()
		if tags == nil {
			tags = []string{}
		}
		out = append(out, image.Summary{
			ID: "sha256:" + img.ID, RepoTags: tags, RepoDigests: sum.RepoDigests,
			Created: sum.Created, Size: sum.Size, Labels: labels, Containers: int64(sum.Containers),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// inspectImage is `pier image inspect`'s object on both trees.
func (s *Server) inspectImage(w http.ResponseWriter, r *http.Request) {
	st, err := s.rt.Images(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := st.Inspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// jsonLines turns the pull's progress text into one JSON object per line,
// {key: line}, as podman streams it.
type jsonLines struct {
	w   http.ResponseWriter
	key string
}

func (j jsonLines) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line == "" {
			continue
		}
		if err := json.NewEncoder(j.w).Encode(map[string]string{j.key: line}); err != nil {
			return 0, err
		}
	}
	if f, ok := j.w.(http.Flusher); ok {
		f.Flush()
	}
	return len(p), nil
}

// pull streams progress then the result; an error after the stream has
// begun can only be reported in it, as podman and Docker do.
func (s *Server) pull(w http.ResponseWriter, r *http.Request, ref, progressKey string, policy pimage.PullPolicy) (*pimage.Image, bool) {
	st, err := s.rt.Images(r.Context())
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	opts := pimage.PullOptions{Policy: policy, Progress: jsonLines{w, progressKey}, Quiet: boolQuery(r, "quiet")}
	opts.Username, opts.Password = r.Form.Get("username"), r.Form.Get("password")
	if tls := r.Form.Get("tlsVerify"); tls != "" {
		v := boolQuery(r, "tlsVerify")
		opts.TLSVerify = &v
	}
	img, err := st.Pull(r.Context(), ref, opts)
	if err != nil {
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return nil, false
	}
	return img, true
}

// compatPull is POST /images/create?fromImage=NAME&tag=TAG.
func (s *Server) compatPull(w http.ResponseWriter, r *http.Request) {
	ref := r.Form.Get("fromImage")
	if ref == "" {
		badRequest(w, "fromImage is required (import with fromSrc is not supported)")
		return
	}
	if tag := r.Form.Get("tag"); tag != "" {
		sep := ":"
		if strings.HasPrefix(tag, "sha256:") {
			sep = "@"
		}
		ref += sep + tag
	}
	if img, ok := s.pull(w, r, ref, "status", pimage.PullAlways); ok {
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "Download complete", "id": img.ID})
	}
}

// libpodPull is POST /libpod/images/pull?reference=REF[&policy=P].
func (s *Server) libpodPull(w http.ResponseWriter, r *http.Request) {
	ref := r.Form.Get("reference")
	if ref == "" {
		badRequest(w, "reference parameter cannot be empty")
		return
	}
	policy := pimage.PullAlways
	if p := r.Form.Get("policy"); p != "" {
		var err error
		if policy, err = pimage.ParsePullPolicy(p); err != nil {
			badRequest(w, "%w", err)
			return
		}
	}
	if img, ok := s.pull(w, r, ref, "stream", policy); ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"images": []string{img.ID}, "id": img.ID})
	}
}

func (s *Server) removeImage(w http.ResponseWriter, r *http.Request) (untagged, deleted []string, ok bool) {
	untagged, deleted, err := s.rt.RemoveImages(r.Context(), []string{param(r, "name")}, pimage.RemoveOptions{Force: boolQuery(r, "force")})
	if err != nil {
		writeError(w, err)
		return nil, nil, false
	}
	return untagged, deleted, true
}

// compatRemoveImage answers Docker's [{"Untagged": ...}, {"Deleted": ...}].
func (s *Server) compatRemoveImage(w http.ResponseWriter, r *http.Request) {
	untagged, deleted, ok := s.removeImage(w, r)
	if !ok {
		return
	}
	out := []image.DeleteResponse{}
	for _, u := range untagged {
		out = append(out, image.DeleteResponse{Untagged: u})
	}
	for _, d := range deleted {
		out = append(out, image.DeleteResponse{Deleted: d})
	}
	writeJSON(w, http.StatusOK, out)
}

// libpodRemoveImage answers podman's ImageRemoveReport.
func (s *Server) libpodRemoveImage(w http.ResponseWriter, r *http.Request) {
	untagged, deleted, ok := s.removeImage(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"Deleted": orEmpty(deleted), "Untagged": orEmpty(untagged), "ExitCode": 0})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// imageExists is libpod's 204 or 404.
func (s *Server) imageExists(w http.ResponseWriter, r *http.Request) {
	st, err := s.rt.Images(r.Context())
	if err == nil {
		_, err = st.Lookup(r.Context(), param(r, "name"))
	}
	noContent(w, err)
}

// libpodBatchRemoveImages is DELETE /libpod/images/remove?images=...,
// which podman's client uses for rmi: errors are reported in the body
// with rmi's exit code (1: all missing, 2: in use, 125: other).
func (s *Server) libpodBatchRemoveImages(w http.ResponseWriter, r *http.Request) {
	force := boolQuery(r, "force")
	opts := pimage.RemoveOptions{Force: force, All: boolQuery(r, "all"), Ignore: boolQuery(r, "ignore") || force, NoPrune: boolQuery(r, "noprune")}
	untagged, deleted, err := s.rt.RemoveImages(r.Context(), r.Form["images"], opts)
	errs := []string{}
	code := 0
	if err != nil {
		code = rmiExitCode(err)
		for _, e := range unjoin(err) {
			errs = append(errs, e.Error())
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"Deleted": orEmpty(deleted), "Untagged": orEmpty(untagged), "ExitCode": code, "Errors": errs})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func rmiExitCode(err error) int {
	errs := unjoin(err)
	missing := 0
	for _, e := range errs {
		if errors.Is(e, define.ErrImageInUse) {
			return 2
		}
		if errors.Is(e, define.ErrNoSuchImage) {
			missing++
		}
	}
	if missing == len(errs) {
		return 1
	}
	return 125
}
