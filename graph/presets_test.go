package graph

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vdvae/configs"
)

// referenceParams reads the parameter names and shapes that the reference
// PyTorch model of a preset has (testdata/reference/NAME.params.txt.gz).
func referenceParams(t *testing.T, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "reference", name+".params.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		name, shape, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		out[name] = shape
	}
	return out
}

func shapeString(s Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// TestPresetsMatchReference builds every reference preset and compares its
// parameter count, names and shapes with the reference model's, and the
// forward multiply-adds where the reference's were measured.
func TestPresetsMatchReference(t *testing.T) {
	var counts map[string]int
	readJSON(t, "params.json", &counts)
	var macs map[string]int64
	readJSON(t, "macs.json", &macs)
	if len(counts) != 20 {
		t.Fatalf("want 20 reference presets, got %d", len(counts))
	}
	for name, want := range counts {
		h, err := configs.Load(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := BuildModel(h, false)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := m.Graph.NumParams(); got != want {
			t.Errorf("%s: %d parameters, reference %d", name, got, want)
		}
		ref := referenceParams(t, name)
		if len(ref) != len(m.Graph.Params) {
			t.Errorf("%s: %d parameter tensors, reference %d", name, len(m.Graph.Params), len(ref))
		}
		for _, p := range m.Graph.Params {
			if got := shapeString(p.Shape); ref[p.Name] != got {
				t.Errorf("%s: %s has shape %s, reference %q", name, p.Name, got, ref[p.Name])
			}
		}
		if w, ok := macs[name]; ok {
			if got := TotalMACs(Costs(m.Graph)); got != w {
				t.Errorf("%s: %d MACs per image, reference %d", name, got, w)
			}
		}
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "reference", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
