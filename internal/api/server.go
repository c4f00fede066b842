// Package api is pier's REST API service (`pier system service`): the
// Docker-compatible paths and podman's /libpod ones, each handler calling
// the engine directly. It serves a subset of podman 5's API; see
// docs/status.md for which endpoints exist.
package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/pier-engine/pier/internal/engine"
)

// API versions pier answers with. pier follows podman 5.8's libpod API and
// the Docker API podman 5.8 speaks, so clients that check these versions
// (podman's bindings refuse a libpod API older than 4.0) accept it.
const (
	CompatAPIVersion    = "1.44"
	CompatMinAPIVersion = "1.24"
	LibpodAPIVersion    = "5.8.2"
	LibpodMinAPIVersion = "4.0.0"
)

// Options are the service's settings (`system service` flags).
type Options struct {
	// URI is what the listener was made from, for the log line.
	URI string
	// Timeout is how long the service waits without a connection before
	// it exits; 0 serves until it is stopped.
	Timeout time.Duration
	// CORS is the Access-Control-Allow-Origin value; empty sends no CORS
	// headers.
	CORS string
	// TLS serving certificate and key, and a CA bundle that client
	// certificates must be signed by.
	TLSCert, TLSKey, TLSClientCA string
	// AccessLog receives one Apache combined log line per request (podman
	// writes them at log level info and below); nil writes none.
	AccessLog io.Writer
}

// Server serves the API for one engine on one listener.
type Server struct {
	rt     *engine.Runtime
	opts   Options
	ln     net.Listener
	srv    *http.Server
	idle   *idleTracker
	routes *router
	// waiting are attach clients of created containers, handed the
	// session of the start that follows (containers_attach.go).
	waiting attachWaiters
	exits   exitRecords
	execs   execSessions
	sizes   resizers
}

// New prepares a server; Serve runs it.
func New(rt *engine.Runtime, ln net.Listener, opts Options) (*Server, error) {
	slog.Info(fmt.Sprintf("API service listening on %q. URI: %q", ln.Addr().String(), opts.URI))
	if opts.CORS == "" {
		slog.Debug("CORS Headers were not set")
	} else {
		slog.Debug(fmt.Sprintf("CORS Headers were set to %q", opts.CORS))
	}
	s := &Server{rt: rt, opts: opts, ln: ln, idle: newIdleTracker(opts.Timeout)}
	s.routes = s.newRouter()
	s.srv = &http.Server{
		Handler:   s,
		ConnState: s.idle.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		// podman closes keep-alive connections after twice the idle
		// time, so an idle client cannot keep the service up forever.
		IdleTimeout: 2 * opts.Timeout,
		ErrorLog:    log.New(os.Stderr, "", 0),
	}
	if opts.TLSClientCA != "" {
		pool, err := readCertPool(opts.TLSClientCA)
		if err != nil {
			return nil, err
		}
		s.srv.TLSConfig = &tls.Config{ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	}
	return s, nil
}

func readCertPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading client CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// Serve answers requests until ctx is cancelled (a signal: the service
// stops at once, letting running requests finish) or no client has been
// connected for the idle timeout.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.opts.TLSCert != "" && s.opts.TLSKey != "" {
			err = s.srv.ServeTLS(s.ln, s.opts.TLSCert, s.opts.TLSKey)
		} else {
			err = s.srv.Serve(s.ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			err = fmt.Errorf("failed to start API service: %w", err)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		slog.Debug("API service forced shutdown, ignoring timeout Duration")
	case <-s.idle.done():
		slog.Debug(fmt.Sprintf("API service(s) shutting down, idle for %ds", int(s.opts.Timeout.Seconds())))
	}
	s.shutdown()
	return <-errc
}

// shutdown lets requests in flight finish for up to the idle window (one
// second when there is none), as podman's.
func (s *Server) shutdown() {
	slog.Debug(fmt.Sprintf("API service shutdown, %d/%d connection(s)", s.idle.active(), s.idle.total()))
	deadline := time.Second
	if s.opts.Timeout > 0 {
		deadline = s.opts.Timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		slog.Error("Failed to cleanly shutdown API service: " + err.Error())
	}
}
