//go:build !pierslim

package cli

import (
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/api"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/logging"
)

type serviceOpts struct {
	timeout                   uint
	cors                      string
	tlsCert, tlsKey, tlsCACrt string
}

// newServiceCommand is `system service`: the REST API (internal/api) on a
// unix socket, TCP or a socket systemd passed, until a signal or the idle
// timeout.
func newServiceCommand(g *Globals) *cobra.Command {
	var o serviceOpts
	cmd := &cobra.Command{
		Use:   "service [options] [URI]",
		Short: "Run API service",
		Long:  "Run an API service\n\nEnable a listening service for API access to Pier commands.",
		Example: `pier system service --time=0 unix:///tmp/pier.sock
  pier system service --time=0 tcp://localhost:8888`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runService(cmd, g, &o, args) },
	}
	f := cmd.Flags()
	f.UintVarP(&o.timeout, "time", "t", 5, "Time until the service session expires in seconds.  Use 0 to disable the timeout")
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "timeout" { // podman's alias
			name = "time"
		}
		return pflag.NormalizedName(name)
	})
	f.StringVar(&o.cors, "cors", "", "Set CORS Headers")
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM file containing TLS serving certificate.")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM file containing TLS serving certificate private key")
	f.StringVar(&o.tlsCACrt, "tls-client-ca", "", "Only trust client connections with certificates signed by this CA PEM file")
	return cmd
}

func runService(cmd *cobra.Command, g *Globals, o *serviceOpts, args []string) error {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		if o.tlsCert != "" {
			return errdefs.New(errdefs.ErrInvalidArgument, "--tls-cert provided without --tls-key")
		}
		return errdefs.New(errdefs.ErrInvalidArgument, "--tls-key provided without --tls-cert")
	}
	uri := api.DefaultURI()
	if len(args) > 0 {
		uri = args[0]
		u, err := url.Parse(uri)
		if err != nil {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "%s is an invalid socket destination: %v", uri, err)
		}
		if u.Scheme != "unix" && u.Scheme != "tcp" {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "API Service endpoint scheme %q is not supported. Try tcp://%s or unix:/%s", u.Scheme, uri, uri)
		}
	}
	ctx := cmd.Context()
	rt, err := g.Engine(ctx)
	if err != nil {
		return err
	}
	ln, uri, err := api.Listen(uri, o.tlsCert != "")
	if err != nil {
		return err
	}
	defer ln.Close()
	srv, err := api.New(rt, ln, api.Options{
		URI: uri, Timeout: time.Duration(o.timeout) * time.Second, CORS: o.cors,
		TLSCert: o.tlsCert, TLSKey: o.tlsKey, TLSClientCA: o.tlsCACrt,
		AccessLog: accessLog(g),
	})
	if err != nil {
		return fmt.Errorf("starting the API service: %w", err)
	}
	return srv.Serve(ctx)
}

// accessLog is where the service's per-request lines go: stderr at log
// level info and below, as podman.
func accessLog(g *Globals) io.Writer {
	if lvl, err := logging.ParseLevel(g.LogLevel); err == nil && lvl >= logrus.InfoLevel {
		return g.Stderr
	}
	return nil
}
