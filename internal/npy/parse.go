package npy

import (
	"strconv"
	"strings"
)

// parseHeader reads the header dict, a Python literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. Like numpy it
// requires exactly the keys descr, fortran_order and shape.
func parseHeader(text string) (header, error) {
	p := &scanner{s: text}
	h, err := p.dict()
	if err != nil {
		shown := strings.TrimSpace(text)
		if len(shown) > 120 {
			shown = shown[:120] + "..."
		}
		if e, ok := err.(*Error); ok && e.Kind == ErrInvalid {
			e.Msg = "header " + strconv.Quote(shown) + ": " + e.Msg
		}
		return header{}, err
	}
	return h, nil
}

// scanner walks the header text; i is the next byte to read.
type scanner struct {
	s string
	i int
}

// dict parses the whole header and checks its keys.
func (p *scanner) dict() (header, error) {
	var h header
	seen := map[string]bool{}
	if err := p.expect('{'); err != nil {
		return h, err
	}
	for p.skip() != '}' {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, invalidf("key %q appears twice", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return h, err
		}
		if err := p.value(&h, key); err != nil {
			return h, err
		}
		if p.skip() != '}' {
			if err := p.expect(','); err != nil {
				return h, err
			}
		}
	}
	p.i++
	if p.skip() != 0 {
		return h, invalidf("text after the closing brace at byte %d", p.i)
	}
	if len(seen) != 3 {
		return h, invalidf("want the keys 'descr', 'fortran_order' and 'shape'")
	}
	return h, nil
}

// value parses the value of one key into h.
func (p *scanner) value(h *header, key string) error {
	var err error
	switch key {
	case "descr":
		if p.skip() == '[' {
			return unsupportedf("structured dtype (a record array); save plain arrays")
		}
		h.descr, err = p.str()
	case "fortran_order":
		h.fortran, err = p.boolean()
	case "shape":
		h.shape, err = p.tuple()
	default:
		err = invalidf("unknown key %q", key)
	}
	return err
}

// skip passes over white space and returns the next byte, 0 at the end.
func (p *scanner) skip() byte {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
	if p.i == len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// expect consumes the byte c after any white space.
func (p *scanner) expect(c byte) error {
	if p.skip() != c {
		return invalidf("want %q at byte %d", c, p.i)
	}
	p.i++
	return nil
}

// str parses a quoted string without escapes, in single or double quotes.
func (p *scanner) str() (string, error) {
	q := p.skip()
	if q != '\'' && q != '"' {
		return "", invalidf("want a quoted string at byte %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", invalidf("unterminated string at byte %d", p.i)
	}
	s := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return s, nil
}

// word parses a run of letters, digits and underscores.
func (p *scanner) word() string {
	p.skip()
	start := p.i
	for p.i < len(p.s) && isWordByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// boolean parses True or False.
func (p *scanner) boolean() (bool, error) {
	switch w := p.word(); w {
	case "True":
		return true, nil
	case "False":
		return false, nil
	default:
		return false, invalidf("fortran_order is %q, want True or False", w)
	}
}

// tuple parses a tuple of non-negative integers such as (), (3,) or (2, 3).
// A Python 2 long suffix (3L) is accepted.
func (p *scanner) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for p.skip() != ')' {
		w := strings.TrimSuffix(p.word(), "L")
		n, err := strconv.ParseInt(w, 10, 64)
		if err != nil || n < 0 {
			return nil, invalidf("shape dimension %q is not an integer between 0 and 2^63-1", w)
		}
		shape = append(shape, int(n))
		if p.skip() != ')' {
			if err := p.expect(','); err != nil {
				return nil, err
			}
		}
	}
	p.i++
	return shape, nil
}
