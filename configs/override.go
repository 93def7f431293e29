package configs

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// overrideSource names overrides in error messages, after the CLI flag.
const overrideSource = "--set"

// Set applies overrides of the form "section.key=value", in order. The value
// is read as YAML, so "model.up_strides=[2, 2]", "run.name=trial" and
// "synthesis.temperature_settings=[0.8, [linear, 0.7, 0.9]]" all work; it
// must have the type of the key, with the same strictness as Parse. An
// override that fails leaves its key unchanged; every failure is reported,
// joined, and each wraps ErrInvalid. Set does not validate the result.
func (h *Hparams) Set(overrides []string) error {
	p := problems{source: overrideSource}
	for _, o := range overrides {
		h.set(&p, o)
	}
	return p.err()
}

// set applies one override, recording any problem in p.
func (h *Hparams) set(p *problems, override string) {
	key, value, ok := strings.Cut(override, "=")
	key = strings.TrimSpace(key)
	if !ok {
		p.add(key, "an override is section.key=value, got %q", override)
		return
	}
	v, ok := h.lookup(p, key)
	if !ok {
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil {
		p.add(key, "value %q is not valid YAML: %v", value, err)
		return
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"} // an empty value
	if len(doc.Content) == 1 {
		n = doc.Content[0]
	}
	tmp := reflect.New(v.Type()).Elem()
	if err := decodeValue(n, tmp); err != nil {
		p.add(key+err.path, "%s", err.msg)
		return
	}
	v.Set(tmp)
}

// lookup finds the field named by the dotted key "section.key", recording a
// problem in p when there is none.
func (h *Hparams) lookup(p *problems, key string) (reflect.Value, bool) {
	section, name, ok := strings.Cut(key, ".")
	if !ok || section == "" || name == "" || strings.Contains(name, ".") {
		p.add(key, "an override key is section.key, such as train.batch_size")
		return reflect.Value{}, false
	}
	top := reflect.ValueOf(h).Elem()
	si, ok := yamlFields(top.Type())[section]
	if !ok {
		p.add(key, "unknown section %q%s", section, suggest(section, "", top.Type()))
		return reflect.Value{}, false
	}
	sv := top.Field(si)
	fi, ok := yamlFields(sv.Type())[name]
	if !ok {
		p.add(key, "unknown key%s", suggest(name, section, sv.Type()))
		return reflect.Value{}, false
	}
	return sv.Field(fi), true
}

// Get returns the value of the dotted key "section.key" formatted as in YAML,
// and whether the key exists.
func (h *Hparams) Get(key string) (string, bool) {
	var p problems
	v, ok := h.lookup(&p, key)
	if !ok {
		return "", false
	}
	return formatValue(v), true
}
