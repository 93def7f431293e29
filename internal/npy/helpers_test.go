package npy_test

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"vdvae/internal/npy"
)

// comparable returns a's data with float32 values replaced by their bits,
// so that NaN and -0 compare exactly.
func comparable(data any) any {
	if f, ok := data.([]float32); ok {
		b := make([]uint32, len(f))
		for i, x := range f {
			b[i] = math.Float32bits(x)
		}
		return b
	}
	return data
}

// checkEqual fails the test unless got and want have the same name, shape,
// dtype and values (float32 compared bit for bit).
func checkEqual(t *testing.T, got, want npy.Array) {
	t.Helper()
	if got.Name != want.Name {
		t.Errorf("name = %q, want %q", got.Name, want.Name)
	}
	if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) || len(got.Shape) != len(want.Shape) {
		t.Errorf("%s: shape = %v, want %v", want.Name, got.Shape, want.Shape)
	}
	if reflect.TypeOf(got.Data) != reflect.TypeOf(want.Data) {
		t.Fatalf("%s: data is %T, want %T", want.Name, got.Data, want.Data)
	}
	g, w := comparable(got.Data), comparable(want.Data)
	if reflect.ValueOf(g).Len() == 0 && reflect.ValueOf(w).Len() == 0 {
		return
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: data = %v, want %v", want.Name, got.Data, want.Data)
	}
}

// f32bits builds a float32 from its bits.
func f32bits(b uint32) float32 { return math.Float32frombits(b) }
