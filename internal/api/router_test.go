package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRouterParamsAndMethods(t *testing.T) {
	rt := &router{}
	var got string
	rt.handle(http.MethodGet, "/images/json", func(http.ResponseWriter, *http.Request) { got = "list" })
	rt.handle(http.MethodGet, "/images/{name...}/json", func(_ http.ResponseWriter, r *http.Request) { got = "inspect" })
	rt.handle(http.MethodPost, "/containers/{name}/start", func(http.ResponseWriter, *http.Request) { got = "start" })

	for _, tc := range []struct {
		method, path, want, param string
		exists                    bool
	}{
		{"GET", "/images/json", "list", "", true},
		{"GET", "/images/quay.io/libpod/alpine:latest/json", "inspect", "quay.io/libpod/alpine:latest", true},
		{"HEAD", "/images/json", "list", "", true},
		{"POST", "/containers/c1/start", "start", "c1", true},
		{"GET", "/containers/c1/start", "", "", true},
		{"POST", "/containers/a/b/start", "", "", false},
	} {
		h, params, exists := rt.lookup(tc.method, tc.path)
		got = ""
		if h != nil {
			h(nil, nil)
		}
		if got != tc.want || exists != tc.exists {
			t.Errorf("%s %s: handler %q exists %v, want %q %v", tc.method, tc.path, got, exists, tc.want, tc.exists)
		}
		if tc.param != "" && params["name"] != tc.param {
			t.Errorf("%s %s: name %q, want %q", tc.method, tc.path, params["name"], tc.param)
		}
	}
}

// Unknown paths get podman's bare 404 text, a known path with another
// method 405, and the version prefix is optional.
func TestServeHTTPNotFoundAndVersionPrefix(t *testing.T) {
	s := &Server{opts: Options{CORS: "*"}}
	s.routes = &router{}
	s.routes.handle(http.MethodGet, "/_ping", s.ping)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/v1.41/_ping", 200, "OK"},
		{"GET", "/_ping", 200, "OK"},
		{"GET", "/v1.41/nothing", 404, "Not Found\n"},
		{"DELETE", "/_ping", 405, "Method Not Allowed\n"},
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || w.Body.String() != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, w.Code, w.Body.String(), tc.status, tc.body)
		}
		cors := w.Header().Get("Access-Control-Allow-Origin")
		if (tc.status == 200) != (cors == "*") || (tc.status == 200 && !strings.HasPrefix(w.Header().Get("Server"), "Libpod/")) {
			t.Errorf("%s %s: CORS %q Server %q", tc.method, tc.path, cors, w.Header().Get("Server"))
		}
	}
}
