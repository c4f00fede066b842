package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// versionPrefix is podman's optional /v{version} in front of every path.
var versionPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/v[0-9][0-9A-Za-z.-]*(/.*)$`) })

// route is one endpoint: a method and a path pattern where {name} is one
// path segment and {name...} one or more (image names hold slashes).
type route struct {
	method  string
	re      *regexp.Regexp
	names   []string
	handler http.HandlerFunc
}

type router struct{ routes []route }

type paramsKey struct{}

// connKey holds the request's connection in its context.
type connKey struct{}

var paramRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`) })

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	var names []string
	var expr strings.Builder
	last := 0
	for _, m := range paramRe().FindAllStringSubmatchIndex(pattern, -1) {
		expr.WriteString(regexp.QuoteMeta(pattern[last:m[0]]))
		names = append(names, pattern[m[2]:m[3]])
		if m[4] >= 0 {
			expr.WriteString(`(.+)`)
		} else {
			expr.WriteString(`([^/]+)`)
		}
		last = m[1]
	}
	expr.WriteString(regexp.QuoteMeta(pattern[last:]))
	rt.routes = append(rt.routes, route{method: method, re: regexp.MustCompile("^" + expr.String() + "$"), names: names, handler: h})
}

// both registers a path under the Docker-compatible tree and, with the
// libpod handler, under /libpod.
func (rt *router) both(method, pattern string, compat, libpod http.HandlerFunc) {
	rt.handle(method, pattern, compat)
	rt.handle(method, "/libpod"+pattern, libpod)
}

// lookup finds the handler of a request path (the version prefix already
// removed); allowed reports whether the path exists with other methods.
func (rt *router) lookup(method, path string) (h http.HandlerFunc, params map[string]string, pathExists bool) {
	for _, r := range rt.routes {
		m := r.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		if r.method != method && !(r.method == http.MethodGet && method == http.MethodHead) {
			pathExists = true
			continue
		}
		params = map[string]string{}
		for i, n := range r.names {
			params[n] = m[i+1]
		}
		return r.handler, params, true
	}
	return nil, nil, pathExists
}

// param is a path parameter of the request's route.
func param(r *http.Request, name string) string {
	p, _ := r.Context().Value(paramsKey{}).(map[string]string)
	return p[name]
}

// ServeHTTP adds podman's headers, logs the request and dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	if s.opts.AccessLog != nil {
		defer accessLog(s.opts.AccessLog, r, rec)
	}
	// X-Reference-Id correlates a client's request with the log lines;
	// podman names the connection when the client gives none.
	rid := r.Header.Get("X-Reference-Id")
	if rid == "" {
		rid = fmt.Sprintf("%p", r.Context().Value(connKey{}))
	}
	rec.Header().Set("X-Reference-Id", rid)
	path := r.URL.Path
	if m := versionPrefix().FindStringSubmatch(path); m != nil {
		path = m[1]
	}
	h, params, exists := s.routes.lookup(r.Method, path)
	if h == nil {
		status := http.StatusNotFound
		if exists {
			status = http.StatusMethodNotAllowed
		}
		// podman answers unknown paths with the bare status text, not
		// its JSON error body.
		slog.Info(fmt.Sprintf("Failed Request: (%d:%s) for %s:'%s'", status, http.StatusText(status), r.Method, r.URL.String()))
		http.Error(rec, http.StatusText(status), status)
		return
	}
	_ = r.ParseForm()
	hdr := rec.Header()
	hdr.Set("Api-Version", CompatAPIVersion)
	hdr.Set("Libpod-Api-Version", LibpodAPIVersion)
	hdr.Set("Server", "Libpod/"+LibpodAPIVersion+" (linux)")
	if s.opts.CORS != "" {
		hdr.Set("Access-Control-Allow-Origin", s.opts.CORS)
		hdr.Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth, Connection, Upgrade, X-Registry-Config")
		hdr.Set("Access-Control-Allow-Methods", "HEAD, GET, POST, DELETE, PUT, OPTIONS")
	}
	h(rec, r.WithContext(context.WithValue(r.Context(), paramsKey{}, params)))
}
