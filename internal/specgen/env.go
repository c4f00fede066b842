package specgen

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strings"
)

// ParseEnv returns the environment given by --env-file files (read in
// order) and then -e values, later keys winning, with podman's rules:
// "KEY=VAL" sets; a bare "KEY" copies pier's own variable and is dropped
// when pier has none; "KEY*" copies every variable of pier's whose name
// starts with KEY. In env files, blank lines and lines starting with "#"
// are skipped and values are taken literally (no quote removal), as in
// podman and docker.
func ParseEnv(flags, files []string) ([]string, error) {
	var env []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, invalidf("reading env file: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimLeft(strings.TrimSuffix(sc.Text(), "\r"), " \t")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			kvs, err := parseEnvEntry(line)
			if err != nil {
				return nil, invalidf("env file %s line %d: %w", f, n, err)
			}
			env = MergeEnv(env, kvs)
		}
		if err := sc.Err(); err != nil {
			return nil, invalidf("reading env file %s: %w", f, err)
		}
	}
	for _, e := range flags {
		kvs, err := parseEnvEntry(e)
		if err != nil {
			return nil, err
		}
		env = MergeEnv(env, kvs)
	}
	return env, nil
}

// parseEnvEntry expands one -e value or env file line to KEY=VAL entries.
func parseEnvEntry(s string) ([]string, error) {
	name, val, hasVal := strings.Cut(s, "=")
	name = strings.TrimLeft(name, " \t")
	if name == "" {
		return nil, invalidf("invalid environment variable: %q", s)
	}
	if strings.ContainsAny(name, " \t\n") {
		return nil, invalidf("name %q has white spaces, poorly formatted name", name)
	}
	if hasVal {
		return []string{name + "=" + val}, nil
	}
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		var out []string
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, prefix) {
				out = append(out, kv)
			}
		}
		return out, nil
	}
	if v, ok := os.LookupEnv(name); ok {
		return []string{name + "=" + v}, nil
	}
	return nil, nil
}

// MergeEnv returns base with override applied: a key already in base keeps
// its position and takes the new value, new keys are appended in order,
// and within either list the last value of a key wins.
func MergeEnv(base, override []string) []string {
	out := make([]string, 0, len(base)+len(override))
	index := make(map[string]int, len(base)+len(override))
	for _, list := range [][]string{base, override} {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := index[k]; ok {
				out[i] = kv
				continue
			}
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// ValidateEnv checks expanded KEY=VAL entries, as a caller other than the
// CLI (the REST API) may pass anything.
func ValidateEnv(env []string) error {
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return invalidf("invalid environment variable: %q", kv)
		}
		if strings.ContainsAny(name, " \t\n") {
			return invalidf("name %q has white spaces, poorly formatted name", name)
		}
	}
	return nil
}

// UnsetEnv drops the variables named in keys from env, or all of them.
func UnsetEnv(env, keys []string, all bool) []string {
	if all {
		return nil
	}
	if len(keys) == 0 {
		return env
	}
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(keys, k)
	})
}

// ProxyVars are the host variables --http-proxy (the API's httpproxy)
// copies into a container, as podman does.
var ProxyVars = []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ftp_proxy", "FTP_PROXY", "no_proxy", "NO_PROXY"}
