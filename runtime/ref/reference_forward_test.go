package ref

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/train/checkpoint"
)

// Golden files of the reference forward pass, in testdata/reference/forward:
// CASE.vdck holds the weights ("model/" + parameter name), the input "x" and
// the posterior noise "eps.i" of every latent group, with the hparams YAML in
// its metadata; CASE.json holds what the reference PyTorch implementation
// computes from them: its own loss code run on its model with that noise
// substituted for its posterior sampling. The files are produced by scripts
// kept outside the repository, as the reference's code is not part of it.

// refTol is the largest relative difference allowed between our numbers and
// the reference's float32 run.
const refTol = 1e-4

// refMeta is the metadata of a golden checkpoint.
type refMeta struct {
	Case    string `json:"case"`
	Batch   int    `json:"batch"`
	Hparams string `json:"hparams"`
}

// refRun is what one reference forward pass computed, in nats.
type refRun struct {
	Recon []float64   `json:"recon"` // per image
	KL    [][]float64 `json:"kl"`    // per image, per latent group
	// TotalLoss is total_generator_loss with beta 1 and no gamma
	// balancing; TotalLossGamma is the same with gamma balancing on.
	TotalLoss      float64 `json:"total_generator_loss"`
	TotalLossGamma float64 `json:"total_generator_loss_gamma"`
}

// refGolden is a CASE.json file: the reference run in float32 (as it
// trains) and, for diagnosis, the same run in float64.
type refGolden struct {
	Torch   string `json:"torch_version"`
	Float32 refRun `json:"float32"`
	Float64 refRun `json:"float64"`
}

// ourRun is our model's forward pass on a golden checkpoint.
type ourRun struct {
	recon, kl        []float32
	loss, lossGamma  float64
	batch, numGroups int
}

// TestReferenceForward checks that our graph computes the reference's
// per-image reconstruction NLL, per-image KL of each latent group and
// training loss for the same weights, input and noise.
func TestReferenceForward(t *testing.T) {
	for _, name := range []string{"bernoulli", "mol", "mol_logstd_residual_kxk"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", "reference", "forward")
			ck, err := checkpoint.Load(filepath.Join(dir, name+".vdck"))
			if err != nil {
				t.Fatal(err)
			}
			var want refGolden
			readJSON(t, filepath.Join(dir, name+".json"), &want)
			got := runGolden(t, ck)
			t.Logf("reference: torch %s", want.Torch)
			compareRun(t, got, &want.Float32, "float32", refTol)
			// Informative only: the distance to the float64 run.
			compareRun(t, got, &want.Float64, "float64", math.Inf(1))
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// runGolden rebuilds the model stored in ck and runs it twice on the ref
// backend: with gamma balancing off and on. Both losses use the reference's
// scaling: sums over the batch divided by batch * effective pixels, and
// scaled gamma, which normalises each group's KL by its element count.
func runGolden(t *testing.T, ck *checkpoint.Checkpoint) *ourRun {
	t.Helper()
	var meta refMeta
	if err := json.Unmarshal(ck.Meta, &meta); err != nil {
		t.Fatal(err)
	}
	h, err := configs.Parse(meta.Case+".yaml", []byte(meta.Hparams))
	if err != nil {
		t.Fatal(err)
	}
	m, err := graph.BuildModel(h, false)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]*graph.Value{}
	for _, n := range []string{graph.OutLoss, graph.OutRecon, graph.OutKL} {
		outs[n] = m.Graph.Outputs[n]
	}
	p, err := runtime.Compile(m.Graph, Backend{}, meta.Batch, outs)
	if err != nil {
		t.Fatal(err)
	}
	bindGolden(t, p, m, ck)
	L := len(m.Groups)
	norm := make([]float32, L)
	for i, g := range m.Groups {
		norm[i] = float32(1 / float64(g.Variates*g.H*g.W))
	}
	scale := float32(1 / float64(meta.Batch*m.Dims))
	mustBind(t, p, graph.InLossScales, []float32{scale, scale})
	mustBind(t, p, graph.InGammaNorm, norm)
	r := &ourRun{batch: meta.Batch, numGroups: L}
	for _, on := range []float32{0, 1} {
		mustBind(t, p, graph.InGammaOn, []float32{on})
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		if on == 0 {
			r.loss = float64(p.Output(graph.OutLoss)[0])
		} else {
			r.lossGamma = float64(p.Output(graph.OutLoss)[0])
		}
	}
	r.recon = p.Output(graph.OutRecon)
	r.kl = p.Output(graph.OutKL)
	return r
}

// bindGolden binds every parameter, the input and the noise from ck,
// checking that the checkpoint holds exactly what the model needs.
func bindGolden(t *testing.T, p *runtime.Program, m *graph.Model, ck *checkpoint.Checkpoint) {
	t.Helper()
	need := map[string]bool{graph.InX: true}
	for _, q := range m.Graph.Params {
		need[q.Name] = true
	}
	for i := range m.Groups {
		need[graph.EpsName(i)] = true
	}
	for _, tn := range ck.Tensors {
		name := strings.TrimPrefix(tn.Name, "model/")
		if !need[name] {
			t.Fatalf("checkpoint tensor %q is not a model input", tn.Name)
		}
		delete(need, name)
		mustBind(t, p, name, tn.Data)
	}
	for name := range need {
		t.Fatalf("checkpoint lacks %q", name)
	}
}

// compareRun checks got against one reference run, logging the largest
// relative difference of each quantity and failing above tol.
func compareRun(t *testing.T, got *ourRun, want *refRun, label string, tol float64) {
	t.Helper()
	if len(want.Recon) != got.batch || len(want.KL) != got.batch {
		t.Fatalf("%s: reference has %d images, we have %d", label, len(want.Recon), got.batch)
	}
	var maxRecon, maxKL float64
	for n := 0; n < got.batch; n++ {
		d := relDiff(float64(got.recon[n]), want.Recon[n])
		maxRecon = math.Max(maxRecon, d)
		if d > tol {
			t.Errorf("%s: image %d: recon %.9g, reference %.9g (rel %.2g)",
				label, n, got.recon[n], want.Recon[n], d)
		}
		if len(want.KL[n]) != got.numGroups {
			t.Fatalf("%s: reference has %d groups, we have %d", label, len(want.KL[n]), got.numGroups)
		}
		for g, w := range want.KL[n] {
			d := relDiff(float64(got.kl[n*got.numGroups+g]), w)
			maxKL = math.Max(maxKL, d)
			if d > tol {
				t.Errorf("%s: image %d group %d: KL %.9g, reference %.9g (rel %.2g)",
					label, n, g, got.kl[n*got.numGroups+g], w, d)
			}
		}
	}
	dLoss := relDiff(got.loss, want.TotalLoss)
	dGamma := relDiff(got.lossGamma, want.TotalLossGamma)
	if dLoss > tol || dGamma > tol {
		t.Errorf("%s: loss %.9g / with gamma %.9g, reference %.9g / %.9g",
			label, got.loss, got.lossGamma, want.TotalLoss, want.TotalLossGamma)
	}
	t.Logf("vs reference %s: max rel diff recon %.2g, KL %.2g, loss %.2g, loss with gamma %.2g",
		label, maxRecon, maxKL, dLoss, dGamma)
}

func relDiff(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-30)
}
