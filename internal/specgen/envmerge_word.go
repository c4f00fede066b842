//go:build !pierslim

package specgen

import "github.com/openshift/imagebuilder"

// processWord expands a Dockerfile word as podman's --env-merge does.
func processWord(word string, env []string) (string, error) {
	return imagebuilder.ProcessWord(word, env)
}
