package train

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"vdvae/configs"
	"vdvae/runtime"
	_ "vdvae/runtime/cpu"
)

// BenchmarkTrainStep measures one training step of a preset on the cpu
// backend; VDVAE_PRESET picks the preset (default mnist_cpu) and
// VDVAE_PROFILE=1 prints the time per op kind.
func BenchmarkTrainStep(b *testing.B) {
	name := os.Getenv("VDVAE_PRESET")
	if name == "" {
		name = "mnist_cpu"
	}
	h, err := configs.Load(name, nil)
	if err != nil {
		b.Fatal(err)
	}
	be, _ := runtime.Get("cpu")
	tr, err := NewTrainer(h, be)
	if err != nil {
		b.Fatal(err)
	}
	for i := range tr.X() {
		tr.X()[i] = float32(i % 2)
	}
	if _, err := tr.TrainStep(); err != nil { // warm-up
		b.Fatal(err)
	}
	prof := os.Getenv("VDVAE_PROFILE") != ""
	if prof {
		tr.train.Profile = map[string]time.Duration{}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if prof {
		type kv struct {
			k string
			v time.Duration
		}
		var rows []kv
		var total time.Duration
		for k, v := range tr.train.Profile {
			rows = append(rows, kv{k, v})
			total += v
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].v > rows[j].v })
		for _, r := range rows {
			fmt.Printf("%-24s %8.1f ms/step %5.1f%%\n", r.k, float64(r.v.Microseconds())/1e3/float64(b.N),
				100*float64(r.v)/float64(total))
		}
	}
}
