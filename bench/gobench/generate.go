package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"vdvae/codegen/onnx"
	"vdvae/configs"
	"vdvae/graph"
	"vdvae/infer"
	"vdvae/runtime"
	"vdvae/runtime/ort"
	"vdvae/train"
)

// timeGenerateGo returns the images per second of generation (prior noise,
// the generator graph, output sampling) through the Go runtime: the median
// over o.genReps batches of o.genBatch after one warm-up batch.
func timeGenerateGo(h *configs.Hparams, w map[string][]float32, o options) (float64, error) {
	m, err := graph.Build(h, graph.Options{Mode: graph.ModeGenerate})
	if err != nil {
		return 0, err
	}
	be, err := runtime.Get("cpu")
	if err != nil {
		return 0, err
	}
	ex, err := infer.NewGoExecutor(m, be, w, []string{graph.OutLogits})
	if err != nil {
		return 0, err
	}
	return timeGenerate(m, ex, o)
}

// timeGenerateORT does the same through ONNX Runtime on the exported
// generator.
func timeGenerateORT(h *configs.Hparams, w map[string][]float32, o options) (float64, error) {
	m, err := graph.Build(h, graph.Options{Mode: graph.ModeGenerate})
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "gobench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "generator.onnx")
	y, err := h.Marshal()
	if err != nil {
		return 0, err
	}
	meta := map[string]string{infer.MetaGraph: infer.KindGenerator, infer.MetaMasked: "false",
		infer.MetaHparams: string(y)}
	err = onnx.WriteFile(path, m.Graph, []string{graph.OutLogits}, w, onnx.Options{Metadata: meta})
	if err != nil {
		return 0, err
	}
	ex, err := infer.OpenONNX(path, h, ort.Options{})
	if err != nil {
		return 0, err
	}
	defer ex.Close()
	return timeGenerate(m, ex, o)
}

func timeGenerate(m *graph.Model, ex infer.Executor, o options) (float64, error) {
	temps := make([]float64, len(m.H.Model.DownStrides))
	for i := range temps {
		temps[i] = 1
	}
	var rates []float64
	for i := 0; i <= o.genReps; i++ {
		t0 := time.Now()
		err := infer.Generate(context.Background(), m, ex, infer.GenOptions{N: o.genBatch,
			Batch: o.genBatch, Seed: uint64(i), Temperatures: temps, OutputTemperature: 1,
			Images: func(int, *train.Images) error { return nil }})
		if err != nil {
			return 0, err
		}
		if i > 0 { // the first batch compiles or plans
			rates = append(rates, float64(o.genBatch)/time.Since(t0).Seconds())
		}
	}
	return median(rates), nil
}
