package configs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// plainHparams has the fields of Hparams without its MarshalYAML method, so
// that MarshalYAML can encode the struct itself.
type plainHparams Hparams

// MarshalYAML encodes every key of h, lists of numbers in flow style
// ([2, 2, 4]), so that a run directory records the hparams it used. Parse
// reads the result back to an equal struct.
func (h *Hparams) MarshalYAML() (any, error) {
	var n yaml.Node
	if err := n.Encode((*plainHparams)(h)); err != nil {
		return nil, fmt.Errorf("configs: encode hparams: %w", err)
	}
	flowLists(&n)
	return &n, nil
}

// flowLists switches every list of scalars under n to flow style.
func flowLists(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode {
		flat := true
		for _, c := range n.Content {
			flat = flat && c.Kind == yaml.ScalarNode
		}
		if flat {
			n.Style = yaml.FlowStyle
		}
	}
	for _, c := range n.Content {
		flowLists(c)
	}
}

// Marshal returns h as a YAML document with two-space indentation.
func (h *Hparams) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(h); err != nil {
		return nil, fmt.Errorf("configs: encode hparams: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("configs: encode hparams: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes h to path as YAML, atomically: it writes a temporary file in the
// same directory, syncs it and renames it over path, so that a reader sees
// either the old file or the complete new one.
func (h *Hparams) Save(path string) (err error) {
	data, err := h.Marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("configs: save hparams %q: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows it; a
// failure only weakens durability, so it is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// Diff returns the dotted keys whose values differ between a and b, in the
// order of the struct, each as "train.batch_size: 32 -> 64". It is empty when
// a and b are equal; a run refuses to resume with hparams that differ.
func Diff(a, b *Hparams) []string {
	var out []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	t := va.Type()
	for i := range t.NumField() {
		sa, sb := va.Field(i), vb.Field(i)
		for j := range sa.NumField() {
			fa, fb := formatValue(sa.Field(j)), formatValue(sb.Field(j))
			if fa != fb {
				key := yamlName(t.Field(i)) + "." + yamlName(sa.Type().Field(j))
				out = append(out, fmt.Sprintf("%s: %s -> %s", key, fa, fb))
			}
		}
	}
	return out
}

// formatValue writes a field value as YAML flow text: 32, 0.001, true,
// "cifar-10", [2, 2], [0.8, [linear, 0.7, 0.9]]. Equal text means equal
// values (floats are written in their shortest exact form).
func formatValue(v reflect.Value) string {
	if v.Type() == temperatureType {
		return v.Interface().(TemperatureSetting).String()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = formatValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Float64:
		return formatFloat(v.Float())
	case reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}
