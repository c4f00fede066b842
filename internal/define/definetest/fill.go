// Package definetest fills define's types for tests: every field set, so
// that a test notices a field that some code path drops.
package definetest

import (
	"fmt"
	"reflect"
	"time"
)

// Fill sets every exported field of the struct v points to (recursively,
// a few levels deep) to a non-zero value derived from its name: one
// element in slices and maps, pointers allocated. Byte slices get four
// bytes (an IPv4 address; six for a HardwareAddr). Fields tagged json:"-" are left alone.
func Fill(v any) {
	fill(reflect.ValueOf(v).Elem(), "x", 0)
}

func fill(v reflect.Value, name string, depth int) {
	if depth > 4 {
		return
	}
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC).Add(time.Duration(len(name)) * time.Hour)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(len(name)%100 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(len(name)%100 + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), name, depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := []byte{10, 0, 0, byte(len(name))}
			if v.Type().Name() == "HardwareAddr" {
				b = append(b, 1, 2) // a MAC address
			}
			v.Set(reflect.ValueOf(b).Convert(v.Type()))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), name+"0", depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, name+"k", depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, name+"v", depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			fill(v.Field(i), fmt.Sprintf("%s.%s", name, f.Name), depth+1)
		}
	}
}

// ZeroFields names the exported fields of the struct v points to that
// are zero, embedded structs' fields included (fields tagged json:"-" are
// not counted).
func ZeroFields(v any) []string {
	var out []string
	var walk func(reflect.Value)
	walk = func(s reflect.Value) {
		t := s.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(s.Field(i))
				continue
			}
			if s.Field(i).IsZero() {
				out = append(out, f.Name)
			}
		}
	}
	walk(reflect.ValueOf(v).Elem())
	return out
}
