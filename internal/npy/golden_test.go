package npy_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/internal/npy"
)

// goldenArrays are the arrays testdata/gen.py saves with np.save, rebuilt
// in Go. Every file but v2.npy is also what WriteNPY must write.
func goldenArrays() []npy.Array {
	return []npy.Array{
		{Name: "f32_3d", Shape: []int{2, 3, 4}, Data: seqF32(24)},
		{Name: "f32_scalar", Shape: []int{}, Data: []float32{-2.5}},
		{Name: "f32_empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: "f32_special", Shape: []int{7}, Data: specialF32()},
		{Name: "u8", Shape: []int{16}, Data: stepU8(0, 256, 17)},
		{Name: "i64", Shape: []int{2, 3},
			Data: []int64{math.MinInt64, -1, 0, 1, 1<<62 + 3, math.MaxInt64}},
		{Name: "str", Shape: []int{2, 3},
			Data: []string{"a", "héllo", "", "日本語", "🙂x", "tab\tq"}},
		{Name: "v2", Shape: []int{5}, Data: stepU8(0, 5, 1)},
	}
}

// stepU8 returns lo, lo+step, ... below hi as uint8, like np.arange.
func stepU8(lo, hi, step int) []uint8 {
	var out []uint8
	for v := lo; v < hi; v += step {
		out = append(out, uint8(v))
	}
	return out
}

func TestReadNumpyGoldenFiles(t *testing.T) {
	for _, want := range goldenArrays() {
		t.Run(want.Name, func(t *testing.T) {
			path := filepath.Join("testdata", want.Name+".npy")
			got, err := npy.ReadNPYFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, got, want)
		})
	}
}

func TestWriteMatchesNumpyBytes(t *testing.T) {
	for _, a := range goldenArrays() {
		if a.Name == "v2" {
			continue // np.save writes 1.0 here; gen.py forced 2.0
		}
		t.Run(a.Name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", a.Name+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := npy.WriteNPY(&buf, a); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("wrote\n%q\nnp.save wrote\n%q", buf.Bytes(), want)
			}
		})
	}
}

func TestReadNumpyGoldenArchives(t *testing.T) {
	tests := []struct {
		file string
		want []npy.Array
	}{
		{"arrays.npz", []npy.Array{
			{Name: "weights", Shape: []int{2, 2}, Data: []float32{0.5, -1.25, 3, 1e-3}},
			{Name: "steps", Shape: []int{3}, Data: []int64{1, 500, 1500}},
			{Name: "labels", Shape: []int{3}, Data: []string{"cat", "dog", "été"}},
		}},
		{"compressed.npz", []npy.Array{
			{Name: "image", Shape: []int{1, 4, 4}, Data: stepU8(0, 16, 1)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := npy.ReadNPZFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %d arrays, want %d", len(got), len(tt.want))
			}
			for i := range got {
				checkEqual(t, got[i], tt.want[i])
			}
		})
	}
}

func TestReadRejectsNumpyFilesItCannotHold(t *testing.T) {
	tests := []struct {
		file string
		kind error
		want string
	}{
		{"bad_bigendian.npy", npy.ErrUnsupported, `dtype ">f4" is big-endian`},
		{"bad_fortran.npy", npy.ErrUnsupported, "fortran_order is True"},
		{"bad_object.npy", npy.ErrUnsupported, `dtype "|O" is a Python object array`},
		{"bad_float64.npy", npy.ErrUnsupported, `dtype "<f8"; supported are '<f4'`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			_, err := npy.ReadNPYFile(path)
			checkErr(t, err, tt.kind, "npy: "+path+": unsupported: ", tt.want)
		})
	}
}

// checkErr fails unless err has the kind, starts with prefix and holds want.
func checkErr(t *testing.T, err, kind error, prefix, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one holding %q", want)
	}
	if !errors.Is(err, kind) {
		t.Errorf("err = %v, want kind %v", err, kind)
	}
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want prefix %q and %q", err, prefix, want)
	}
}

func TestReadRejectsBrokenFiles(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "f32_3d.npy"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"empty", nil, npy.ErrInvalid, "file ends before the magic string"},
		{"bad magic", []byte("PK\x03\x04 not npy at all"), npy.ErrInvalid, "bad magic"},
		{"truncated data", good[:len(good)-5], npy.ErrInvalid,
			"shape (2, 3, 4) of <f4 needs 96 bytes of data, the file has 91"},
		{"truncated header", good[:40], npy.ErrInvalid, "header of 118 bytes is cut short"},
		{"version 4", withVersion(good, 4), npy.ErrUnsupported, "format version 4.0"},
		{"absurd shape", withShape(good, "(1000000000000, 1000)"), npy.ErrInvalid,
			"needs 4000000000000000 bytes of data, the file has 96"},
		{"overflowing shape", withShape(good, "(4611686018427387904, 4)"), npy.ErrInvalid,
			"more elements than fit in 64 bits"},
		{"negative shape", withShape(good, "(-1, 3)"), npy.ErrInvalid, "shape dimension"},
		{"missing key", bytes.Replace(good, []byte("'fortran_order'"), []byte("'fortran_ordex'"), 1),
			npy.ErrInvalid, `unknown key "fortran_ordex"`},
		{"zero-width strings", bytes.Replace(withShape(good, "(1000000000000000000,)"),
			[]byte("'<f4'"), []byte("'<U0'"), 1), npy.ErrInvalid, "bad string dtype"},
		{"structured", bytes.Replace(good, []byte("'<f4'"), []byte("[('a',"), 1),
			npy.ErrUnsupported, "structured dtype"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "x.npy")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := npy.ReadNPYFile(path)
			checkErr(t, err, tt.kind, "npy: "+path+": ", tt.want)

			// Streams of unknown size must refuse the same files.
			_, err = npy.ReadNPY(onlyReader{bytes.NewReader(tt.data)})
			checkErr(t, err, tt.kind, "npy: ", "")
		})
	}
}

// onlyReader hides every method but Read.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// withVersion returns a copy of a .npy file with another major version.
func withVersion(b []byte, major byte) []byte {
	c := bytes.Clone(b)
	c[6] = major
	return c
}

// withShape returns a copy of a .npy file of shape (2, 3, 4) with another
// shape written over it, the padding adjusted to keep the header length.
func withShape(b []byte, shape string) []byte {
	old := "(2, 3, 4), }"
	s := strings.Replace(string(b), old, shape+", }", 1)
	if d := len(shape) + len(", }") - len(old); d > 0 {
		s = strings.Replace(s, strings.Repeat(" ", d)+"\n", "\n", 1)
	} else {
		s = strings.Replace(s, "\n", strings.Repeat(" ", -d)+"\n", 1)
	}
	return []byte(s)
}

func TestReadNPZRejects(t *testing.T) {
	dir := t.TempDir()
	notZip := filepath.Join(dir, "a.npz")
	if err := os.WriteFile(notZip, []byte("plain text"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := npy.ReadNPZFile(notZip)
	checkErr(t, err, npy.ErrInvalid, "npy: "+notZip+": invalid: ", "not a zip archive")

	// A broken entry is named in the error.
	good, _ := os.ReadFile(filepath.Join("testdata", "arrays.npz"))
	tests := []struct {
		name     string
		old, new string
		kind     error
		want     string
	}{
		{"bad dtype", "'<i8'", "'<f8'", npy.ErrUnsupported, `unsupported: dtype "<f8"`},
		{"bad checksum", "\xdc\x05\x00", "\xdd\x05\x00", npy.ErrInvalid, "invalid: zip: checksum error"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "b.npz")
		broken := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
		if bytes.Equal(broken, good) {
			t.Fatalf("%s: %q is not in arrays.npz", tt.name, tt.old)
		}
		if err := os.WriteFile(path, broken, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = npy.ReadNPZFile(path)
		checkErr(t, err, tt.kind, "npy: "+path+`: entry "steps.npy": `, tt.want)
	}

	_, err = npy.ReadNPZFile(filepath.Join(dir, "missing.npz"))
	if err == nil || !strings.HasPrefix(err.Error(), "npy: open ") {
		t.Errorf("err = %v, want npy: open ...", err)
	}
}
