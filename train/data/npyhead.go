package data

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxNPYHeader is the longest .npy header read; numpy's own are a few
// hundred bytes.
const maxNPYHeader = 1 << 20

// npyHeader is what a .npy header says about its array.
type npyHeader struct {
	descr   string // dtype, e.g. '|u1'
	fortran bool   // column-major data
	shape   []int
	size    int64 // bytes before the data
}

// readNPYHeader parses the header of a .npy stream: the magic string, the
// version, the header length and the header, a Python dict literal with the
// keys 'descr', 'fortran_order' and 'shape'.
func readNPYHeader(path string, r io.Reader) (*npyHeader, error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, formatErr(path, "too short for a .npy header")
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, formatErr(path, "not a .npy array: bad magic string")
	}
	var n, size int64
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, formatErr(path, "truncated .npy header")
		}
		n, size = int64(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, formatErr(path, "truncated .npy header")
		}
		n, size = int64(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return nil, &UnsupportedError{Path: path, Msg: fmt.Sprintf(".npy format version %d", pre[6])}
	}
	if n > maxNPYHeader {
		return nil, formatErr(path, ".npy header of %d bytes: corrupt?", n)
	}
	text := make([]byte, n)
	if _, err := io.ReadFull(br, text); err != nil {
		return nil, formatErr(path, "truncated .npy header")
	}
	h, err := parseNPYDict(string(text))
	if err != nil {
		return nil, formatErr(path, "bad .npy header %q: %v", strings.TrimSpace(string(text)), err)
	}
	h.size = size + n
	return h, nil
}

// npyScanner walks a header's dict literal.
type npyScanner struct {
	s   string
	pos int
}

func (p *npyScanner) skip() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// eat consumes c after blanks, reporting whether it was there.
func (p *npyScanner) eat(c byte) bool {
	p.skip()
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *npyScanner) str() (string, error) {
	p.skip()
	if p.pos >= len(p.s) || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
		return "", fmt.Errorf("want a string at byte %d", p.pos)
	}
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

// word returns the identifier or number at the cursor.
func (p *npyScanner) word() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *npyScanner) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("shape is not a tuple")
	}
	var dims []int
	for !p.eat(')') {
		neg := p.eat('-')
		w := p.word()
		d, err := strconv.Atoi(strings.TrimSuffix(w, "L"))
		switch {
		case neg && err == nil:
			return nil, fmt.Errorf("negative dimension -%s", w)
		case w == "":
			return nil, fmt.Errorf("want a dimension at byte %d", p.pos)
		case err != nil || d < 0:
			return nil, fmt.Errorf("bad dimension %q", w)
		}
		dims = append(dims, d)
		if !p.eat(',') && !p.eat(')') {
			return nil, fmt.Errorf("want , or ) after a dimension")
		} else if p.s[p.pos-1] == ')' {
			break
		}
	}
	return dims, nil
}

// parseNPYDict reads the three keys of a .npy header.
func parseNPYDict(s string) (*npyHeader, error) {
	p := &npyScanner{s: s}
	if !p.eat('{') {
		return nil, fmt.Errorf("not a dict")
	}
	h := &npyHeader{}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if !p.eat(':') {
			return nil, fmt.Errorf("want : after %q", key)
		}
		switch key {
		case "descr":
			h.descr, err = p.str()
		case "fortran_order":
			switch w := p.word(); w {
			case "True", "False":
				h.fortran = w == "True"
			default:
				err = fmt.Errorf("fortran_order %q is not True or False", w)
			}
		case "shape":
			h.shape, err = p.tuple()
		default:
			err = fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return nil, err
		}
		seen[key] = true
		if !p.eat(',') && !p.eat('}') {
			return nil, fmt.Errorf("want , or } after %q", key)
		} else if p.s[p.pos-1] == '}' {
			break
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %q key", k)
		}
	}
	return h, nil
}
