package npy_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/internal/npy"
)

// sampleArrays covers every dtype and the shapes that need care: 0-d, 1-d,
// empty and several dimensions.
func sampleArrays() []npy.Array {
	return []npy.Array{
		{Name: "f32_3d", Shape: []int{2, 3, 4}, Data: seqF32(24)},
		{Name: "f32_scalar", Shape: []int{}, Data: []float32{-2.5}},
		{Name: "f32_empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: "f32_special", Shape: []int{7}, Data: specialF32()},
		{Name: "u8", Shape: []int{2, 2}, Data: []uint8{0, 1, 128, 255}},
		{Name: "i64", Shape: []int{3}, Data: []int64{math.MinInt64, 0, math.MaxInt64}},
		{Name: "i64_scalar", Shape: nil, Data: []int64{42}},
		{Name: "str", Shape: []int{2, 2}, Data: []string{"a", "héllo", "", "日本語🙂"}},
		{Name: "str_empty", Shape: []int{0}, Data: []string{}},
	}
}

// seqF32 returns float32(i)/7 - 1 for i < n, as numpy computes
// np.arange(n, dtype=np.float32) / np.float32(7) - np.float32(1).
func seqF32(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)/7 - 1
	}
	return out
}

// specialF32 holds 0, -0, +Inf, -Inf, NaN, the smallest subnormal and the
// largest finite float32, as numpy stores them.
func specialF32() []float32 {
	return []float32{0, f32bits(0x80000000), float32(math.Inf(1)), float32(math.Inf(-1)),
		f32bits(0x7fc00000), f32bits(1), math.MaxFloat32}
}

func TestRoundTripEveryDtype(t *testing.T) {
	for _, a := range sampleArrays() {
		t.Run(a.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := npy.WriteNPY(&buf, a); err != nil {
				t.Fatal(err)
			}
			checkLayout(t, buf.Bytes())
			got, err := npy.ReadNPY(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got.Name = a.Name
			if a.Shape == nil {
				a.Shape = []int{}
			}
			checkEqual(t, got, a)
		})
	}
}

// checkLayout checks the header ends in a newline and the data starts at a
// multiple of 64 bytes.
func checkLayout(t *testing.T, b []byte) {
	t.Helper()
	start := 10 + int(binary.LittleEndian.Uint16(b[8:]))
	if b[6] == 2 {
		start = 12 + int(binary.LittleEndian.Uint32(b[8:]))
	}
	if start%64 != 0 || b[start-1] != '\n' {
		t.Errorf("data starts at byte %d after %q, want a multiple of 64 after a newline",
			start, b[start-1])
	}
}

func TestStringWidthIsLongestInCodePoints(t *testing.T) {
	a := npy.Array{Shape: []int{3}, Data: []string{"ab", "日本語🙂", ""}}
	if got := a.DType(); got != "<U4" {
		t.Errorf("DType = %q, want <U4", got)
	}
	if got := (npy.Array{Data: []string{}}).DType(); got != "<U1" {
		t.Errorf("DType of no strings = %q, want <U1 as numpy", got)
	}
}

func TestHugeHeaderUsesVersion2(t *testing.T) {
	shape := make([]int, 25000)
	for i := range shape {
		shape[i] = 1
	}
	a := npy.Array{Shape: shape, Data: []float32{1.5}}
	var buf bytes.Buffer
	if err := npy.WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	if v := buf.Bytes()[6:8]; v[0] != 2 || v[1] != 0 {
		t.Fatalf("version = %d.%d, want 2.0", v[0], v[1])
	}
	checkLayout(t, buf.Bytes())
	got, err := npy.ReadNPY(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, got, a)
}

func TestNPZRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "all.npz")
	want := sampleArrays()
	if err := npy.WriteNPZFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := npy.ReadNPZFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d arrays, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i].Shape == nil {
			want[i].Shape = []int{}
		}
		checkEqual(t, got[i], want[i])
	}
	if a, ok := npy.Find(got, "u8"); !ok || a.Name != "u8" {
		t.Errorf("Find(u8) = %v, %v", a.Name, ok)
	}
	if _, ok := npy.Find(got, "nope"); ok {
		t.Error("Find(nope) found something")
	}
}

func TestNPYFileNameFromPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "div_stats.npy")
	a := npy.Array{Name: "ignored", Shape: []int{2}, Data: []float32{1, 2}}
	if err := npy.WriteNPYFile(path, a); err != nil {
		t.Fatal(err)
	}
	got, err := npy.ReadNPYFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "div_stats"
	checkEqual(t, got, a)
}

func TestWriteRejectsBadArrays(t *testing.T) {
	tests := []struct {
		name string
		a    npy.Array
		want string
	}{
		{"shape mismatch", npy.Array{Name: "x", Shape: []int{2, 3}, Data: []float32{1}},
			`npy: array "x": shape [2 3] holds 6 values, Data has 1`},
		{"nil data", npy.Array{Name: "x", Shape: []int{0}},
			`npy: array "x": field Data is <nil>`},
		{"float64", npy.Array{Name: "x", Shape: []int{1}, Data: []float64{1}},
			`field Data is []float64; want []float32, []uint8, []int64 or []string`},
		{"negative dimension", npy.Array{Name: "x", Shape: []int{-1}, Data: []uint8{}},
			"negative dimension"},
		{"trailing NUL", npy.Array{Name: "x", Shape: []int{1}, Data: []string{"a\x00"}},
			"string 0 ends in NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := npy.WriteNPY(&bytes.Buffer{}, tt.a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWriteNPZRejectsNames(t *testing.T) {
	a := npy.Array{Name: "a", Shape: []int{1}, Data: []uint8{1}}
	noName := npy.Array{Shape: []int{1}, Data: []uint8{1}}
	for _, arrays := range [][]npy.Array{{a, a}, {noName}} {
		if err := npy.WriteNPZ(&bytes.Buffer{}, arrays); err == nil {
			t.Errorf("WriteNPZ(%d arrays named %q, %q...) succeeded", len(arrays),
				arrays[0].Name, arrays[len(arrays)-1].Name)
		}
	}
}

func TestFailedWriteLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "latents.npz")
	good := []npy.Array{{Name: "a", Shape: []int{2}, Data: []int64{1, 2}}}
	if err := npy.WriteNPZFile(path, good); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	bad := []npy.Array{good[0], {Name: "b", Shape: []int{3}, Data: []int64{1}}}
	if err := npy.WriteNPZFile(path, bad); err == nil {
		t.Fatal("writing an invalid array succeeded")
	}
	if err := npy.WriteNPYFile(path, bad[1]); err == nil {
		t.Fatal("writing an invalid array succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the failed write changed the old file")
	}
	checkOnly(t, dir, "latents.npz")
}

func TestWriteFileFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	a := npy.Array{Name: "a", Shape: []int{1}, Data: []uint8{7}}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.npy"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(file, "a.npy"), filepath.Join(dir, "sub.npy")} {
		err := npy.WriteNPYFile(path, a)
		if err == nil || !strings.HasPrefix(err.Error(), "npy: ") {
			t.Errorf("WriteNPYFile(%s) = %v, want an npy error", path, err)
		}
	}
	checkOnly(t, dir, "file", "sub.npy")
}

// checkOnly fails unless dir holds exactly the named entries (no temporary
// files left behind).
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("folder holds %v, want %v", got, names)
	}
}

func TestErrorKinds(t *testing.T) {
	e := &npy.Error{Kind: npy.ErrUnsupported, File: "a.npz", Entry: "x.npy", Msg: "m"}
	if got := e.Error(); got != `npy: a.npz: entry "x.npy": unsupported: m` {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, npy.ErrUnsupported) || errors.Is(e, npy.ErrInvalid) {
		t.Error("errors.Is does not follow Kind")
	}
}
