//go:build !pierslim

package image

import (
	"errors"
	"fmt"
	"os"

	"go.podman.io/image/v5/signature"
	"go.podman.io/storage/pkg/configfile"
)

// localPolicy accepts anything: it is used for copies between local storage
// and files the user named (import, save), where there is no signature to
// verify.
func localPolicy() (*signature.PolicyContext, error) {
	p := &signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}}
	pc, err := signature.NewPolicyContext(p)
	if err != nil {
		return nil, fmt.Errorf("creating signature policy: %w", err)
	}
	return pc, nil
}

// systemPolicy honours policy.json (for load, and later pull) and falls
// back to accepting anything when the host has no policy file, as a
// podman-less host would otherwise be unable to load any archive.
func (s *Store) systemPolicy() (*signature.PolicyContext, error) {
	p, err := signature.DefaultPolicy(s.sys)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, configfile.ErrConfigFileNotFound) {
			return nil, fmt.Errorf("reading signature policy: %w", err)
		}
		return localPolicy()
	}
	pc, err := signature.NewPolicyContext(p)
	if err != nil {
		return nil, fmt.Errorf("creating signature policy: %w", err)
	}
	return pc, nil
}
