package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/ctrfilter"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/define/definetest"
	"github.com/pier-engine/pier/internal/report"
)

// psFixture is a pod's infra container, a member sharing its network and
// a plain exited container, every field of each set.
func psFixture() []*define.Container {
	mk := func(id, name string, edit func(*define.Container)) *define.Container {
		c := &define.Container{}
		definetest.Fill(c)
		c.Config.ID, c.Config.Name = strings.Repeat(id, 64), name
		c.Config.RestartPolicy = define.RestartAlways
		c.State.Health = &define.HealthCheckResults{Status: define.HealthStarting}
		edit(c)
		return c
	}
	infra := mk("a", "infra", func(c *define.Container) {
		c.Config.IsInfra, c.Config.Pod, c.Config.NetworkMode = true, "p1", "bridge"
		c.State.Status = define.StatusRunning
	})
	member := mk("b", "member", func(c *define.Container) {
		c.Config.Pod, c.Config.NetworkMode = "p1", "container:"+infra.Config.ID
		c.State.Status = define.StatusPaused
	})
	plain := mk("c", "plain", func(c *define.Container) {
		c.Config.Created = c.Config.Created.Add(time.Hour)
		c.State.Status = define.StatusExited
	})
	return []*define.Container{infra, member, plain}
}

func listedCopies(cs []*define.Container) []*define.Container {
	out := make([]*define.Container, len(cs))
	for i, c := range cs {
		out[i] = &define.Container{Config: c.Config.Listed(), State: c.State}
	}
	return out
}

// ps reads containers through ListContainers, which decodes only
// ContainerConfig.Listed: every filter, column, template field and the
// JSON must come out the same from the listed part as from the whole.
func TestPsNeedsOnlyListedFields(t *testing.T) {
	full := psFixture()
	listed := listedCopies(full)
	now := full[0].Config.Created.Add(3 * time.Hour)
	c := full[0].Config
	filters := map[string][]string{
		"id": {c.ID[:5]}, "name": {c.Name}, "command": {c.Cmd[0]},
		"label": {firstKey(c.Labels) + "=" + c.Labels[firstKey(c.Labels)]}, "label!": {"nope"},
		"status": {"running", "paused"}, "exited": {"3"}, "ancestor": {c.Image, c.ImageID[:4], c.RawImage},
		"before": {"plain"}, "since": {"infra"}, "until": {"2030-01-01T00:00:00Z"},
		"volume": {c.Mounts[0].Destination, c.Mounts[0].Source}, "restart-policy": {"always"},
		"should-start-on-boot": {"true"}, "network": {firstKey(c.Networks), "container:infra"},
		"health": {define.HealthStarting},
	}
	for key, vals := range filters {
		env := func(cs []*define.Container) ctrfilter.Env {
			return ctrfilter.Env{All: cs, NetworkName: func(v string) (string, bool) { return v, true }}
		}
		mf, err := ctrfilter.New(map[string][]string{key: vals}, env(full))
		if err != nil {
			t.Fatalf("filter %s: %v", key, err)
		}
		ml, err := ctrfilter.New(map[string][]string{key: vals}, env(listed))
		if err != nil {
			t.Fatalf("filter %s: %v", key, err)
		}
		for i := range full {
			if mf(full[i]) != ml(listed[i]) {
				t.Errorf("filter %s=%v on %s: %v with the whole config, %v with the listed part", key, vals, full[i].Config.Name, mf(full[i]), ml(listed[i]))
			}
		}
	}
	pods := map[string]string{"p1": "pod-one"}
	print := func(cs []*define.Container, o *psOpts, userFmt bool) string {
		var b bytes.Buffer
		list := psRows(cs, cs, pods, now)
		var err error
		if o.format == "json" {
			err = psJSON(&b, list)
		} else {
			err = psTable(&b, o, userFmt, list, now)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, tc := range []struct {
		o       psOpts
		userFmt bool
	}{
		{psOpts{}, false},
		{psOpts{noTrunc: true, pod: true, ns: false}, false},
		{psOpts{ns: true}, false},
		{psOpts{format: "json"}, true},
		{psOpts{format: everyPsField()}, true},
		{psOpts{format: everyPsField(), noTrunc: true}, true},
		{psOpts{format: "{{json .}}"}, true},
	} {
		if f, l := print(full, &tc.o, tc.userFmt), print(listed, &tc.o, tc.userFmt); f != l {
			t.Errorf("ps %+v differs:\nwhole config:\n%s\nlisted part:\n%s", tc.o, f, l)
		}
	}
}

// everyPsField is a template of every field and method a ps --format
// can name.
func everyPsField() string {
	var parts []string
	t := reflect.TypeOf(report.ListContainer{})
	for i := range t.NumField() {
		parts = append(parts, "{{."+t.Field(i).Name+"}}")
	}
	rt := reflect.TypeOf(psReporter{})
	for i := range rt.NumMethod() {
		m := rt.Method(i)
		if m.Type.NumIn() == 1 {
			parts = append(parts, "{{."+m.Name+"}}")
		}
	}
	return strings.Join(parts, "|") + `|{{.Label "` + "x" + `"}}`
}

func firstKey[V any](m map[string]V) string {
	for k := range m {
		return k
	}
	return ""
}
