package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/pier-engine/pier/internal/errdefs"
)

// recorder keeps the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	size   int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.size += n
	return n, err
}

// Hijack lets attach take the connection over.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be taken over")
	}
	r.status = http.StatusSwitchingProtocols
	return hj.Hijack()
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// accessLog writes podman's Apache combined log line for a request.
func accessLog(w io.Writer, r *http.Request, rec *recorder) {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		host = "@"
	}
	fmt.Fprintf(w, "%s - - [%s] \"%s %s %s\" %d %d %q %q\n", host,
		time.Now().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto,
		rec.status, rec.size, r.Referer(), r.UserAgent())
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Info("Failed to encode API response: " + err.Error())
	}
}

// errorBody is podman's error response.
type errorBody struct {
	Cause    string `json:"cause"`
	Message  string `json:"message"`
	Response int    `json:"response"`
}

// writeError answers with err's class's HTTP status (errdefs' table) and
// podman's error body: the innermost error as the cause.
func writeError(w http.ResponseWriter, err error) {
	writeErrorStatus(w, errdefs.HTTPStatus(err), err)
}

func writeErrorStatus(w http.ResponseWriter, status int, err error) {
	cause := err
	for u := errors.Unwrap(cause); u != nil; u = errors.Unwrap(cause) {
		cause = u
	}
	slog.Info(fmt.Sprintf("Request Failed(%s): %s", http.StatusText(status), err.Error()))
	writeJSON(w, status, errorBody{Cause: cause.Error(), Message: err.Error(), Response: status})
}

// badRequest is a 400 for a malformed request.
func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeErrorStatus(w, http.StatusBadRequest, fmt.Errorf(format, args...))
}

// serveList answers a list endpoint: list called with the request's
// filters, its result shaped by answer (the libpod trees send it as is,
// Docker's convert it).
func serveList[T any](w http.ResponseWriter, r *http.Request, list func(context.Context, map[string][]string) (T, error), answer func(T) any) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	v, err := list(r.Context(), filters)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, answer(v))
}

// serveInspect answers an inspect endpoint for the object named in the
// path, shaped by answer.
func serveInspect[T any](w http.ResponseWriter, r *http.Request, inspect func(context.Context, string) (T, error), answer func(T) any) {
	v, err := inspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, answer(v))
}

// asIs is the answer of the libpod trees: the engine's report itself.
func asIs[T any](v T) any { return v }
