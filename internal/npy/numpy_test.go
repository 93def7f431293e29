package npy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"vdvae/internal/npy"
)

// checkWithNumpy is run by the python named in $VDVAE_NUMPY. For every
// array of the spec it np.load()s the .npy file and the .npz entry without
// pickle, checks dtype, shape and values (float32 bit for bit), and checks
// the .npy bytes equal what np.save writes for the same array.
const checkWithNumpy = `
import io, json, sys
import numpy as np

spec = json.load(open(sys.argv[1]))

def expected(a):
    if a["dtype"] == "<f4":
        arr = np.array(a["values"], dtype=np.uint32).view(np.float32)
    else:
        arr = np.array(a["values"], dtype=a["dtype"])
    return arr.reshape(a["shape"])

def check(got, want, where):
    assert got.dtype == want.dtype, (where, got.dtype, want.dtype)
    assert got.shape == want.shape, (where, got.shape, want.shape)
    if got.dtype == np.float32:
        got, want = got.view(np.uint32), want.view(np.uint32)
    assert np.array_equal(got, want), (where, got, want)

for a in spec["arrays"]:
    path = spec["dir"] + "/" + a["name"] + ".npy"
    want = expected(a)
    check(np.load(path, allow_pickle=False), want, path)
    buf = io.BytesIO()
    np.save(buf, want)
    assert open(path, "rb").read() == buf.getvalue(), (path, "bytes differ from np.save")

names = [a["name"] for a in spec["arrays"]]
with np.load(spec["npz"], allow_pickle=False) as z:
    assert list(z.keys()) == names, (list(z.keys()), names)
    for a in spec["arrays"]:
        check(z[a["name"]], expected(a), spec["npz"] + ":" + a["name"])
print("numpy", np.__version__, "loaded", len(names), "arrays from .npy and .npz")
`

// numpySpec describes one written array for checkWithNumpy; float32
// values travel as their bits.
type numpySpec struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Values any    `json:"values"`
}

func TestNumpyLoadsWhatWeWrite(t *testing.T) {
	dir := t.TempDir()
	arrays := sampleArrays()
	npz := filepath.Join(dir, "all.npz")
	if err := npy.WriteNPZFile(npz, arrays); err != nil {
		t.Fatal(err)
	}
	specs := make([]numpySpec, len(arrays))
	for i, a := range arrays {
		path := filepath.Join(dir, a.Name+".npy")
		if err := npy.WriteNPYFile(path, a); err != nil {
			t.Fatal(err)
		}
		// The Go reader checks every file, with or without numpy.
		got, err := npy.ReadNPYFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if a.Shape == nil {
			a.Shape = []int{}
		}
		checkEqual(t, got, a)
		specs[i] = numpySpec{a.Name, a.DType(), a.Shape, jsonValues(a.Data)}
	}

	python := os.Getenv("VDVAE_NUMPY")
	if python == "" {
		t.Log("VDVAE_NUMPY is not set: checked the Go reader only; " +
			"set it to a python with numpy to check np.load too")
		return
	}
	runNumpy(t, python, dir, npz, specs)
}

// jsonValues returns data as JSON should carry it: float32 as bits, uint8
// as numbers rather than base64.
func jsonValues(data any) any {
	if u, ok := data.([]uint8); ok {
		out := make([]int, len(u))
		for i, v := range u {
			out[i] = int(v)
		}
		return out
	}
	return comparable(data)
}

// runNumpy writes the spec and runs checkWithNumpy on it.
func runNumpy(t *testing.T, python, dir, npz string, specs []numpySpec) {
	t.Helper()
	spec, err := json.Marshal(map[string]any{"dir": dir, "npz": npz, "arrays": specs})
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specPath, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", checkWithNumpy, specPath).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy check failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
