package kube

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/pier-engine/pier/internal/errdefs"
)

// totalAnnotationSize is Kubernetes' limit on all annotations of an object.
const totalAnnotationSize = 256 * 1024

var (
	qualifiedName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`) })
	dnsSubdomain  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	})
)

// ValidateAnnotations checks keys as Kubernetes qualified names (case
// ignored, as podman does) and the total size, with podman's messages.
func ValidateAnnotations(a map[string]string) error {
	size := 0
	for k, v := range a {
		if err := checkQualifiedName(strings.ToLower(k)); err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
		size += len(k) + len(v)
	}
	if size > totalAnnotationSize {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "annotations size %d is larger than limit %d", size, totalAnnotationSize)
	}
	return nil
}

func checkQualifiedName(value string) error {
	const msg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	parts := strings.Split(value, "/")
	name := parts[0]
	switch len(parts) {
	case 1:
	case 2:
		prefix := parts[0]
		name = parts[1]
		if prefix == "" {
			return fmt.Errorf("prefix part of %s must be non-empty", value)
		}
		if len(prefix) > 253 {
			return fmt.Errorf("prefix part must be no more than 253 characters")
		}
		if !dnsSubdomain().MatchString(prefix) {
			return fmt.Errorf("annotations must be formatted as a valid lowercase RFC1123 subdomain of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
		}
	default:
		return fmt.Errorf("a qualified name of %s %s with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')", value, msg)
	}
	if name == "" {
		return fmt.Errorf("name part of %s must be non-empty", value)
	}
	if len(name) > 63 {
		return fmt.Errorf("name part of %s must be no more than 63 characters", value)
	}
	if !qualifiedName().MatchString(name) {
		return fmt.Errorf("name part of %s %s", value, msg)
	}
	return nil
}
