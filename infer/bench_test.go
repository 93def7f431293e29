package infer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"vdvae/codegen/onnx"
	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
	_ "vdvae/runtime/cpu" // registers "cpu"
	"vdvae/runtime/ort"
	"vdvae/train"
)

// BenchmarkGenerate times generation (prior noise, the generator graph and
// output sampling) per runtime, preset and batch size, and reports images
// per second. Weights are random: speed does not depend on them.
//
//	go test -run '^$' -bench Generate ./infer
func BenchmarkGenerate(b *testing.B) {
	for _, preset := range []string{"mnist_cpu", "cifar10_cpu"} {
		h, err := configs.Load(preset, nil)
		if err != nil {
			b.Fatal(err)
		}
		m, err := graph.Build(h, graph.Options{Mode: graph.ModeGenerate})
		if err != nil {
			b.Fatal(err)
		}
		w := graph.InitParams(m.Graph, 1)
		path := filepath.Join(b.TempDir(), preset+".onnx")
		if err := onnx.WriteFile(path, m.Graph, []string{graph.OutLogits}, w, onnx.Options{}); err != nil {
			b.Fatal(err)
		}
		for _, rt := range []string{"go", "ort"} {
			for _, batch := range []int{1, 32, 256} {
				b.Run(fmt.Sprintf("%s/%s/batch=%d", preset, rt, batch), func(b *testing.B) {
					ex := executor(b, rt, m, w, path)
					benchGenerate(b, m, ex, batch)
				})
			}
		}
	}
}

func executor(b *testing.B, rt string, m *graph.Model, w map[string][]float32, path string) Executor {
	if rt == "go" {
		be, err := runtime.Get("cpu")
		if err != nil {
			b.Fatal(err)
		}
		ex, err := NewGoExecutor(m, be, w, []string{graph.OutLogits})
		if err != nil {
			b.Fatal(err)
		}
		return ex
	}
	s, err := ort.OpenFile(path, ort.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return &ONNXModel{Path: path, Model: m, sess: s, Info: &onnx.Info{Inputs: s.Inputs()}}
}

func benchGenerate(b *testing.B, m *graph.Model, ex Executor, batch int) {
	temps := make([]float64, len(m.H.Model.DownStrides))
	for i := range temps {
		temps[i] = 1
	}
	run := func(seed uint64) {
		err := Generate(context.Background(), m, ex, GenOptions{N: batch, Batch: batch, Seed: seed,
			Temperatures: temps, OutputTemperature: 1,
			Images: func(int, *train.Images) error { return nil }})
		if err != nil {
			b.Fatal(err)
		}
	}
	run(0) // warm-up: compiles or plans for this batch size
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(uint64(i + 1))
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "img/s")
}
