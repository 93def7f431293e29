// Command gobench measures vdvae on the CPU for one preset and prints the
// figures as one JSON object: the median training step time after warm-up,
// the growth of resident memory during training over what the process held
// once the trainer was built, generation images per second through the Go
// runtime (and, with -ort, through ONNX Runtime on the exported graph), and
// the step's achieved GFLOP/s. bench/run.py runs it beside the PyTorch
// model of bench/torch_vdvae.py and prints the comparison; see
// bench/README.md.
//
//	gobench -preset mnist_cpu -batch 32
//	gobench -preset mnist_cpu -hparams /tmp/h.json   # the resolved preset, as JSON
//	gobench -sgemm 2048                               # the sgemm ceiling
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"gopkg.in/yaml.v3"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/runtime/cpu"
	"vdvae/train"
)

func main() {
	var o options
	flag.StringVar(&o.preset, "preset", "mnist_cpu", "preset name or YAML file")
	flag.IntVar(&o.batch, "batch", 0, "training batch size (0: the preset's)")
	flag.IntVar(&o.steps, "steps", 10, "timed training steps")
	flag.IntVar(&o.warmup, "warmup", 2, "untimed training steps first")
	flag.IntVar(&o.genBatch, "gen-batch", 0, "generation batch size (0: the training batch)")
	flag.IntVar(&o.genReps, "gen-reps", 5, "timed generation batches")
	flag.BoolVar(&o.ort, "ort", false, "also time generation through ONNX Runtime")
	flag.BoolVar(&o.profile, "profile", false, "add the time per op kind of a training step")
	hparams := flag.String("hparams", "", "write the resolved hyper-parameters as JSON to this file and exit")
	sgemm := flag.Int("sgemm", 0, "time an n x n x n sgemm through oneDNN and exit")
	flag.StringVar(&o.dump, "dump", "", "write weights, input, noise and the first step's loss to this "+
		"directory (for torch_vdvae.py --check) and exit")
	flag.Parse()
	if err := mainErr(o, *hparams, *sgemm); err != nil {
		fmt.Fprintln(os.Stderr, "gobench:", err)
		os.Exit(1)
	}
}

func mainErr(o options, hparams string, sgemm int) error {
	if sgemm > 0 {
		return emit(measureSgemm(sgemm))
	}
	h, err := configs.Load(o.preset, nil)
	if err != nil {
		return err
	}
	if o.batch > 0 {
		h.Train.BatchSize = o.batch
	}
	if hparams != "" {
		return writeHparams(h, hparams)
	}
	if o.dump != "" {
		return dump(h, o.dump)
	}
	if o.genBatch == 0 {
		o.genBatch = h.Train.BatchSize
	}
	res, err := measure(h, o)
	if err != nil {
		return err
	}
	return emit(res)
}

type options struct {
	preset            string
	batch             int
	steps, warmup     int
	genBatch, genReps int
	ort, profile      bool
	dump              string
}

// result is the JSON object gobench prints. Memory is in MiB, times in ms.
type result struct {
	Runtime     string             `json:"runtime"`
	Preset      string             `json:"preset"`
	Batch       int                `json:"batch"`
	Threads     int                `json:"threads"`
	Params      int                `json:"params"`
	MACsPerImg  int64              `json:"macs_per_image"`
	StepFLOP    float64            `json:"train_flop_per_step"`
	StepMS      []float64          `json:"step_ms_all"`
	StepMedian  float64            `json:"step_ms"`
	GFLOPS      float64            `json:"train_gflops"`
	Loss        float64            `json:"last_loss"`
	RSSBuilt    float64            `json:"rss_built_mib"`
	RSSPeak     float64            `json:"rss_peak_mib"`
	RSSGrowth   float64            `json:"rss_growth_mib"`
	PlannedMiB  float64            `json:"planned_activations_mib"`
	GenBatch    int                `json:"gen_batch"`
	GenImgS     float64            `json:"gen_img_per_s"`
	ORTGenImgS  float64            `json:"ort_gen_img_per_s,omitempty"`
	ORTError    string             `json:"ort_error,omitempty"`
	AllocsStep  float64            `json:"allocs_per_step"`
	ProfileMS   map[string]float64 `json:"profile_ms,omitempty"`
	LoadAverage string             `json:"loadavg"`
}

// stepFLOP is the floating-point work of one training step counted from the
// graph's cost table: forward multiply-adds x 2 FLOP x 3 (the forward pass,
// the gradient of the inputs and the gradient of the weights each cost one
// forward's worth of multiply-adds), x batch.
func stepFLOP(m *graph.Model, batch int) (int64, float64) {
	macs := graph.TotalMACs(graph.Costs(m.Graph))
	return macs, float64(macs) * 2 * 3 * float64(batch)
}

func measure(h *configs.Hparams, o options) (*result, error) {
	be, err := runtime.Get("cpu")
	if err != nil {
		return nil, err
	}
	tr, err := train.NewTrainer(h, be)
	if err != nil {
		return nil, err
	}
	for i := range tr.X() {
		tr.X()[i] = pixel(h, i)
	}
	r := &result{Runtime: "go", Preset: o.preset, Batch: h.Train.BatchSize, Threads: threads(),
		Params: tr.Model.Graph.NumParams(), GenBatch: o.genBatch,
		PlannedMiB: float64(tr.TrainProgramBytes()) / (1 << 20)}
	r.MACsPerImg, r.StepFLOP = stepFLOP(tr.Model, r.Batch)

	// What the process holds once the model, its optimizer state and EMA
	// exist; the peak is counted from here. The optimizer's moments are
	// zeroed by writing, as PyTorch's zeros_like does, so that they are
	// resident here rather than paged in by the first update.
	for _, name := range tr.Names {
		clear(tr.Opt.M[name])
		clear(tr.Opt.V[name])
	}
	debug.FreeOSMemory()
	r.RSSBuilt = rssMiB("VmRSS")
	resetPeak()
	if err := timeSteps(tr, o, r); err != nil {
		return nil, err
	}
	r.RSSPeak = rssMiB("VmHWM")
	r.RSSGrowth = r.RSSPeak - r.RSSBuilt
	r.GFLOPS = r.StepFLOP / (r.StepMedian / 1e3) / 1e9

	if r.GenImgS, err = timeGenerateGo(h, tr.Params, o); err != nil {
		return nil, err
	}
	if o.ort {
		v, err := timeGenerateORT(h, tr.Params, o)
		if err != nil {
			r.ORTError = err.Error()
		}
		r.ORTGenImgS = v
	}
	r.LoadAverage = loadavg()
	return r, nil
}

// pixel is a fixed input image: binary pixels for binarized data, a ramp
// over [-1, 1] otherwise. Step time does not depend on the values.
func pixel(h *configs.Hparams, i int) float32 {
	if h.Data.IsBinarized() {
		return float32((i / 3) % 2)
	}
	return float32(i%255)/127.5 - 1
}

// timeSteps runs the warm-up and timed steps, then measures the allocations
// of one more step and, with -profile, the time per op kind.
func timeSteps(tr *train.Trainer, o options, r *result) error {
	for i := 0; i < o.warmup; i++ {
		if _, err := tr.TrainStep(); err != nil {
			return err
		}
	}
	for i := 0; i < o.steps; i++ {
		t0 := time.Now()
		st, err := tr.TrainStep()
		if err != nil {
			return err
		}
		r.StepMS = append(r.StepMS, float64(time.Since(t0).Microseconds())/1e3)
		r.Loss = st.Loss
	}
	r.StepMedian = median(r.StepMS)
	var stepErr error
	r.AllocsStep = allocsPerRun(func() {
		if _, err := tr.TrainStep(); err != nil {
			stepErr = err
		}
	})
	if stepErr != nil || !o.profile {
		return stepErr
	}
	p := tr.TrainProgram()
	p.Profile = map[string]time.Duration{}
	defer func() { p.Profile = nil }()
	if _, err := tr.TrainStep(); err != nil {
		return err
	}
	r.ProfileMS = map[string]float64{}
	for k, d := range p.Profile {
		r.ProfileMS[k] = float64(d.Microseconds()) / 1e3
	}
	return nil
}

func measureSgemm(n int) *result {
	a := make([]float32, n*n)
	b := make([]float32, n*n)
	c := make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)*0.1, float32(i%5)*0.1
	}
	m := func(d []float32) cpu.Matrix { return cpu.Matrix{Rows: n, Cols: n, Stride: n, Data: d} }
	cpu.Sgemm(false, false, 1, m(a), m(b), 0, m(c)) // warm-up
	var times []float64
	for i := 0; i < 7; i++ {
		t0 := time.Now()
		cpu.Sgemm(false, false, 1, m(a), m(b), 0, m(c))
		times = append(times, time.Since(t0).Seconds())
	}
	flop := 2 * float64(n) * float64(n) * float64(n)
	return &result{Runtime: "sgemm", Preset: fmt.Sprintf("%dx%dx%d", n, n, n), Threads: threads(),
		StepFLOP: flop, StepMedian: median(times) * 1e3, GFLOPS: flop / median(times) / 1e9,
		LoadAverage: loadavg()}
}

func emit(r *result) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeHparams writes h as JSON with the YAML key names, so that the
// PyTorch side builds its model from exactly the hyper-parameters Go uses.
func writeHparams(h *configs.Hparams, path string) error {
	y, err := h.Marshal()
	if err != nil {
		return err
	}
	var m map[string]any
	if err := yaml.Unmarshal(y, &m); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return errors.Join(errors.New("write hparams"), err)
	}
	return nil
}
