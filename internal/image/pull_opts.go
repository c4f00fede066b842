package image

import (
	"io"
	"time"

	encconfig "github.com/containers/ocicrypt/config"
)

// PullOptions tune Pull and PullAllTags.
type PullOptions struct {
	RegistryOptions
	// Policy: "" is PullAlways, the default of `pull`; run and create
	// pass PullMissing.
	Policy PullPolicy
	// Progress receives podman's report ("Trying to pull ...", "Copying
	// blob ...", per-layer bars when it is a terminal); nil or Quiet
	// means silent.
	Progress io.Writer
	Quiet    bool
	// Retry is how many times a pull failing on the network is retried
	// (nil: 3, podman's default); RetryDelay is the fixed pause between
	// attempts (0: exponential from 1s, as podman).
	Retry      *uint
	RetryDelay time.Duration
	// Prompt, when set, lets the user pick among the candidates of an
	// ambiguous short name (short-name-mode "enforcing" on a terminal);
	// the CLI sets it only when stdin and stdout are terminals. nil
	// makes enforcing mode fail as podman does without a TTY.
	Prompt func(candidates []string) (string, error)
	// DecryptConfig holds the keys for encrypted layers (--decryption-key,
	// see ParseDecryptionKeys); nil pulls them as they are.
	DecryptConfig *encconfig.DecryptConfig
}

func (o PullOptions) report() io.Writer {
	if o.Quiet || o.Progress == nil {
		return nil
	}
	return o.Progress
}
