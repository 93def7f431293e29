package configs

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// linearName is the one temperature function of the reference.
const linearName = "linear"

// PerLayerTemps returns one temperature per top-down level for a model with
// numLayers levels (len(down_strides); every block of a level samples at its
// level's temperature, as the reference does). Index 0 is the deepest level,
// the first one the top-down pass runs.
//
// A single Value repeats numLayers times. A Linear ramp starts at From on the
// deepest level and moves by (To - From) / numLayers per level, so the
// shallowest level gets From + (To - From) * (numLayers - 1) / numLayers and
// To itself is never reached, exactly as the reference computes it. PerLayer
// must have numLayers entries.
func (t TemperatureSetting) PerLayerTemps(numLayers int) ([]float64, error) {
	if numLayers <= 0 {
		return nil, fmt.Errorf("configs: temperatures for %d levels: need at least one level",
			numLayers)
	}
	temps := make([]float64, numLayers)
	switch {
	case t.PerLayer != nil:
		if len(t.PerLayer) != numLayers {
			return nil, fmt.Errorf("configs: per-level temperature list has %d entries, "+
				"the model has %d top-down levels (len(down_strides)); give one per level",
				len(t.PerLayer), numLayers)
		}
		copy(temps, t.PerLayer)
	case t.Linear:
		slope := (t.To - t.From) / float64(numLayers)
		for i := range temps {
			temps[i] = slope*float64(i) + t.From
		}
	default:
		for i := range temps {
			temps[i] = t.Value
		}
	}
	return temps, nil
}

// String writes the setting as it appears in YAML: 0.8, [linear, 0.7, 0.9] or
// [1, 0.9, ...].
func (t TemperatureSetting) String() string {
	switch {
	case t.PerLayer != nil:
		return formatFloats(t.PerLayer)
	case t.Linear:
		return fmt.Sprintf("[%s, %s, %s]", linearName, formatFloat(t.From), formatFloat(t.To))
	}
	return formatFloat(t.Value)
}

// UnmarshalYAML decodes 0.8, [linear, FROM, TO] or a list of numbers.
func (t *TemperatureSetting) UnmarshalYAML(n *yaml.Node) error {
	v, err := decodeTemperature(n)
	if err != nil {
		return fmt.Errorf("configs: line %d: temperature setting%s: %s",
			err.node.Line, err.path, err.msg)
	}
	*t = v
	return nil
}

// MarshalYAML encodes the setting in the form UnmarshalYAML reads.
func (t TemperatureSetting) MarshalYAML() (any, error) {
	switch {
	case t.PerLayer != nil:
		return t.PerLayer, nil
	case t.Linear:
		return []any{linearName, t.From, t.To}, nil
	}
	return t.Value, nil
}

// decodeTemperature reads one temperature setting from n.
func decodeTemperature(n *yaml.Node) (TemperatureSetting, *valueError) {
	n = resolve(n)
	if f, ok := scalarFloat(n); ok {
		return TemperatureSetting{Value: f}, nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return TemperatureSetting{}, mismatch(n, temperatureType)
	}
	if head := resolve(n.Content[0]); head.Kind == yaml.ScalarNode && head.ShortTag() == "!!str" {
		return decodeLinear(n, head)
	}
	per := make([]float64, len(n.Content))
	for i, item := range n.Content {
		f, ok := scalarFloat(item)
		if !ok {
			return TemperatureSetting{}, &valueError{node: resolve(item),
				path: fmt.Sprintf("[%d]", i),
				msg:  fmt.Sprintf("want a number, got %s", describe(resolve(item)))}
		}
		per[i] = f
	}
	return TemperatureSetting{PerLayer: per}, nil
}

// decodeLinear reads [linear, FROM, TO]; head is the node of its first item.
func decodeLinear(n, head *yaml.Node) (TemperatureSetting, *valueError) {
	if head.Value != linearName {
		return TemperatureSetting{}, &valueError{node: head, msg: fmt.Sprintf(
			"unknown temperature function %q; the one function is %s, as in [linear, 0.7, 0.9]",
			head.Value, linearName)}
	}
	if len(n.Content) != 3 {
		return TemperatureSetting{}, &valueError{node: n, msg: fmt.Sprintf(
			"a linear ramp is [linear, FROM, TO], got %d items", len(n.Content))}
	}
	from, ok1 := scalarFloat(n.Content[1])
	to, ok2 := scalarFloat(n.Content[2])
	if !ok1 || !ok2 {
		return TemperatureSetting{}, &valueError{node: n, msg: fmt.Sprintf(
			"a linear ramp is [linear, FROM, TO] with numbers FROM and TO, got [%s, %s, %s]",
			head.Value, describe(resolve(n.Content[1])), describe(resolve(n.Content[2])))}
	}
	return TemperatureSetting{Linear: true, From: from, To: to}, nil
}

// check reports what is wrong with the setting for a model with numLayers
// top-down levels, or "" when it is usable.
func (t TemperatureSetting) check(numLayers int) string {
	vals := []float64{t.Value}
	switch {
	case t.PerLayer != nil:
		if len(t.PerLayer) != numLayers {
			return fmt.Sprintf("has %d per-level temperatures but the model has %d top-down "+
				"levels (len(down_strides)); give one per level", len(t.PerLayer), numLayers)
		}
		vals = t.PerLayer
	case t.Linear:
		vals = []float64{t.From, t.To}
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Sprintf("temperature %s must be a finite number >= 0", formatFloat(v))
		}
	}
	return ""
}

// formatFloat writes f in the shortest form that reads back exactly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// formatFloats writes a list of floats as a YAML flow list.
func formatFloats(fs []float64) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = formatFloat(f)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
