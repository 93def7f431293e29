package infer

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/npy"
	"vdvae/internal/testhp"
	"vdvae/runtime/ref"
	"vdvae/train"
	"vdvae/train/data"
)

// fixture is a tiny model with random weights and a small data set.
type fixture struct {
	h       *configs.Hparams
	weights map[string][]float32
	ds      *data.Dataset
}

func newFixture(t *testing.T, source string, channels int) *fixture {
	t.Helper()
	h := testhp.Tiny(source, channels)
	m, err := graph.Build(h, graph.Options{Mode: graph.ModeEval})
	if err != nil {
		t.Fatal(err)
	}
	w := graph.InitParams(m.Graph, 7)
	// Perturb every weight so that no zero-initialised path stays silent.
	r := rand.New(rand.NewPCG(3, 4))
	for _, v := range w {
		for i := range v {
			v[i] += float32(0.05 * r.NormFloat64())
		}
	}
	n, c, res := 11, h.Data.Channels, h.Data.TargetRes
	pix := make([]uint8, n*c*res*res)
	for i := range pix {
		pix[i] = uint8(r.IntN(256))
	}
	enc := data.CenteredBits(8)
	if h.Data.IsBinarized() {
		for i := range pix {
			pix[i] = 255 * uint8(pix[i]&1)
		}
		enc = data.Encoding{Mode: data.Unit}
	}
	ds, err := data.NewDataset(pix, [4]int{n, c, res, res}, enc)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, weights: w, ds: ds}
}

func (f *fixture) model(t *testing.T, opt graph.Options) (*graph.Model, *GoExecutor) {
	t.Helper()
	m, err := graph.Build(f.h, opt)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := NewGoExecutor(m, ref.Backend{}, f.weights, m.Graph.OutputNames())
	if err != nil {
		t.Fatal(err)
	}
	return m, ex
}

func allMasks(m *graph.Model, v float32) [][]float32 {
	out := make([][]float32, len(m.Groups))
	for i, g := range m.Groups {
		out[i] = make([]float32, g.Variates)
		for j := range out[i] {
			out[i][j] = v
		}
	}
	return out
}

// recon runs Reconstruct and collects the sampled reconstructions.
func (f *fixture) recon(t *testing.T, masked bool, opt ReconOptions) (*ReconResult, []float32) {
	t.Helper()
	m, ex := f.model(t, graph.Options{Mode: graph.ModeEval, Masked: masked})
	var pix []float32
	opt.Images = func(first int, _, r *train.Images) error {
		if first*r.C*r.H*r.W != len(pix) {
			t.Fatalf("batch starting at %d arrived after %d values", first, len(pix))
		}
		pix = append(pix, r.Pix...)
		return nil
	}
	if opt.OutputTemperature == 0 {
		opt.OutputTemperature = 1
	}
	res, err := Reconstruct(context.Background(), m, ex, f.ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res, pix
}

var sources = []struct {
	source   string
	channels int
}{{"binarized_mnist", 1}, {"cifar-10", 3}, {"fashion_mnist", 1}}

// The evaluator gives the training graph's losses for the same noise.
func TestEvalMatchesTrainingGraph(t *testing.T) {
	for _, s := range sources {
		f := newFixture(t, s.source, s.channels)
		res, _ := f.recon(t, false, ReconOptions{Batch: 4, Seed: 5})
		tr, err := train.NewTrainer(f.h, ref.Backend{})
		if err != nil {
			t.Fatal(err)
		}
		it, err := data.NewEvalIter(f.ds, 4, 0)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := tr.Evaluate(context.Background(), it, f.weights, 5, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !close(res.Recon, ev.Recon, 1e-12) || !close(res.KL, ev.KL, 1e-12) {
			t.Errorf("%s: evaluator recon %v KL %v, training graph %v %v", s.source, res.Recon,
				res.KL, ev.Recon, ev.KL)
		}
	}
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// Results do not depend on the batch size: noise is drawn per image.
func TestReconstructBatchInvariant(t *testing.T) {
	f := newFixture(t, "cifar-10", 3)
	a, pa := f.recon(t, false, ReconOptions{Batch: 3, Seed: 9})
	b, pb := f.recon(t, false, ReconOptions{Batch: 11, Seed: 9})
	if !close(a.NELBO(), b.NELBO(), 1e-6) || !slices.Equal(pa, pb) {
		t.Errorf("batch 3 NELBO %v, batch 11 %v; images equal %v", a.NELBO(), b.NELBO(), slices.Equal(pa, pb))
	}
	c, _ := f.recon(t, false, ReconOptions{Batch: 3, Seed: 10})
	if c.NELBO() == a.NELBO() {
		t.Error("another seed gave the same NELBO")
	}
}

// A mask of ones is the unmasked model; a mask of zeros changes only the
// reconstruction, not the KL (as in the reference).
func TestMasks(t *testing.T) {
	f := newFixture(t, "binarized_mnist", 1)
	m, _ := f.model(t, graph.Options{Mode: graph.ModeEval})
	plain, pp := f.recon(t, false, ReconOptions{Batch: 4, Seed: 2})
	ones, po := f.recon(t, true, ReconOptions{Batch: 4, Seed: 2, Masks: allMasks(m, 1)})
	if plain.Recon != ones.Recon || plain.KL != ones.KL || !slices.Equal(pp, po) {
		t.Errorf("all-ones mask: recon %v KL %v, unmasked %v %v", ones.Recon, ones.KL, plain.Recon, plain.KL)
	}
	zeros, _ := f.recon(t, true, ReconOptions{Batch: 4, Seed: 2, Masks: allMasks(m, 0)})
	if zeros.Recon == plain.Recon {
		t.Error("all-zeros mask did not change the reconstruction")
	}
	if zeros.GroupKL[0] != plain.GroupKL[0] {
		t.Errorf("the first group's KL changed under a mask: %v vs %v", zeros.GroupKL[0], plain.GroupKL[0])
	}
}

// Encoding then decoding gives the masked reconstruction's images.
func TestEncodeDecodeIsMaskedReconstruction(t *testing.T) {
	for _, s := range sources {
		f := newFixture(t, s.source, s.channels)
		me, ee := f.model(t, graph.Options{Mode: graph.ModeEval, Masked: true})
		masks := allMasks(me, 1)
		masks[0][1], masks[2][0] = 0, 0 // prune two variates
		_, want := f.recon(t, true, ReconOptions{Batch: 4, Seed: 6, Masks: masks})

		arrays, err := Encode(context.Background(), me, ee, f.ds, EncodeOptions{Batch: 5, Seed: 6,
			Quantile: 0.5, Masks: masks, Split: "test"})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "enc.npz")
		if err := npy.WriteNPZFile(path, arrays); err != nil {
			t.Fatal(err)
		}
		md, ed := f.model(t, graph.Options{Mode: graph.ModeDecode})
		enc, err := ReadEncoding(path, md)
		if err != nil {
			t.Fatal(err)
		}
		if enc.IDs[3] != "test-00003" || len(enc.IDs) != f.ds.Len() {
			t.Fatalf("ids %v", enc.IDs)
		}
		var got []float32
		err = Decode(context.Background(), md, ed, enc, DecodeOptions{Batch: 2, OutputTemperature: 1,
			Images: func(first int, b *train.Images) error {
				got = append(got, b.Pix...)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(got, want); d != 0 {
			t.Errorf("%s: decoded images differ from masked reconstructions by up to %g", s.source, d)
		}
	}
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// The generator at temperature 1 is the decoder with every variate pruned:
// both sample the prior with the same noise.
func TestGeneratorIsPriorDecoder(t *testing.T) {
	f := newFixture(t, "cifar-10", 3)
	mg, eg := f.model(t, graph.Options{Mode: graph.ModeGenerate})
	var gen []float32
	err := Generate(context.Background(), mg, eg, GenOptions{N: 5, Batch: 2, Seed: 4,
		Temperatures: []float64{1, 1, 1}, OutputTemperature: 1,
		Images: func(_ int, b *train.Images) error { gen = append(gen, b.Pix...); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	md, ed := f.model(t, graph.Options{Mode: graph.ModeDecode})
	enc := &Encoding{Seed: 4, Masks: allMasks(md, 0)}
	for i := range 5 {
		enc.IDs = append(enc.IDs, ImageID("x", i))
		enc.Index = append(enc.Index, int64(i))
	}
	for _, g := range md.Groups {
		z := make([]float32, 5*g.Variates*g.H*g.W)
		enc.Means, enc.Stds = append(enc.Means, z), append(enc.Stds, z)
	}
	var dec []float32
	err = Decode(context.Background(), md, ed, enc, DecodeOptions{Batch: 3, OutputTemperature: 1,
		Images: func(_ int, b *train.Images) error { dec = append(dec, b.Pix...); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(gen, dec); d > 1e-6 {
		t.Errorf("generator and prior decoder differ by %g", d)
	}
	// Temperature changes the samples; the same seed repeats them.
	var again, cold []float32
	for _, run := range []struct {
		temp float64
		dst  *[]float32
	}{{1, &again}, {0.5, &cold}} {
		err := Generate(context.Background(), mg, eg, GenOptions{N: 5, Batch: 5, Seed: 4,
			Temperatures: []float64{run.temp, run.temp, run.temp}, OutputTemperature: 1,
			Images: func(_ int, b *train.Images) error { *run.dst = append(*run.dst, b.Pix...); return nil }})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(again, gen) {
		t.Error("the same seed at another batch size gave other images")
	}
	if slices.Equal(cold, gen) {
		t.Error("temperature 0.5 gave the images of temperature 1")
	}
}

// Per-variate KL averaged over positions sums back to each group's KL.
func TestDivStatsAddUpToGroupKL(t *testing.T) {
	f := newFixture(t, "fashion_mnist", 1)
	m, ex := f.model(t, graph.Options{Mode: graph.ModeEval})
	stats, err := DivStats(context.Background(), m, ex, f.ds, DivStatsOptions{Batch: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := f.recon(t, false, ReconOptions{Batch: 4, Seed: 1})
	for g, s := range stats {
		var sum float64
		for _, v := range s {
			sum += v
		}
		grp := m.Groups[g]
		got := sum * math.Ln2 * float64(grp.H*grp.W)
		if !close(got, res.GroupKL[g], 1e-5) {
			t.Errorf("group %d: div-stats add up to %v nats, the group's KL is %v", g, got, res.GroupKL[g])
		}
	}
	// The saved array reads back.
	path := filepath.Join(t.TempDir(), "div.npy")
	if err := npy.WriteNPYFile(path, DivStatsArray(stats)); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDivStats(path, m)
	if err != nil {
		t.Fatal(err)
	}
	if float32(back[1][2]) != float32(stats[1][2]) {
		t.Errorf("read back %v, wrote %v", back[1][2], stats[1][2])
	}
}

func TestMasksFromQuantile(t *testing.T) {
	stats := [][]float64{{0.1, 5, 0.2}, {3, 0.0, 1}}
	// numpy: np.quantile([0.1,5,0.2,3,0,1], 0.5) = 0.6
	if q := npQuantile([]float64{0.1, 5, 0.2, 3, 0, 1}, 0.5); math.Abs(q-0.6) > 1e-12 {
		t.Errorf("median %v, want 0.6", q)
	}
	masks, kept, err := Masks(stats, 0.5)
	if err != nil || kept != 3 {
		t.Fatalf("kept %d (%v)", kept, err)
	}
	want := [][]float32{{0, 1, 0}, {1, 0, 1}}
	for g := range want {
		if !slices.Equal(masks[g], want[g]) {
			t.Errorf("group %d mask %v, want %v", g, masks[g], want[g])
		}
	}
	if _, kept, _ := Masks(stats, 1); kept != 6 {
		t.Errorf("quantile 1 kept %d of 6", kept)
	}
	for _, q := range []float64{0, -0.1, 1.5, math.NaN()} {
		if _, _, err := Masks(stats, q); err == nil {
			t.Errorf("quantile %v accepted", q)
		}
	}
}
