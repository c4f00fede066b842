package cli

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// completeFormat registers shell completion of --format for a command
// whose templates run on values of v's type (a pointer to a struct), as
// podman's AutocompleteFormat: "json", then after "{{." the fields and
// methods of the struct, following nested structs, maps and methods.
func completeFormat(cmd *cobra.Command, v any) {
	_ = cmd.RegisterFlagCompletionFunc("format", formatCompletion(v))
}

func formatCompletion(v any) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if strings.HasPrefix("json", toComplete) {
			return []string{"json"}, cobra.ShellCompDirectiveNoFileComp
		}
		vars := strings.Split(toComplete, "{{")
		if v == nil || len(vars) == 1 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		words := strings.Split(vars[len(vars)-1], " ")
		path := strings.Split(words[len(words)-1], ".")
		t := reflect.TypeOf(v)
		for _, name := range path[1 : len(path)-1] {
			if t = memberType(t, name); t == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		prefix := toComplete[:strings.LastIndex(toComplete, ".")+1]
		var out []string
		for _, s := range members(t, path[len(path)-1]) {
			out = append(out, prefix+s)
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
}

// memberType is the type a template reaches with .name from a value of
// type t: a field, a method's result, or a map's element.
func memberType(t reflect.Type, name string) reflect.Type {
	if m, ok := t.MethodByName(name); ok && m.Type.NumOut() == 1 {
		return m.Type.Out(0)
	}
	t = deref(t)
	switch t.Kind() {
	case reflect.Struct:
		if f, ok := t.FieldByName(name); ok && f.IsExported() {
			return f.Type
		}
	case reflect.Map:
		return t.Elem()
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// members lists the fields and methods of t starting with prefix: "Name}}"
// for a leaf, "Name." for a struct or map to go into.
func members(t reflect.Type, prefix string) []string {
	suffix := func(r reflect.Type) string {
		if k := deref(r).Kind(); k == reflect.Struct || k == reflect.Map {
			return "."
		}
		return "}}"
	}
	var out []string
	seen := map[string]bool{}
	for i := range t.NumMethod() {
		m := t.Method(i)
		if m.Type.NumOut() != 1 || !strings.HasPrefix(m.Name, prefix) {
			continue
		}
		s := suffix(m.Type.Out(0))
		if n := m.Type.NumIn() - 1; n > 0 {
			s = "\tThis is a function and requires " + strconv.Itoa(n) + " argument"
			if n > 1 {
				s += "s"
			}
		}
		seen[m.Name] = true
		out = append(out, m.Name+s)
	}
	st := deref(t)
	if st.Kind() != reflect.Struct {
		return out
	}
	for _, f := range reflect.VisibleFields(st) {
		if !f.IsExported() || seen[f.Name] || !strings.HasPrefix(f.Name, prefix) {
			continue
		}
		seen[f.Name] = true
		out = append(out, f.Name+suffix(f.Type))
	}
	return out
}

// formatTypes names the value each command's --format template runs on,
// for commands whose files do not register it themselves.
var formatTypes = map[string]any{
	"ps": &psReporter{}, "container ps": &psReporter{}, "container list": &psReporter{},
	"images": &imageRow{}, "image list": &imageRow{},
	"history": &historyRow{}, "image history": &historyRow{},
	"inspect": &define.InspectContainerData{}, "container inspect": &define.InspectContainerData{},
	"image inspect": &image.InspectData{},
	"search":        &image.SearchResult{}, "image search": &image.SearchResult{},
}

// completeFormats registers formatTypes on the tree; called once the tree
// is built.
func completeFormats(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			path := strings.TrimPrefix(sub.CommandPath(), root.Name()+" ")
			if v, ok := formatTypes[path]; ok && sub.Flags().Lookup("format") != nil {
				if _, exists := sub.GetFlagCompletionFunc("format"); !exists {
					completeFormat(sub, v)
				}
			}
			walk(sub)
		}
	}
	walk(root)
}
