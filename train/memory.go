package train

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
)

// TrainingBytes estimates the memory of training h: the activations and
// gradients of one step at train.batch_size as the runtime plans them, the
// forward activations of one validation batch, and four copies of the
// parameters (weights, EMA and two optimizer moments).
func TrainingBytes(h *configs.Hparams) (int64, error) {
	m, err := graph.BuildModel(h, true)
	if err != nil {
		return 0, err
	}
	outs := map[string]*graph.Value{graph.OutLoss: m.Graph.Outputs[graph.OutLoss]}
	for n, v := range m.Grads {
		outs["grad:"+n] = v
	}
	step, err := runtime.PlanBytes(m.Graph, h.Train.BatchSize, outs)
	if err != nil {
		return 0, err
	}
	eval, err := runtime.PlanBytes(m.Graph, max(1, min(h.Val.BatchSize, h.Val.NSamplesForValidation)),
		map[string]*graph.Value{graph.OutLoss: m.Graph.Outputs[graph.OutLoss]})
	if err != nil {
		return 0, err
	}
	return step + eval + 16*int64(m.Graph.NumParams()), nil
}

// AvailableMemory returns MemAvailable from /proc/meminfo in bytes, or 0
// when it cannot be read.
func AvailableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// ParamsFinite reports whether every weight is a finite number.
func (t *Trainer) ParamsFinite() bool {
	for _, d := range t.Params {
		for _, v := range d {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return false
			}
		}
	}
	return true
}
