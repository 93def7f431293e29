package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/train"
)

// dumpEntry locates one tensor in tensors.bin (float32, little endian).
type dumpEntry struct {
	Offset int   `json:"offset"`
	Shape  []int `json:"shape"`
}

// dumpIndex is index.json of a -dump directory: every parameter, the
// input, the posterior noise, and what the Go runtime computed from them.
type dumpIndex struct {
	Step   int                  `json:"step"`
	Params map[string]dumpEntry `json:"params"`
	X      dumpEntry            `json:"x"`
	Eps    []dumpEntry          `json:"eps"`
	Go     struct {
		Loss     float64 `json:"loss"`
		ReconSum float64 `json:"recon_sum"`
		KLSum    float64 `json:"kl_sum"`
		GradNorm float64 `json:"grad_norm"`
	} `json:"go"`
}

// dump runs the first training step's forward and backward pass on the
// initial weights and writes weights, input, noise, loss and gradient norm
// to dir, for bench/torch_vdvae.py --check: the PyTorch model loaded with
// the same values must give the same numbers.
func dump(h *configs.Hparams, dir string) error {
	m, err := graph.BuildModel(h, true)
	if err != nil {
		return err
	}
	be, err := runtime.Get("cpu")
	if err != nil {
		return err
	}
	outs := map[string]*graph.Value{graph.OutLoss: m.Graph.Outputs[graph.OutLoss],
		graph.OutRecon: m.Graph.Outputs[graph.OutRecon], graph.OutKL: m.Graph.Outputs[graph.OutKL]}
	for name, g := range m.Grads {
		outs["grad:"+name] = g
	}
	n := h.Train.BatchSize
	p, err := runtime.Compile(m.Graph, be, n, outs)
	if err != nil {
		return err
	}
	var blob []float32
	add := func(d []float32, shape []int) dumpEntry {
		e := dumpEntry{Offset: len(blob), Shape: shape}
		blob = append(blob, d...)
		return e
	}
	idx := dumpIndex{Step: 1, Params: map[string]dumpEntry{}}
	params := graph.InitParams(m.Graph, uint64(h.Run.Seed))
	for _, prm := range m.Graph.Params {
		idx.Params[prm.Name] = add(params[prm.Name], prm.Shape)
		if err := p.Bind(prm.Name, params[prm.Name]); err != nil {
			return err
		}
	}
	feeds := map[string][]float32{}
	r, c := h.Data.TargetRes, h.Data.Channels
	x := make([]float32, n*c*r*r)
	for i := range x {
		x[i] = pixel(h, i)
	}
	feeds[graph.InX] = x
	idx.X = add(x, []int{n, c, r, r})
	rng := rand.New(rand.NewPCG(7, 11))
	norm := make([]float32, len(m.Groups))
	for i, g := range m.Groups {
		e := make([]float32, n*g.Variates*g.H*g.W)
		for j := range e {
			e[j] = float32(rng.NormFloat64())
		}
		feeds[graph.EpsName(i)] = e
		idx.Eps = append(idx.Eps, add(e, []int{n, g.Variates, g.H, g.W}))
		norm[i] = 1
		if h.Loss.ScaledGamma {
			norm[i] = float32(1 / float64(g.Variates*g.H*g.W))
		}
	}
	nd := float64(n * m.Dims)
	feeds[graph.InLossScales] = []float32{float32(1 / nd), float32(train.KLBeta(&h.Loss, idx.Step) / nd)}
	feeds[graph.InGammaOn] = []float32{0}
	if train.GammaOn(&h.Loss, idx.Step) {
		feeds[graph.InGammaOn][0] = 1
	}
	feeds[graph.InGammaNorm] = norm
	for name, d := range feeds {
		if err := p.Bind(name, d); err != nil {
			return err
		}
	}
	if err := p.Run(); err != nil {
		return err
	}
	idx.Go.Loss = float64(p.Output(graph.OutLoss)[0])
	idx.Go.ReconSum = sum(p.Output(graph.OutRecon))
	idx.Go.KLSum = sum(p.Output(graph.OutKL))
	var grads [][]float32
	for name := range m.Grads {
		grads = append(grads, p.Output("grad:"+name))
	}
	idx.Go.GradNorm = train.GlobalNorm(grads)
	return writeDump(dir, &idx, blob)
}

func sum(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func writeDump(dir string, idx *dumpIndex, blob []float32) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	buf := make([]byte, 4*len(blob))
	for i, v := range blob {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(filepath.Join(dir, "tensors.bin"), buf, 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(idx, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), data, 0o644)
}
