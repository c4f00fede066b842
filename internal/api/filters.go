package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

// filtersQuery decodes the "filters" query as podman does: JSON
// {"key": ["value", ...]}, or Docker's older {"key": {"value": true}}.
func filtersQuery(r *http.Request) (map[string][]string, error) {
	raw := r.Form.Get("filters")
	if raw == "" {
		raw = r.Form.Get("Filters")
	}
	out := map[string][]string{}
	if raw == "" {
		return out, nil
	}
	var old map[string]map[string]bool
	if err := json.Unmarshal([]byte(raw), &old); err == nil {
		for k, vals := range old {
			for v, on := range vals {
				if on {
					out[k] = append(out[k], v)
				}
			}
			sort.Strings(out[k])
		}
		return out, nil
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("failed to decode filter parameters for %s: %w", r.URL.String(), err)
	}
	return out, nil
}

// filterFlags is filters as --filter values (key=value), sorted.
func filterFlags(f map[string][]string) []string {
	var out []string
	for k, vals := range f {
		for _, v := range vals {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// badFilters answers a filters query that does not decode, with podman's
// status for it (500).
func badFilters(w http.ResponseWriter, err error) {
	writeErrorStatus(w, http.StatusInternalServerError, err)
}
