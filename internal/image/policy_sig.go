//go:build !pierslim

package image

import (
	"fmt"

	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// signaturePolicy loads the policy that guards copies from registries and
// foreign archives: sys.SignaturePolicyPath (--signature-policy), else
// $CONTAINERS_POLICY_JSON, ~/.config/containers/policy.json,
// /etc/containers/policy.json. A missing file is an error, as in podman
// 5: falling back to "accept anything" would silently drop a protection
// the administrator may think is in place. containers/image evaluates
// insecureAcceptAnything, reject, signedBy (OpenPGP keys, through the
// built-in openpgp implementation) and sigstoreSigned.
func signaturePolicy(sys *types.SystemContext) (*signature.PolicyContext, error) {
	p, err := signature.DefaultPolicy(sys)
	if err != nil {
		return nil, fmt.Errorf("reading signature policy: %w", err)
	}
	pc, err := signature.NewPolicyContext(p)
	if err != nil {
		return nil, fmt.Errorf("creating signature policy: %w", err)
	}
	return pc, nil
}
