package configs

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives a Marshal and Parse round trip.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"mnist_cpu", "cifar10_C1", "fashion_mnist_cpu"} {
		data, err := presetFiles.ReadFile(name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("base: mnist_cpu\ntrain:\n  batch_size: 3\n"))
	f.Add([]byte("base: mnist_cpu\nrun: &a\n  name: x\nval: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		_ = h.Validate()
		out, err := h.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("Parse of Marshal output: %v\n%s", err, out)
		}
		if d := Diff(h, back); len(d) != 0 {
			t.Fatalf("round trip changed %v", d)
		}
	})
}
