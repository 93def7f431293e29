package ort

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"vdvae/codegen/onnx"
	"vdvae/graph"
)

// smallModel is y = tanh(x * scale) + b over x of shape (N, 2, 3) and b of
// shape (N, 1, 1), plus x2 = 2x.
func smallModel(t *testing.T) []byte {
	t.Helper()
	b := graph.NewBuilder()
	x := b.Input("x", graph.Shape{graph.Batch, 2, 3})
	bias := b.Input("b", graph.Shape{graph.Batch, 1, 1})
	p := b.Param("scale", graph.Shape{1, 2, 1}, graph.Param{})
	b.Output("y", b.Add(b.Unary(graph.FnTanh, 0, b.Mul(x, p)), bias))
	b.Output("x2", b.Unary(graph.FnScale, 2, x))
	data, err := onnx.Export(b.Graph(), nil, map[string][]float32{"scale": {0.5, -1}}, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// smallSession opens smallModel from a file.
func smallSession(t *testing.T) *Session {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.onnx")
	if err := os.WriteFile(path, smallModel(t), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSessionDescribesModel(t *testing.T) {
	s := smallSession(t)
	var got []string
	for _, ti := range append(s.Inputs(), s.Outputs()...) {
		got = append(got, ti.String())
	}
	want := "x: float32(N,2,3) b: float32(N,1,1) x2: float32(N,2,3) y: float32(N,2,3)"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
	v, path, err := LoadedVersion("")
	if err != nil || !strings.HasPrefix(v, "1.") || path == "" {
		t.Errorf("LoadedVersion: %q %q %v", v, path, err)
	}
	t.Logf("ONNX Runtime %s from %s", v, path)
}

func TestRunSelectsOutputsAndBatch(t *testing.T) {
	s := smallSession(t)
	for _, n := range []int{1, 4} {
		x := make([]float32, n*6)
		b := make([]float32, n)
		for i := range x {
			x[i] = float32(i)
		}
		in := map[string]Tensor{"x": {Shape: []int{n, 2, 3}, Data: x}, "b": {Shape: []int{n, 1, 1}, Data: b}}
		out, err := s.Run(in, []string{"x2"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || len(out["x2"].Data) != n*6 || out["x2"].Data[5] != 10 || out["x2"].Shape[0] != n {
			t.Errorf("batch %d: %+v", n, out)
		}
	}
}

func TestRunChecksInputs(t *testing.T) {
	s := smallSession(t)
	x := Tensor{Shape: []int{2, 2, 3}, Data: make([]float32, 12)}
	b := Tensor{Shape: []int{2, 1, 1}, Data: make([]float32, 2)}
	cases := map[string]struct {
		in   map[string]Tensor
		out  []string
		says string
	}{
		"missing input":  {map[string]Tensor{"x": x}, nil, `input "b" is not fed`},
		"unknown input":  {map[string]Tensor{"x": x, "b": b, "c": b}, nil, `no input "c"`},
		"unknown output": {map[string]Tensor{"x": x, "b": b}, []string{"z"}, `no output "z"`},
		"wrong rank": {map[string]Tensor{"x": {Shape: []int{2, 6}, Data: x.Data}, "b": b}, nil,
			"model wants x: float32(N,2,3)"},
		"wrong dimension": {map[string]Tensor{"x": {Shape: []int{3, 2, 2}, Data: x.Data}, "b": b}, nil,
			"model wants"},
		"batch mismatch": {map[string]Tensor{"x": {Shape: []int{4, 2, 3}, Data: make([]float32, 24)}, "b": b}, nil,
			"N = 2"},
		"short data": {map[string]Tensor{"x": {Shape: x.Shape, Data: x.Data[1:]}, "b": b}, nil,
			"has 11 values, want 12"},
		"zero batch": {map[string]Tensor{"x": {Shape: []int{0, 2, 3}}, "b": b}, nil, "must be positive"},
	}
	for name, c := range cases {
		_, err := s.Run(c.in, c.out)
		if err == nil || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "ort: ") {
			t.Errorf("%s: error %v, want one saying %q", name, err, c.says)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	s := smallSession(t)
	run := func(k int) ([]float32, error) {
		x := make([]float32, 3*6)
		for i := range x {
			x[i] = float32(i*k) / 10
		}
		out, err := s.Run(map[string]Tensor{"x": {Shape: []int{3, 2, 3}, Data: x},
			"b": {Shape: []int{3, 1, 1}, Data: []float32{1, 2, 3}}}, []string{"y"})
		return out["y"].Data, err
	}
	want := make([][]float32, 8)
	for k := range want {
		var err error
		if want[k], err = run(k); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 32)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := run(i % 8)
			if err == nil && maxAbsDiff(got, want[i%8]) != 0 {
				err = errors.New("result differs from the serial run")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsBadModels(t *testing.T) {
	_, err := Open([]byte("not a model"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not a valid ONNX model") {
		t.Errorf("garbage: %v", err)
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing.onnx"), Options{}); err == nil {
		t.Error("missing file opened")
	}
	if _, err := Open(nil, Options{Threads: -1}); err == nil {
		t.Error("negative threads accepted")
	}
}

// TestLibraryLookup checks the order of the places the library is looked
// for and that a library found nowhere gives an error listing them.
func TestLibraryLookup(t *testing.T) {
	t.Setenv(LibEnv, "")
	c := candidates("")
	project := filepath.Join(ProjectLibDir, LibName)
	if len(c) < 2 || c[len(c)-1].path != LibName || !strings.HasSuffix(c[0].path, project) {
		t.Errorf("default candidates %+v", c)
	}
	if c := candidates("/opt/ort/lib.so"); len(c) != 1 || !c[0].must {
		t.Errorf("explicit path candidates %+v", c)
	}
	t.Setenv(LibEnv, "/from/env.so")
	if c := candidates(""); len(c) != 1 || c[0].path != "/from/env.so" || !c[0].must {
		t.Errorf("environment candidates %+v", c)
	}

	t.Setenv(LibEnv, "")
	fail := func(string) error { return errors.New("cannot open shared object file") }
	_, err := firstLoadable(candidates(""), fail)
	if !errors.Is(err, ErrNoLibrary) {
		t.Fatalf("error %v does not wrap ErrNoLibrary", err)
	}
	for _, s := range []string{ProjectLibDir, "system library path", "make deps", LibEnv, Version} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
	// An explicit path that fails is not followed by other places.
	_, err = firstLoadable(candidates("/no/such/libonnxruntime.so"), tryStatOnly)
	if err == nil || strings.Contains(err.Error(), "system library path") ||
		!strings.Contains(err.Error(), "/no/such/libonnxruntime.so: no such file or directory") {
		t.Errorf("explicit path: %v", err)
	}
}

// tryStatOnly fails like tryLoad does for a missing file, without loading.
func tryStatOnly(path string) error {
	_, err := os.Stat(path)
	return errors.Unwrap(err)
}

// TestSecondLibraryRefused: one process holds one ONNX Runtime.
func TestSecondLibraryRefused(t *testing.T) {
	if _, _, err := LoadedVersion(""); err != nil {
		t.Fatal(err)
	}
	_, err := load("/some/other/libonnxruntime.so.1")
	if err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("loading a second library: %v", err)
	}
}

// TestMissingLibraryIsAnError opens a model in a child process whose
// $VDVAE_ORT_LIB names no file: Open must return the error that says
// where it looked, not crash.
func TestMissingLibraryIsAnError(t *testing.T) {
	if os.Getenv("VDVAE_ORT_TEST_CHILD") == "1" {
		_, err := Open(smallModel(t), Options{})
		if err == nil {
			t.Fatal("opened a session without a library")
		}
		t.Log(err)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingLibraryIsAnError$", "-test.v")
	cmd.Env = append(os.Environ(), "VDVAE_ORT_TEST_CHILD=1", LibEnv+"=/nonexistent/libonnxruntime.so.1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, s := range []string{"$" + LibEnv + ": /nonexistent/libonnxruntime.so.1: no such file", "make deps"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("child's error does not say %q:\n%s", s, out)
		}
	}
}

// A truncated copy of the library is refused before it is loaded (loading
// it would crash the process).
func TestCheckELFRefusesTruncatedLibrary(t *testing.T) {
	_, path, err := LoadedVersion("")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkELF(path); err != nil {
		t.Fatalf("the installed library fails the check: %v", err)
	}
	cut := filepath.Join(t.TempDir(), "cut.so")
	if err := os.WriteFile(cut, data[:len(data)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkELF(cut); err == nil {
		t.Error("a truncated library passed the check")
	}
	if err := checkELF(t.TempDir()); err == nil {
		t.Error("a folder passed the check")
	}
}
