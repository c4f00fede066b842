package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/ctrfilter"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// engineWithFilters parses --filter before opening the engine, so bad
// input fails without touching the state, as every list and prune does.
func (g *Globals) engineWithFilters(ctx context.Context, filters []string) (*engine.Runtime, map[string][]string, error) {
	fm, err := parseFilters(filters)
	if err != nil {
		return nil, nil, err
	}
	rt, err := g.Engine(ctx)
	return rt, fm, err
}

// parseFilters groups --filter key=value flags by key.
func parseFilters(in []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range in {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q", f)
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// newCtrFilterWith is ctrfilter.New with before/since resolved against
// all, the full container list.
func newCtrFilterWith(filters map[string][]string, all []*define.Container) (func(*define.Container) bool, error) {
	return ctrfilter.New(filters, ctrfilter.Env{All: all})
}

// newCtrFilterRT is ctrfilter.New with the engine's networks.
func newCtrFilterRT(ctx context.Context, rt *engine.Runtime, filters map[string][]string, all []*define.Container) (func(*define.Container) bool, error) {
	return ctrfilter.New(filters, ctrfilter.Env{All: all, NetworkName: func(v string) (string, bool) {
		rep, err := rt.NetworkInspect(ctx, v)
		return rep.Name, err == nil
	}})
}
