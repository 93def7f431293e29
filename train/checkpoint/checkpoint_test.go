package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sample returns a checkpoint with awkward tensors: a scalar, an empty one,
// special float values and a tensor larger than the 64 KiB write buffer.
func sample() *Checkpoint {
	big := make([]float32, 40000)
	for i := range big {
		big[i] = float32(i)*0.25 - 7
	}
	return &Checkpoint{
		Tensors: []Tensor{
			{Name: "top_down.h", Shape: []int{1, 2, 2, 2}, Data: []float32{1, -2, 3.5, 0, 5, 6, 7, 8}},
			{Name: "scalar", Shape: []int{}, Data: []float32{42}},
			{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
			{Name: "special", Shape: []int{4}, Data: []float32{
				float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)),
				math.Float32frombits(0x7fc00001)}},
			{Name: "big", Shape: []int{200, 200}, Data: big},
		},
		Meta: json.RawMessage(`{"step": 1200, "iter": {"seed": "7", "noise": "cGNnOg=="}}`),
	}
}

// saved writes sample() to a temporary file and returns its path.
func saved(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.vdck")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	return path
}

// bitsOf returns the bit patterns of vals, so that NaN payloads and -0
// compare exactly.
func bitsOf(vals []float32) []uint32 {
	out := make([]uint32, len(vals))
	for i, v := range vals {
		out[i] = math.Float32bits(v)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	path := saved(t)
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name || !slices.Equal(g.Shape, w.Shape) ||
			!slices.Equal(bitsOf(g.Data), bitsOf(w.Data)) {
			t.Errorf("tensor %d: got %s %v (%d values), want %s %v", i, g.Name, g.Shape, len(g.Data),
				w.Name, w.Shape)
		}
	}
	var gm, wm any
	json.Unmarshal(got.Meta, &gm)
	json.Unmarshal(want.Meta, &wm)
	if !reflect.DeepEqual(gm, wm) {
		t.Errorf("meta %s, want %s", got.Meta, want.Meta)
	}
	if got.Tensor("scalar") == nil || got.Tensor("nope") != nil {
		t.Error("Tensor lookup is wrong")
	}
}

func TestRoundTripWithoutMeta(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.vdck")
	if err := Save(path, &Checkpoint{}); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(path)
	if err != nil || len(ck.Tensors) != 0 || ck.Meta != nil {
		t.Fatalf("got %+v, %v", ck, err)
	}
}

func TestLayoutIsDocumented(t *testing.T) {
	raw, err := os.ReadFile(saved(t))
	if err != nil {
		t.Fatal(err)
	}
	if string(raw[:8]) != Magic || binary.LittleEndian.Uint32(raw[8:]) != Version {
		t.Fatalf("prefix %q", raw[:12])
	}
	hlen := binary.LittleEndian.Uint32(raw[12:])
	var hdr header
	if err := json.Unmarshal(raw[16:16+hlen], &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr.DataOffset%64 != 0 || hdr.DataOffset+hdr.DataSize+32 != int64(len(raw)) {
		t.Errorf("data offset %d, size %d, file %d", hdr.DataOffset, hdr.DataSize, len(raw))
	}
	// Lazy read of one tensor from its offset.
	e := hdr.Tensors[0]
	at := raw[hdr.DataOffset+e.Offset:]
	if v := math.Float32frombits(binary.LittleEndian.Uint32(at[8:])); v != 3.5 {
		t.Errorf("third value of %s read lazily: %v", e.Name, v)
	}
	sum := sha256.Sum256(raw[:len(raw)-32])
	if !bytes.Equal(sum[:], raw[len(raw)-32:]) {
		t.Error("trailer is not the SHA-256 of the rest")
	}
}

func TestSaveRejectsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		ck   *Checkpoint
		want string
	}{
		{"shape mismatch", &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1}}}}, "shape [2 2]"},
		{"negative dim", &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{-1}, Data: nil}}}, "shape [-1]"},
		{"empty name", &Checkpoint{Tensors: []Tensor{{Shape: []int{1}, Data: []float32{1}}}}, "name"},
		{"repeated name", &Checkpoint{Tensors: []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{1}}}}, `repeated name "a"`},
		{"bad meta", &Checkpoint{Meta: json.RawMessage(`{"step":`)}, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Save(filepath.Join(dir, "x.vdck"), tc.ck)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if des, _ := os.ReadDir(dir); len(des) != 0 {
				t.Errorf("left %d files behind", len(des))
			}
		})
	}
}

// checkCorrupt loads content from a file and wants ErrCorrupt naming it.
func checkCorrupt(t *testing.T, content []byte, want string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.vdck")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name %s or contain %q", err, path, want)
	}
}

func TestLoadTruncated(t *testing.T) {
	raw, _ := os.ReadFile(saved(t))
	for _, n := range []int{0, 7, 15, 16, 40, 100, len(raw) / 2, len(raw) - 32, len(raw) - 1} {
		checkCorrupt(t, raw[:n], "truncated")
	}
}

func TestLoadTrailingBytes(t *testing.T) {
	raw, _ := os.ReadFile(saved(t))
	checkCorrupt(t, append(raw, 0), "bad size")
}

func TestLoadFlippedByteAnywhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.vdck")
	ck := &Checkpoint{
		Tensors: []Tensor{{Name: "w", Shape: []int{3}, Data: []float32{1, 2, 3}}},
		Meta:    json.RawMessage(`{"step":3}`),
	}
	if err := Save(path, ck); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for i := range raw {
		bad := slices.Clone(raw)
		bad[i] ^= 0x10
		checkCorrupt(t, bad, "")
	}
}

func TestLoadWrongMagic(t *testing.T) {
	raw, _ := os.ReadFile(saved(t))
	copy(raw, "NOTACKPT")
	checkCorrupt(t, raw, "bad magic")
}

func TestLoadOtherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.vdck")
	otherVersion(t, path)
	_, err := Load(path)
	if !errors.Is(err, ErrUnsupportedVersion) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrUnsupportedVersion only", err)
	}
	if !strings.Contains(err.Error(), "newer vdvae") {
		t.Errorf("error %q does not say what to do", err)
	}
}

func TestSaveReplacesAtomically(t *testing.T) {
	path := saved(t)
	ck := &Checkpoint{Tensors: []Tensor{{Name: "only", Shape: []int{1}, Data: []float32{9}}}}
	if err := Save(path, ck); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || len(got.Tensors) != 1 || got.Tensors[0].Data[0] != 9 {
		t.Fatalf("got %+v, %v", got, err)
	}
	des, _ := os.ReadDir(filepath.Dir(path))
	if len(des) != 1 {
		t.Errorf("folder holds %d files, want 1", len(des))
	}
}

func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	small := filepath.Join(dir, "seed.vdck")
	ck := &Checkpoint{
		Tensors: []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}},
		Meta:    json.RawMessage(`{"step":1}`),
	}
	if err := Save(small, ck); err != nil {
		f.Fatal(err)
	}
	raw, _ := os.ReadFile(small)
	f.Add(raw)
	f.Add(raw[:40])
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(dir, "fuzz.vdck")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := Load(path)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Errorf("error of unexpected kind: %v", err)
			}
			return
		}
		// Anything that loads must save and load back the same.
		again := filepath.Join(dir, "again.vdck")
		if err := Save(again, ck); err != nil {
			t.Fatalf("save what loaded: %v", err)
		}
		if _, err := Load(again); err != nil {
			t.Fatalf("reload: %v", err)
		}
	})
}
