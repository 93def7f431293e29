package configs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultPreset is the preset Load reads when it is given no name.
const DefaultPreset = "mnist_cpu"

//go:embed *.yaml
var presetFiles embed.FS

// Presets returns the names of the built-in presets, sorted: the base names
// of the YAML files shipped in the binary, without ".yaml".
func Presets() []string {
	entries, err := fs.ReadDir(presetFiles, ".")
	if err != nil {
		panic("configs: embedded presets unreadable: " + err.Error()) // a build bug
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Load reads hyper-parameters, applies overrides and validates the result.
//
// nameOrPath is a preset name (see Presets; "" means DefaultPreset) or a file:
// it is read as a file when a file of that name exists, when it contains a path
// separator, or when it ends in .yaml or .yml. Files are decoded as Parse
// describes. overrides are "section.key=value" strings applied by Set.
func Load(nameOrPath string, overrides []string) (*Hparams, error) {
	if nameOrPath == "" {
		nameOrPath = DefaultPreset
	}
	var h *Hparams
	var err error
	if isFile(nameOrPath) {
		h, err = loadFile(nameOrPath)
	} else {
		h, err = preset(nameOrPath)
	}
	if err != nil {
		return nil, err
	}
	if err := h.Set(overrides); err != nil {
		return nil, err
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}

// isFile reports whether Load should read nameOrPath as a file.
func isFile(nameOrPath string) bool {
	if strings.ContainsAny(nameOrPath, `/\`) {
		return true
	}
	ext := path.Ext(nameOrPath)
	if ext == ".yaml" || ext == ".yml" {
		return true
	}
	fi, err := os.Stat(nameOrPath)
	return err == nil && fi.Mode().IsRegular()
}

// loadFile reads and decodes a hyper-parameter file.
func loadFile(name string) (*Hparams, error) {
	data, err := readSmallFile(name)
	if err != nil {
		hint := ""
		p := strings.TrimSuffix(name, path.Ext(name))
		if errors.Is(err, fs.ErrNotExist) && slices.Contains(Presets(), p) {
			hint = fmt.Sprintf(" (to use the preset, name it without the extension: %s)", p)
		}
		return nil, fmt.Errorf("configs: read hparams: %w%s", err, hint)
	}
	return Parse(name, data)
}

// preset decodes the built-in preset name, without validating it.
func preset(name string) (*Hparams, error) {
	data, err := presetFiles.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("configs: unknown preset %q; the presets are %s, "+
			"and a file is read when the name ends in .yaml or contains a /",
			name, strings.Join(Presets(), ", "))
	}
	return Parse(name+".yaml", data)
}

// Parse decodes the YAML hyper-parameters in data; source names the data in
// error messages. It neither applies overrides nor validates.
//
// Decoding is strict: an unknown or duplicate key, a value of the wrong type
// (1.5 for an integer, "yes" for a boolean) and an empty value are errors
// naming the key and its line. Every key must be present, unless the file
// starts with "base: PRESET": then omitted keys take that preset's values.
// All problems are reported together, joined; each wraps ErrInvalid.
func Parse(source string, data []byte) (*Hparams, error) {
	root, err := parseDocument(source, data)
	if err != nil {
		return nil, err
	}
	h := new(Hparams)
	d := &decoder{problems: problems{source: source}}
	if base := findKey(root, baseKey); base != nil {
		b, err := basePreset(source, base)
		if err != nil {
			return nil, err
		}
		h, d.partial = b, true
	}
	d.section(root, reflect.ValueOf(h).Elem(), "")
	if err := d.err(); err != nil {
		return nil, err
	}
	return h, nil
}

// parseDocument parses data as exactly one YAML document and returns its
// top-level node.
func parseDocument(source string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{Source: source, Msg: "empty file; " +
				"write the hparams sections or start from a preset with \"base: PRESET\""}
		}
		return nil, &FieldError{Source: source, Msg: "not valid YAML: " + err.Error()}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &FieldError{Source: source, Line: extra.Line,
			Msg: "holds more than one YAML document; keep one"}
	}
	if len(doc.Content) != 1 {
		return nil, &FieldError{Source: source, Msg: "not a YAML document"}
	}
	return doc.Content[0], nil
}

// findKey returns the value node of key in the mapping n, or nil.
func findKey(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// basePreset decodes the preset named by the "base" value node n.
func basePreset(source string, n *yaml.Node) (*Hparams, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return nil, &FieldError{Source: source, Line: n.Line, Field: baseKey, Msg: fmt.Sprintf(
			"want the name of a preset, got %s; the presets are %s",
			describe(n), strings.Join(Presets(), ", "))}
	}
	h, err := preset(n.Value)
	if err != nil {
		return nil, &FieldError{Source: source, Line: n.Line, Field: baseKey, Msg: fmt.Sprintf(
			"unknown preset %q; the presets are %s", n.Value, strings.Join(Presets(), ", "))}
	}
	return h, nil
}

// maxFileBytes bounds a hyper-parameter file; the largest preset is 10 KiB.
const maxFileBytes = 1 << 20

// readSmallFile reads a regular file of at most maxFileBytes.
func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a hyper-parameter file", name, maxFileBytes)
	}
	return data, nil
}
