package configs

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestPerLayerTemps(t *testing.T) {
	tests := []struct {
		name    string
		setting TemperatureSetting
		layers  int
		want    []float64
	}{
		{"single value", TemperatureSetting{Value: 0.8}, 3, []float64{0.8, 0.8, 0.8}},
		// Steps of (0.9 - 0.7) / 4 from the deepest level; 0.9 itself is never
		// reached. The wanted numbers are the reference's, computed in Python.
		{"rising ramp", TemperatureSetting{Linear: true, From: 0.7, To: 0.9}, 4,
			[]float64{0.7, 0.75, 0.8, 0.85}},
		{"falling ramp", TemperatureSetting{Linear: true, From: 1, To: 0.8}, 2,
			[]float64{1, 0.9}},
		{"per level", TemperatureSetting{PerLayer: []float64{1, 0.5}}, 2, []float64{1, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.setting.PerLayerTemps(tt.layers)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("PerLayerTemps(%d) = %v, want %v", tt.layers, got, tt.want)
			}
		})
	}
}

func TestPerLayerTempsErrors(t *testing.T) {
	if _, err := (TemperatureSetting{PerLayer: []float64{1, 1}}).PerLayerTemps(3); err == nil ||
		!strings.Contains(err.Error(), "has 2 entries, the model has 3") {
		t.Errorf("wrong-length list: got %v", err)
	}
	if _, err := (TemperatureSetting{Value: 1}).PerLayerTemps(0); err == nil {
		t.Error("zero levels accepted")
	}
}

// TestPerLayerTempsOfPresets checks a ramp of a reference preset against the
// reference's own numbers for its 23 levels (computed in Python).
func TestPerLayerTempsOfPresets(t *testing.T) {
	h := mustLoad(t, "binarized_mnist_baseline")
	levels := len(h.Model.DownStrides)
	temps, err := h.Synthesis.TemperatureSettings[5].PerLayerTemps(levels) // [linear, 0.9, 0.7]
	if err != nil {
		t.Fatal(err)
	}
	if len(temps) != 23 || temps[0] != 0.9 || temps[1] != 0.891304347826087 ||
		temps[22] != 0.708695652173913 {
		t.Errorf("ramp = %v", temps)
	}
}

func TestTemperatureYAML(t *testing.T) {
	tests := []struct {
		text string
		want TemperatureSetting
	}{
		{"0.8", TemperatureSetting{Value: 0.8}},
		{"1", TemperatureSetting{Value: 1}},
		{"[linear, 0.7, 0.9]", TemperatureSetting{Linear: true, From: 0.7, To: 0.9}},
		{"[1, 0.9, 0.8]", TemperatureSetting{PerLayer: []float64{1, 0.9, 0.8}}},
	}
	for _, tt := range tests {
		var got TemperatureSetting
		if err := yaml.Unmarshal([]byte(tt.text), &got); err != nil {
			t.Errorf("Unmarshal(%q): %v", tt.text, err)
			continue
		}
		if got.String() != tt.want.String() || got.Linear != tt.want.Linear {
			t.Errorf("Unmarshal(%q) = %v, want %v", tt.text, got, tt.want)
		}
		out, err := yaml.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var back TemperatureSetting
		if err := yaml.Unmarshal(out, &back); err != nil || back.String() != got.String() {
			t.Errorf("round trip of %q through %q: %v, %v", tt.text, out, back, err)
		}
	}
	for _, bad := range []string{"hot", "[]", "[linear, a, 1]", "[cubic, 1, 2]", "{a: 1}",
		"[1, x]"} {
		var got TemperatureSetting
		if err := yaml.Unmarshal([]byte(bad), &got); err == nil ||
			!strings.HasPrefix(err.Error(), "configs: line") {
			t.Errorf("Unmarshal(%q) = %v, %v; want a configs error", bad, got, err)
		}
	}
}
