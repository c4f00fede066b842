package specgen

import (
	"errors"
	"strings"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ApplyEnvMerge applies --env-merge entries to env, in order: each
// "KEY=word" is expanded as a Dockerfile word (podman uses the same
// expander, so $VAR, ${VAR}, ${VAR:-default} and quoting behave alike)
// against env as it stands over hidden (variables the word may use that
// env gets later: the host's, container=podman), and sets KEY; a variable
// neither has expands to nothing.
func ApplyEnvMerge(env, hidden, merges []string) ([]string, error) {
	for _, e := range merges {
		word, err := processWord(e, MergeEnv(hidden, env))
		if errors.Is(err, errdefs.ErrNeedFull) {
			return nil, err
		}
		if err != nil {
			return nil, invalidf("unable to process variables for --env-merge %s: %w", e, err)
		}
		k, v, ok := strings.Cut(word, "=")
		if !ok {
			return nil, invalidf("missing `=` for --env-merge substitution %s", e)
		}
		env = MergeEnv(env, []string{k + "=" + v})
	}
	return env, nil
}
