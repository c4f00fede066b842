package quadlet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// SplitWords splits a value into words as systemd does: whitespace
// separates, single and double quotes group and are removed. With exec
// set (ExecStart-like keys) a backslash starts a C escape and an
// unterminated quote ends the word; without it (strv keys) backslashes are
// kept and an unterminated quote is an error.
func SplitWords(s string, exec bool) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\' && exec:
			if i+1 >= len(rs) {
				i = len(rs) // a trailing backslash is dropped (systemd's relax mode)
				break
			}
			r, n, err := unescape(rs[i+1:])
			if err != nil {
				return nil, err
			}
			cur.WriteRune(r)
			inWord = true
			i += n
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case unicode.IsSpace(c):
			if inWord && cur.Len() > 0 {
				words = append(words, cur.String())
			}
			cur.Reset()
			inWord = false
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 && !exec {
		return nil, errors.New("unbalanced quotes")
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words, nil
}

// unescape reads one C escape after a backslash: the rune and how many
// runes it used.
func unescape(rs []rune) (rune, int, error) {
	simple := map[rune]rune{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
		'\\': '\\', '"': '"', '\'': '\'', 's': ' '}
	if r, ok := simple[rs[0]]; ok {
		return r, 1, nil
	}
	num := func(prefix, digits, base int) (rune, int, error) {
		if len(rs) < prefix+digits {
			return 0, 0, fmt.Errorf("unsupported escape char")
		}
		v, err := strconv.ParseUint(string(rs[prefix:prefix+digits]), base, 32)
		if err != nil || v == 0 {
			return 0, 0, fmt.Errorf("unsupported escape char")
		}
		return rune(v), prefix + digits, nil
	}
	switch {
	case rs[0] == 'x':
		return num(1, 2, 16)
	case rs[0] == 'u':
		return num(1, 4, 16)
	case rs[0] == 'U':
		return num(1, 8, 16)
	case rs[0] >= '0' && rs[0] <= '7':
		return num(0, 3, 8)
	}
	return 0, 0, fmt.Errorf("unsupported escape char")
}

// needsEscape is podman's rule for quoting a word in an Exec line.
func needsEscape(c rune) bool {
	if c > 128 {
		return false
	}
	return unicode.IsSpace(c) || unicode.IsControl(c) || c == '"' || c == '\'' || c == '\\'
}

// escapeWords joins words into an Exec line that systemd splits back into
// the same words, quoting as podman's quadlet does.
func escapeWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i != 0 {
			b.WriteString(" ")
		}
		if strings.IndexFunc(w, needsEscape) < 0 {
			b.WriteString(w)
			continue
		}
		b.WriteString(`"`)
		for _, c := range w {
			if !needsEscape(c) {
				b.WriteRune(c)
				continue
			}
			switch c {
			case '\a':
				b.WriteString(`\a`)
			case '\b':
				b.WriteString(`\b`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\v':
				b.WriteString(`\v`)
			case '\f':
				b.WriteString(`\f`)
			case '\\':
				b.WriteString(`\\`)
			case ' ':
				b.WriteString(`\x20`)
			case '"':
				b.WriteString(`\"`)
			case '\'':
				b.WriteString(`'`)
			default:
				fmt.Fprintf(&b, `\x%.2x`, c)
			}
		}
		b.WriteString(`"`)
	}
	return b.String()
}
