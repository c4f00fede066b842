package state

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/define/definetest"
)

// The hand-written state decoder must know every field: a field it skips
// would silently read as zero in every listing.
func TestDecodeStateKnowsEveryField(t *testing.T) {
	var st define.ContainerState
	definetest.Fill(&st)
	b, err := json.Marshal(&st)
	if err != nil {
		t.Fatal(err)
	}
	var want define.ContainerState
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if z := definetest.ZeroFields(&want); len(z) > 0 {
		t.Fatalf("the filler left fields zero, the test would not see them: %v", z)
	}
	var got define.ContainerState
	if err := decodeState(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeState differs from encoding/json:\n got %+v\nwant %+v", got, want)
	}
}

// The listed decoder gives exactly Listed() of what encoding/json decodes.
func TestDecodeListedConfig(t *testing.T) {
	var cfg define.ContainerConfig
	definetest.Fill(&cfg)
	b, err := json.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	var full define.ContainerConfig
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	want := full.Listed()
	var got define.ContainerConfig
	if err := decodeListedConfig(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeListedConfig differs from Listed():\n got %+v\nwant %+v", got, want)
	}
	// Every field Listed() keeps is set, so none of them is missed above.
	zero := definetest.ZeroFields(&want)
	all := definetest.ZeroFields(&define.ContainerConfig{})
	if len(all)-len(zero) < 20 {
		t.Fatalf("only %d listed fields are set", len(all)-len(zero))
	}
}

// Null, empty values, unknown keys and JSON the way encoding/json would
// read it.
func TestDecodeListedEdgeCases(t *testing.T) {
	config := `{"id":"abc","name":null,"cmd":[],"labels":{},"newKey":{"a":[1,{"b":null}]},"created":"2024-01-02T03:04:05.5Z","autoRemove":false,"isInfra":true,"image":"a\"b\\u00e9"}`
	state := `{"status":"running","pid":7,"startedAt":"2024-01-02T03:04:05Z","exitCode":-1,"future":[1,2],"imageMounts":null}`
	var c define.Container
	if err := decodeListedRow([]byte(config), []byte(state), &c); err != nil {
		t.Fatal(err)
	}
	var want define.Container
	if err := json.Unmarshal([]byte(config), &want.Config); err != nil {
		t.Fatal(err)
	}
	want.Config = want.Config.Listed()
	if err := json.Unmarshal([]byte(state), &want.State); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	for _, bad := range [][2]string{{`{"id":`, `{}`}, {`{}`, `{"pid":"x"}`}, {`{"created":"yesterday"}`, `{}`}} {
		if err := decodeListedRow([]byte(bad[0]), []byte(bad[1]), &define.Container{}); err == nil {
			t.Errorf("no error for %s / %s", bad[0], bad[1])
		}
	}
}

// ListContainers lists what Containers lists, in the same order, with the
// listed part of each config, over a hundred rows.
func TestListContainers(t *testing.T) {
	ctx := context.Background()
	s, _, err := openSQLite(ctx, t.TempDir(), Paths{GraphRoot: "/g", RunRoot: "/r"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3*parallelDecodeMin + 5 {
		var c define.Container
		definetest.Fill(&c)
		c.Config.ID, c.Config.Name = fmt.Sprintf("%064d", i), fmt.Sprintf("c%d", i)
		c.Config.Created = time.Unix(int64(1000-i%7), 0).UTC()
		c.Config.Dependencies = nil
		c.Config.Pod = ""
		if err := s.AddContainer(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.Containers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := s.ListContainers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(full) {
		t.Fatalf("listed %d, want %d", len(listed), len(full))
	}
	for i := range full {
		want := *full[i]
		want.Config = want.Config.Listed()
		if !reflect.DeepEqual(*listed[i], want) {
			t.Fatalf("row %d: got %+v\nwant %+v", i, listed[i], want)
		}
	}
	if !slices.IsSortedFunc(listed, func(a, b *define.Container) int { return a.Config.Created.Compare(b.Config.Created) }) {
		t.Fatal("not in creation order")
	}
}

// Every connection of the store reads the file through a memory map.
func TestStoreConnectionsMapTheFile(t *testing.T) {
	ctx := context.Background()
	st, _, err := openSQLite(ctx, t.TempDir(), Paths{GraphRoot: "/g", RunRoot: "/r"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int64
	if err := st.(*sqliteStore).db.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != mmapSize {
		t.Fatalf("mmap_size %d, want %d", n, mmapSize)
	}
}

// Escapes, non-ASCII, control characters and indentation decode as
// encoding/json decodes them; every truncation of a row is an error, never
// a panic or a half-read row taken for whole.
func TestDecodeListedAgainstEncodingJSON(t *testing.T) {
	tricky := []string{`a"b\c`, "é☃ \u2028<>&", "\x01ctl\ttab", "\xffbad", `\u0041`, "", `end\`, `\\`, `q\"q`, `"`, `{[}]"`}
	for i, v := range tricky {
		var c define.Container
		definetest.Fill(&c)
		c.Config.ID, c.Config.Name, c.Config.Image = v, v+"n", "i"+v
		c.Config.Cmd = []string{v, "x"}
		c.Config.Labels = map[string]string{v: v}
		c.Config.Env, c.Config.Annotations = []string{v, v}, map[string]string{v: v} // skipped
		c.State.ExecSessions = map[string]*define.ExecSession{v: {ID: v, Command: []string{v}}}
		c.State.Error, c.State.Status = v, define.Status(v)
		for _, indent := range []bool{false, true} {
			enc := json.Marshal
			if indent {
				enc = func(v any) ([]byte, error) { return json.MarshalIndent(v, " ", "\t") }
			}
			cb, err := enc(&c.Config)
			if err != nil {
				t.Fatal(err)
			}
			sb, err := enc(&c.State)
			if err != nil {
				t.Fatal(err)
			}
			var want define.Container
			if err := json.Unmarshal(cb, &want.Config); err != nil {
				t.Fatal(err)
			}
			want.Config = want.Config.Listed()
			if err := json.Unmarshal(sb, &want.State); err != nil {
				t.Fatal(err)
			}
			var got define.Container
			if err := decodeListedRow(cb, sb, &got); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d (indent %v): got %+v\nwant %+v", i, indent, got, want)
			}
			for n := range len(cb) {
				if err := decodeListedConfig(cb[:n], &define.ContainerConfig{}); err == nil {
					t.Fatalf("no error for a config cut at %d: %s", n, cb[:n])
				}
			}
			for n := range len(sb) {
				if err := decodeState(sb[:n], &define.ContainerState{}); err == nil {
					t.Fatalf("no error for a state cut at %d: %s", n, sb[:n])
				}
			}
		}
	}
}

// Single reads and bulk reads decode with different libraries; a row must
// read the same either way, whichever rows count picks.
func TestRowDecodersAgree(t *testing.T) {
	var c define.Container
	definetest.Fill(&c)
	cb, err := json.Marshal(&c.Config)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := json.Marshal(&c.State)
	if err != nil {
		t.Fatal(err)
	}
	one, err := decodeContainer(rowsDecoder(1), cb, sb)
	if err != nil {
		t.Fatal(err)
	}
	many, err := decodeContainer(rowsDecoder(bulkDecodeMin), cb, sb)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, many) {
		t.Fatalf("row decoders differ:\n one %+v\nmany %+v", one, many)
	}
	if z := definetest.ZeroFields(&one.Config); len(z) > 0 {
		t.Fatalf("fields left zero, the comparison would not see them: %v", z)
	}
}
