package configs

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// baseKey is the top-level key of a user file that names the preset its
// omitted keys come from.
const baseKey = "base"

// decoder walks a YAML tree against the Hparams struct. It decodes strictly
// (no unknown, duplicate or empty keys, no silent number conversions) and
// records every problem instead of stopping at the first.
type decoder struct {
	problems
	// partial allows keys to be missing: they keep the values already in
	// the destination (taken from a base preset).
	partial bool
}

// section decodes the mapping n into the struct v, whose dotted key is
// prefix ("" for the top level).
func (d *decoder) section(n *yaml.Node, v reflect.Value, prefix string) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.addAt(n.Line, orTop(prefix), "want a mapping of keys, got %s", describe(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		key := join(prefix, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.addAt(k.Line, orTop(prefix), "keys must be plain names, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.addAt(k.Line, key, "defined twice (first at line %d); keep one", first)
			continue
		}
		seen[k.Value] = k.Line
		if prefix == "" && k.Value == baseKey {
			continue // handled by the caller
		}
		idx, ok := fields[k.Value]
		if !ok {
			d.addAt(k.Line, key, "unknown key%s", suggest(k.Value, prefix, v.Type()))
			continue
		}
		d.field(val, v.Field(idx), key)
	}
	if !d.partial {
		d.missing(n, v.Type(), prefix, seen)
	}
}

// field decodes one struct field: a nested section or a value.
func (d *decoder) field(n *yaml.Node, v reflect.Value, key string) {
	if v.Kind() == reflect.Struct && v.Type() != temperatureType {
		d.section(n, v, key)
		return
	}
	if err := decodeValue(n, v); err != nil {
		d.addAt(err.node.Line, key+err.path, "%s", err.msg)
	}
}

// missing records every field of t that the mapping n did not set.
func (d *decoder) missing(n *yaml.Node, t reflect.Type, prefix string, seen map[string]int) {
	for i := range t.NumField() {
		name := yamlName(t.Field(i))
		if _, ok := seen[name]; ok {
			continue
		}
		if t.Field(i).Type.Kind() == reflect.Struct && prefix == "" {
			d.addAt(n.Line, name, "missing section; write all of its keys, "+
				"or start the file with \"base: PRESET\" to take omitted keys from a preset")
			continue
		}
		d.addAt(n.Line, join(prefix, name), "missing key; every key must be set "+
			"unless the file starts with \"base: PRESET\"")
	}
}

// valueError is a problem with one value: the node it was found at, the
// index path inside the value ("[3]") and the message.
type valueError struct {
	node *yaml.Node
	path string
	msg  string
}

// temperatureType is the one struct type decoded as a value, not a section.
var temperatureType = reflect.TypeFor[TemperatureSetting]()

// decodeValue decodes n into v, which is a scalar, a list or a
// TemperatureSetting. It rejects nulls, floats given for integers and every
// other kind mismatch.
func decodeValue(n *yaml.Node, v reflect.Value) *valueError {
	n = resolve(n)
	if v.Type() == temperatureType {
		t, err := decodeTemperature(n)
		if err == nil {
			v.Set(reflect.ValueOf(t))
		}
		return err
	}
	switch v.Kind() {
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return mismatch(n, v.Type())
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		if err := decodeItems(n, s); err != nil {
			return err
		}
		v.Set(s)
		return nil
	case reflect.Array:
		if n.Kind != yaml.SequenceNode || len(n.Content) != v.Len() {
			return mismatch(n, v.Type())
		}
		a := reflect.New(v.Type()).Elem()
		if err := decodeItems(n, a); err != nil {
			return err
		}
		v.Set(a)
		return nil
	}
	return decodeScalar(n, v)
}

// decodeItems decodes the items of the sequence n into the slice or array s.
func decodeItems(n *yaml.Node, s reflect.Value) *valueError {
	for i, item := range n.Content {
		if err := decodeValue(item, s.Index(i)); err != nil {
			err.path = fmt.Sprintf("[%d]%s", i, err.path)
			return err
		}
	}
	return nil
}

// decodeScalar decodes the scalar n into v, a bool, integer, float or string.
func decodeScalar(n *yaml.Node, v reflect.Value) *valueError {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return mismatch(n, v.Type())
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			return mismatch(n, v.Type())
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			return mismatch(n, v.Type())
		}
		v.SetInt(i)
	case reflect.Float64:
		f, ok := scalarFloat(n)
		if !ok {
			return mismatch(n, v.Type())
		}
		v.SetFloat(f)
	case reflect.String:
		v.SetString(n.Value)
	default:
		return &valueError{node: n, msg: fmt.Sprintf("configs cannot decode a %s field", v.Type())}
	}
	return nil
}

// scalarFloat reads an integer or float scalar as a float64.
func scalarFloat(n *yaml.Node) (float64, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if tag := n.ShortTag(); tag != "!!int" && tag != "!!float" {
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, false
	}
	return f, true
}

// mismatch reports that n cannot be decoded as a value of type t.
func mismatch(n *yaml.Node, t reflect.Type) *valueError {
	return &valueError{node: n, msg: fmt.Sprintf("want %s, got %s", typeName(t), describe(n))}
}

// typeName describes a field type for users: "an integer", "a list of numbers".
func typeName(t reflect.Type) string {
	switch {
	case t == temperatureType:
		return "a temperature setting (a number, [linear, FROM, TO] or a list of one number per level)"
	case t.Kind() == reflect.Slice:
		return "a list of " + plural(t.Elem())
	case t.Kind() == reflect.Array:
		return fmt.Sprintf("a list of %d %s", t.Len(), plural(t.Elem()))
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

// plural names the items of a list type.
func plural(t reflect.Type) string {
	switch {
	case t == temperatureType:
		return "temperature settings (a number, [linear, FROM, TO] or a list of one number per level)"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "integers"
	case t.Kind() == reflect.Float64:
		return "numbers"
	}
	return t.String() + " values"
}

// describe names what a node holds, for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return fmt.Sprintf("a list of %d items", len(n.Content))
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "no value"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unsupported YAML node"
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlFields maps the YAML key of each field of the struct type t to the
// field's index.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		m[yamlName(t.Field(i))] = i
	}
	return m
}

// yamlName is the YAML key of a struct field.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// join appends key to the dotted prefix.
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// orTop names the top level of a file in messages.
func orTop(prefix string) string {
	if prefix == "" {
		return "(top level)"
	}
	return prefix
}

// suggest returns a hint for an unknown key written in section prefix of
// struct type t: the same key in another section, else a near-miss spelling
// in the same section, else one in another section.
func suggest(key, prefix string, t reflect.Type) string {
	var others []string // "section.key" of every key of the other sections
	if prefix != "" {
		top := reflect.TypeFor[Hparams]()
		for i := range top.NumField() {
			sec := top.Field(i)
			if yamlName(sec) == prefix {
				continue
			}
			for name := range yamlFields(sec.Type) {
				if name == key {
					return fmt.Sprintf(" (did you mean %q?)", yamlName(sec)+"."+name)
				}
				others = append(others, yamlName(sec)+"."+name)
			}
		}
	}
	var own []string
	for name := range yamlFields(t) {
		own = append(own, name)
	}
	if best, ok := nearMiss(key, own); ok {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if best, ok := nearMiss(prefix+"."+key, others); ok {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// nearMiss returns the name closest to key when it is close enough to be a
// likely misspelling: a few edits away, or a prefix of at least 3 letters.
func nearMiss(key string, names []string) (string, bool) {
	slices.Sort(names)
	best, bestDist := "", math.MaxInt
	for _, name := range names {
		if d := editDistance(key, name); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best != "" && bestDist <= max(2, len(key)/3) {
		return best, true
	}
	if _, after, ok := strings.Cut(key, "."); ok {
		key = after // compare a section.key guess by its key
	}
	for _, name := range names {
		_, short, _ := strings.Cut(name, ".")
		if short == "" {
			short = name
		}
		if len(key) >= 3 && (strings.HasPrefix(short, key) || strings.HasPrefix(key, short)) {
			return name, true
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
