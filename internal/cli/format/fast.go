package format

import (
	"fmt"
	"io"
	"reflect"
	"text/template"
	tparse "text/template/parse"
)

// fieldRow renders a template made only of text and {{.Name}} actions (the
// default formats of ps, images, volume ls, ...) without text/template's
// per-row reflection walk: each name is resolved to a method or field of
// the row type once. On 500 ps rows that is most of the formatting time.
// Anything it is unsure of falls back to the template, so the output is
// the same byte for byte.
type fieldRow struct {
	tmpl  *template.Template
	parts []rowPart
	typ   reflect.Type
	// get[i] reads part i's value from a row of typ (nil for text).
	get []func(reflect.Value) (reflect.Value, error)
}

type rowPart struct {
	text  string
	field string
}

// newFieldRow returns nil when tmpl is not text and plain field actions.
func newFieldRow(tmpl *template.Template) *fieldRow {
	if tmpl.Tree == nil || tmpl.Tree.Root == nil {
		return nil
	}
	fr := &fieldRow{tmpl: tmpl}
	for _, n := range tmpl.Tree.Root.Nodes {
		switch n := n.(type) {
		case *tparse.TextNode:
			fr.parts = append(fr.parts, rowPart{text: string(n.Text)})
		case *tparse.ActionNode:
			if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return nil
			}
			f, ok := n.Pipe.Cmds[0].Args[0].(*tparse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil
			}
			fr.parts = append(fr.parts, rowPart{field: f.Ident[0]})
		default:
			return nil
		}
	}
	return fr
}

// bind resolves the fields for rows of t; false when one is not a plain
// value the template would print the same way.
func (fr *fieldRow) bind(t reflect.Type) bool {
	fr.typ, fr.get = t, make([]func(reflect.Value) (reflect.Value, error), len(fr.parts))
	for i, p := range fr.parts {
		if p.field == "" {
			continue
		}
		g := accessor(t, p.field)
		if g == nil {
			return false
		}
		fr.get[i] = g
	}
	return true
}

// accessor is how text/template reads name on a value of type t: a method
// of the value's method set first, then a struct field.
func accessor(t reflect.Type, name string) func(reflect.Value) (reflect.Value, error) {
	if m, ok := t.MethodByName(name); ok {
		mt := m.Type
		errType := reflect.TypeFor[error]()
		if mt.NumIn() != 1 || mt.NumOut() == 0 || mt.NumOut() > 2 ||
			(mt.NumOut() == 2 && mt.Out(1) != errType) || !plain(mt.Out(0)) {
			return nil
		}
		idx := m.Index
		return func(v reflect.Value) (reflect.Value, error) {
			out := v.Method(idx).Call(nil)
			if len(out) == 2 && !out[1].IsNil() {
				return reflect.Value{}, out[1].Interface().(error)
			}
			return out[0], nil
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	f, ok := t.FieldByName(name)
	if !ok || !f.IsExported() || !plain(f.Type) {
		return nil
	}
	for i := 0; i < len(f.Index)-1; i++ {
		if t.FieldByIndex(f.Index[:i+1]).Type.Kind() == reflect.Pointer {
			return nil // a nil embedded pointer is the template's error to report
		}
	}
	idx := f.Index
	return func(v reflect.Value) (reflect.Value, error) { return v.FieldByIndex(idx), nil }
}

// plain types print the same through fmt.Fprint as through the template.
func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Invalid:
		return false
	}
	return true
}

// execute writes one row; rows of another type go through the template.
func (fr *fieldRow) execute(w io.Writer, row any) error {
	v := reflect.ValueOf(row)
	if !v.IsValid() || v.Type() != fr.typ {
		return fr.tmpl.Execute(w, row)
	}
	for i, p := range fr.parts {
		if fr.get[i] == nil {
			if _, err := io.WriteString(w, p.text); err != nil {
				return err
			}
			continue
		}
		val, err := fr.get[i](v)
		if err != nil {
			return fmt.Errorf("template: %s: executing %q: %w", fr.tmpl.Name(), p.field, err)
		}
		if val.Kind() == reflect.String {
			_, err = io.WriteString(w, val.String())
		} else {
			_, err = fmt.Fprint(w, val.Interface())
		}
		if err != nil {
			return err
		}
	}
	return nil
}
