package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ApplyOptions are `kube apply`'s cluster flags.
type ApplyOptions struct {
	// Kubeconfig is the kubeconfig file (--kubeconfig, $KUBECONFIG).
	Kubeconfig string
	// Namespace is --ns ("" is "default").
	Namespace string
	// CACertFile (--ca-cert-file) overrides the kubeconfig's CA; the
	// word "insecure" skips verification.
	CACertFile string
}

// kubeconfig is the part of a kubeconfig file (client-go's clientcmd v1
// format) that podman's kube apply reads: the first cluster's server and
// CA, the first user's client certificate.
type kubeconfig struct {
	Clusters []struct {
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority,omitempty"`
			CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		User struct {
			ClientCertificate     string `json:"client-certificate,omitempty"`
			ClientKey             string `json:"client-key,omitempty"`
			ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
			ClientKeyData         []byte `json:"client-key-data,omitempty"`
		} `json:"user"`
	} `json:"users"`
}

// applyPaths are the API paths kube apply creates each kind under.
var applyPaths = map[string]string{
	"Service":               "services",
	"PersistentVolumeClaim": "persistentvolumeclaims",
	"Pod":                   "pods",
}

// Apply creates the YAML's objects on the cluster the kubeconfig names,
// as podman does: one POST of each document (claims and Services first)
// to /api/v1/namespaces/NS/KIND; a status other than 200, 201 or 202 is
// an error with the server's answer.
func Apply(ctx context.Context, data []byte, opts ApplyOptions) error {
	if len(data) == 0 {
		return errdefs.New(errdefs.ErrInvalidArgument, "yaml file provided is empty, cannot apply to a cluster")
	}
	docs, err := splitDocuments(data)
	if err != nil {
		return err
	}
	kinds := make([]string, len(docs))
	var first, workloads [][]byte
	var firstKinds, workloadKinds []string
	for i, d := range docs {
		if kinds[i], err = kindOf(d); err != nil {
			return fmt.Errorf("unable to read kube YAML: %w", err)
		}
		// podman's sortKubeKinds: workloads in order, the others before
		// them (each put in front).
		switch kinds[i] {
		case "Pod", "Deployment", "DaemonSet", "Job":
			workloads, workloadKinds = append(workloads, d), append(workloadKinds, kinds[i])
		default:
			first, firstKinds = append([][]byte{d}, first...), append([]string{kinds[i]}, firstKinds...)
		}
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	kc, err := readKubeconfig(opts.Kubeconfig)
	if err != nil {
		return err
	}
	client, err := clusterClient(kc, opts.CACertFile)
	if err != nil {
		return err
	}
	docs, kinds = append(first, workloads...), append(firstKinds, workloadKinds...)
	for i, d := range docs {
		res, ok := applyPaths[kinds[i]]
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported Kubernetes kind found: %q", kinds[i])
		}
		url := kc.Clusters[0].Cluster.Server + "/api/v1/namespaces/" + ns + "/" + res
		if err := createObject(ctx, client, url, d); err != nil {
			return err
		}
	}
	return nil
}

func readKubeconfig(path string) (*kubeconfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kc := &kubeconfig{}
	if err := yaml.Unmarshal(b, kc); err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "reading kubeconfig %s: %v", path, err)
	}
	if len(kc.Clusters) == 0 || kc.Clusters[0].Cluster.Server == "" {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "kubeconfig %s names no cluster server", path)
	}
	return kc, nil
}

// clusterClient trusts the CA of --ca-cert-file, else the kubeconfig's
// (file or data), and presents the user's client certificate if any.
func clusterClient(kc *kubeconfig, caFile string) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(kc.Users) > 0 {
		u := kc.Users[0].User
		var cert tls.Certificate
		var err error
		switch {
		case u.ClientCertificate != "" && u.ClientKey != "":
			cert, err = tls.LoadX509KeyPair(u.ClientCertificate, u.ClientKey)
		case len(u.ClientCertificateData) > 0 && len(u.ClientKeyData) > 0:
			cert, err = tls.X509KeyPair(u.ClientCertificateData, u.ClientKeyData)
		}
		if err != nil {
			return nil, err
		}
		if len(cert.Certificate) > 0 {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	cluster := kc.Clusters[0].Cluster
	if strings.EqualFold(caFile, "insecure") {
		cfg.InsecureSkipVerify = true //nolint:gosec // the user asked for it
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}, nil
	}
	if caFile == "" {
		caFile = cluster.CertificateAuthority
	}
	ca := cluster.CertificateAuthorityData
	if caFile != "" {
		var err error
		if ca, err = os.ReadFile(caFile); err != nil {
			return nil, err
		}
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		cfg.RootCAs = pool
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}

func createObject(ctx context.Context, client *http.Client, url string, doc []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(doc))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return errors.New(string(body))
}
