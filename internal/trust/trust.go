// Package trust reads and edits the signature policy (policy.json) as
// `podman image trust show/set` do, and describes it with the lookaside
// stores of registries.d. containers/image evaluates the policy; this
// package only presents and changes the file. It never prints.
package trust

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Policy is one line of `trust show`: podman's JSON keys.
type Policy struct {
	Transport      string   `json:"transport"`
	Name           string   `json:"name,omitempty"`
	RepoName       string   `json:"repo_name,omitempty"`
	Keys           []string `json:"keys,omitempty"`
	SignatureStore string   `json:"sigstore,omitempty"`
	Type           string   `json:"type"`
	GPGId          string   `json:"gpg_id,omitempty"`
}

// requirement is one policy requirement, all kinds merged.
type requirement struct {
	Type           string          `json:"type"`
	KeyType        string          `json:"keyType,omitempty"`
	KeyPath        string          `json:"keyPath,omitempty"`
	KeyPaths       []string        `json:"keyPaths,omitempty"`
	KeyData        string          `json:"keyData,omitempty"`
	SignedIdentity json.RawMessage `json:"signedIdentity,omitempty"`
}

type policyFile struct {
	Default    []requirement                       `json:"default"`
	Transports map[string]map[string][]requirement `json:"transports,omitempty"`
}

// DefaultPolicyPath is the policy file in use: $CONTAINERS_POLICY_JSON,
// else the user's ~/.config/containers/policy.json if it exists, else
// /etc/containers/policy.json.
func DefaultPolicyPath() string {
	if p := os.Getenv("CONTAINERS_POLICY_JSON"); p != "" {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".config/containers/policy.json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/etc/containers/policy.json"
}

// DefaultRegistriesDir is registries.d: the user's if it exists, else
// /etc/containers/registries.d.
func DefaultRegistriesDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".config/containers/registries.d")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/etc/containers/registries.d"
}

var typeDescription = map[string]string{"insecureAcceptAnything": "accept", "signedBy": "signed", "sigstoreSigned": "sigstoreSigned", "reject": "reject"}

// Describe lists the policy's requirements as `podman image trust show`:
// the default first, then each transport's scopes in name order ("docker"
// shown as "repository"), with their signature stores from registriesDir.
func Describe(policyPath, registriesDir string) ([]*Policy, error) {
	raw, err := os.ReadFile(policyPath)
	if err != nil {
		return nil, err // podman's text: the file is read before it is parsed
	}
	var pf policyFile
	if err := json.Unmarshal(raw, &pf); err != nil {
		return nil, fmt.Errorf("could not read trust policies: could not parse trust policies from %s: %w", policyPath, err)
	}
	stores, err := loadLookaside(registriesDir)
	if err != nil {
		return nil, fmt.Errorf("could not show trust policies: %w", err)
	}
	var out []*Policy
	if len(pf.Default) > 0 {
		out = append(out, describe(pf.Default, Policy{Transport: "all", Name: "* (default)", RepoName: "default"}, stores.forScope(""))...)
	}
	for _, transport := range slices.Sorted(maps.Keys(pf.Transports)) {
		scopes := pf.Transports[transport]
		shown := transport
		if shown == "docker" {
			shown = "repository"
		}
		for _, scope := range slices.Sorted(maps.Keys(scopes)) {
			out = append(out, describe(scopes[scope], Policy{Transport: shown, Name: scope, RepoName: scope}, stores.forScope(scope))...)
		}
	}
	return out, nil
}

func describe(reqs []requirement, template Policy, store string) []*Policy {
	out := []*Policy{}
	for _, r := range reqs {
		e := template
		e.Type = typeDescription[r.Type]
		switch r.Type {
		case "signedBy":
			var ids []string
			for _, p := range append([]string{r.KeyPath}, r.KeyPaths...) {
				if p != "" {
					ids = append(ids, gpgIDs(p)...)
				}
			}
			if r.KeyData != "" {
				ids = append(ids, gpgIDsOfData(r.KeyData)...)
			}
			e.GPGId = strings.Join(ids, ", ")
		case "sigstoreSigned":
			e.GPGId = "N/A"
		}
		e.SignatureStore = store
		out = append(out, &e)
	}
	return out
}

// SetInput is what `trust set` changes: the requirement of one scope.
type SetInput struct {
	Scope       string // "default" or a registry/repository scope
	Type        string // accept (insecureAcceptAnything), reject, signedBy, sigstoreSigned
	PubKeyFiles []string
}

// Set replaces the requirements of a scope in the policy file (created if
// missing) as `podman image trust set`: a scope already present under some
// transport is changed there, a new one goes under "docker". Other
// transports' content is kept byte for byte.
func Set(policyPath string, in SetInput) error {
	reqs, err := requirementsFor(in)
	if err != nil {
		return err
	}
	newReqs, err := json.Marshal(reqs)
	if err != nil {
		return err
	}
	var pf struct {
		Default    json.RawMessage                       `json:"default"`
		Transports map[string]map[string]json.RawMessage `json:"transports,omitempty"`
	}
	if raw, err := os.ReadFile(policyPath); err == nil {
		if err := json.Unmarshal(raw, &pf); err != nil {
			return errors.New("could not read trust policies")
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if in.Scope == "default" {
		pf.Default = newReqs
	} else {
		if len(pf.Default) == 0 {
			return errors.New("default trust policy must be set")
		}
		placed := false
		for _, scopes := range pf.Transports {
			if _, ok := scopes[in.Scope]; ok {
				scopes[in.Scope] = newReqs
				placed = true
				break
			}
		}
		if !placed {
			if pf.Transports == nil {
				pf.Transports = map[string]map[string]json.RawMessage{}
			}
			if pf.Transports["docker"] == nil {
				pf.Transports["docker"] = map[string]json.RawMessage{}
			}
			pf.Transports["docker"][in.Scope] = newReqs
		}
	}
	data, err := json.MarshalIndent(pf, "", "    ")
	if err != nil {
		return fmt.Errorf("setting trust policy: %w", err)
	}
	return os.WriteFile(policyPath, data, 0o644)
}

func requirementsFor(in SetInput) ([]requirement, error) {
	t := in.Type
	if t == "accept" {
		t = "insecureAcceptAnything"
	}
	var reqs []requirement
	switch t {
	case "insecureAcceptAnything", "reject":
		if len(in.PubKeyFiles) != 0 {
			return nil, fmt.Errorf("%d public keys unexpectedly provided for trust type %v", len(in.PubKeyFiles), in.Type)
		}
		reqs = append(reqs, requirement{Type: t})
	case "signedBy", "sigstoreSigned":
		if len(in.PubKeyFiles) == 0 {
			return nil, fmt.Errorf("at least one public key must be defined for type '%s'", in.Type)
		}
		for _, p := range in.PubKeyFiles {
			r := requirement{Type: t, KeyPath: p}
			if t == "signedBy" {
				r.KeyType = "GPGKeys"
			}
			reqs = append(reqs, r)
		}
	default:
		return nil, fmt.Errorf("unknown trust type %q", in.Type)
	}
	return reqs, nil
}

// gpgIDs are the user IDs (e-mail when present) of the keys in a keyring
// file, read by gpg as podman does; without gpg they are unknown.
func gpgIDs(path string) []string {
	var out []byte
	var err error
	for _, bin := range []string{"gpg2", "gpg"} {
		if out, err = exec.Command(bin, "--with-colons", path).Output(); err == nil {
			break
		}
	}
	if err != nil {
		return nil
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "uid:") && !strings.HasPrefix(line, "pub:") {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) < 10 || fields[9] == "" {
			continue
		}
		uid := fields[9]
		if _, rest, ok := strings.Cut(uid, "<"); ok {
			if mail, _, ok := strings.Cut(rest, ">"); ok {
				uid = mail
			}
		}
		ids = append(ids, uid)
	}
	return ids
}

func gpgIDsOfData(b64 string) []string {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil
	}
	f, err := os.CreateTemp("", "pier-key-")
	if err != nil {
		return nil
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err != nil || cerr != nil {
		return nil
	}
	return gpgIDs(f.Name())
}

// lookaside is registries.d merged: signature stores per scope.
type lookaside struct {
	def    string
	scopes map[string]string
}

type registriesD struct {
	DefaultDocker *namespace           `yaml:"default-docker"`
	Docker        map[string]namespace `yaml:"docker"`
}

type namespace struct {
	Lookaside string `yaml:"lookaside"`
	SigStore  string `yaml:"sigstore"`
}

func (n namespace) store() string {
	if n.Lookaside != "" {
		return n.Lookaside
	}
	return n.SigStore
}

func loadLookaside(dir string) (*lookaside, error) {
	l := &lookaside{scopes: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	haveDefault := false
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var c registriesD
		if err := yaml.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", p, err)
		}
		if c.DefaultDocker != nil {
			if haveDefault {
				return nil, fmt.Errorf(`error parsing signature storage configuration: "default-docker" defined twice (again in "%s")`, p)
			}
			haveDefault, l.def = true, c.DefaultDocker.store()
		}
		for name, ns := range c.Docker {
			if _, dup := l.scopes[name]; dup {
				return nil, fmt.Errorf(`error parsing signature storage configuration: "docker" namespace "%s" defined twice (again in "%s")`, name, p)
			}
			l.scopes[name] = ns.store()
		}
	}
	return l, nil
}

// forScope is the store of the longest configured prefix of scope (by
// path components), else the default.
func (l *lookaside) forScope(scope string) string {
	for s := scope; s != ""; {
		if v, ok := l.scopes[s]; ok {
			return v
		}
		i := strings.LastIndex(s, "/")
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return l.def
}
