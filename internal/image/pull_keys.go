//go:build !pierslim

package image

import (
	"fmt"

	encconfig "github.com/containers/ocicrypt/config"
	enchelpers "github.com/containers/ocicrypt/helpers"
)

// ParseDecryptionKeys turns --decryption-key values (key[:passphrase])
// into the decrypt configuration of a pull, with podman's text for a key
// that cannot be read.
func ParseDecryptionKeys(keys []string) (*encconfig.DecryptConfig, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cc, err := enchelpers.CreateCryptoConfig(nil, keys)
	if err != nil {
		return nil, fmt.Errorf("invalid decryption keys: %w", err)
	}
	return encconfig.CombineCryptoConfigs([]encconfig.CryptoConfig{cc}).DecryptConfig, nil
}
