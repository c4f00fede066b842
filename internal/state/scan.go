package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// scanner walks a JSON document that encoding/json wrote (a stored row)
// for the listing decoders: keys are compared without being copied, and
// values a listing does not read are skipped by scanning for their end.
// Strings with escapes, and anything it does not expect, are left to
// encoding/json, so what it returns is what encoding/json would decode.
type scanner struct {
	b []byte
	i int
}

var errSyntax = errors.New("malformed JSON")

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next non-space byte, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// object calls fn for each key of the object that comes next, with the
// scanner on the key's value, which fn must consume. A null is an empty
// object, and keys whose value is null are passed over: as encoding/json
// does to a fresh value, null leaves the field zero. (The decoders never
// read a field before they set it: the first touch of a fresh page that
// is a read costs a second page fault when the write follows.)
func (s *scanner) object(fn func(key []byte) error) error {
	if s.null() {
		return nil
	}
	if s.peek() != '{' {
		return s.fail("an object")
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("a key")
		}
		key, err := s.strBytes()
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return s.fail("':'")
		}
		s.i++
		if !s.null() {
			if err := fn(key); err != nil {
				return err
			}
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("',' or '}'")
		}
	}
}

// null consumes a null and reports whether there was one.
func (s *scanner) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// strBytes returns the next string's contents: the document's own bytes
// when the string needs no decoding, else a decoded copy.
func (s *scanner) strBytes() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.fail("a string")
	}
	start := s.i
	plain := true
	for j := start + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			v := s.b[start+1 : j]
			if plain && utf8.Valid(v) {
				return v, nil
			}
			var out string
			if err := json.Unmarshal(s.b[start:j+1], &out); err != nil {
				return nil, err
			}
			return []byte(out), nil
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			plain = false
		}
	}
	return nil, s.fail("the end of a string")
}

// str reads a string value.
func (s *scanner) str() (string, error) {
	b, err := s.strBytes()
	return string(b), err
}

// strs reads an array of strings.
func (s *scanner) strs() ([]string, error) {
	if s.peek() != '[' {
		return nil, s.fail("an array")
	}
	s.i++
	out := []string{}
	if s.peek() == ']' {
		s.i++
		return out, nil
	}
	for {
		v, err := s.strBytes()
		if err != nil {
			return nil, err
		}
		out = append(out, string(v))
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return out, nil
		default:
			return nil, s.fail("',' or ']'")
		}
	}
}

// boolean reads true or false.
func (s *scanner) boolean() (bool, error) {
	switch {
	case s.peek() == 't' && bytes.HasPrefix(s.b[s.i:], []byte("true")):
		s.i += 4
		return true, nil
	case s.peek() == 'f' && bytes.HasPrefix(s.b[s.i:], []byte("false")):
		s.i += 5
		return false, nil
	}
	return false, s.fail("a boolean")
}

// number returns the next number's text.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.i
	for s.i < len(s.b) && strings.IndexByte("+-.0123456789eE", s.b[s.i]) >= 0 {
		s.i++
	}
	if s.i == start {
		return nil, s.fail("a number")
	}
	return s.b[start:s.i], nil
}

// int reads an integer of bits bits.
func (s *scanner) int(bits int) (int64, error) {
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(n), 10, bits)
}

// uint reads an unsigned integer of bits bits.
func (s *scanner) uint(bits int) (uint64, error) {
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(n), 10, bits)
}

// time reads an RFC 3339 time as time.Time's UnmarshalJSON does.
func (s *scanner) time(t *time.Time) error {
	b, err := s.strBytes()
	if err != nil {
		return err
	}
	return t.UnmarshalText(b)
}

// value decodes the next value into v with json-iterator (the types a
// listing rarely meets: maps, nested structs).
func (s *scanner) value(v any) error {
	start := s.i
	if err := s.skip(); err != nil {
		return err
	}
	return listJSON.Unmarshal(s.b[start:s.i], v)
}

// skip moves past the next value without decoding it.
func (s *scanner) skip() error {
	switch c := s.peek(); c {
	case '"':
		_, err := s.skipString()
		return err
	case '{', '[':
		return s.skipNested()
	case 't', 'f':
		_, err := s.boolean()
		return err
	case 'n':
		if s.null() {
			return nil
		}
	default:
		if _, err := s.number(); err == nil {
			return nil
		}
	}
	return s.fail("a value")
}

// skipString moves past a string (the scanner is on its quote).
func (s *scanner) skipString() (int, error) {
	for j := s.i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '"':
			s.i = j + 1
			return j, nil
		case '\\':
			j++
		}
	}
	return 0, s.fail("the end of a string")
}

// skipNested moves past an object or array, strings inside included.
func (s *scanner) skipNested() error {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if _, err := s.skipString(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return nil
			}
		}
		s.i++
	}
	return s.fail("the end of an object or array")
}

func (s *scanner) fail(want string) error {
	return fmt.Errorf("%w: expected %s at offset %d", errSyntax, want, s.i)
}
