package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"

	"vdvae/internal/atomicfile"
)

// metricsWriter appends one JSON object per line to metrics.jsonl:
//
//	{"kind":"train","step":..,"loss":..,"recon_nats":..,"kl_nats":..,
//	 "nelbo_nats":..,"bpd":..,"grad_norm":..,"lr":..,"beta":..,"skipped":..,"skips":..}
//	{"kind":"val","step":..,"images":..,"recon_nats":..,"kl_nats":..,"nelbo_nats":..,
//	 "bpd":..,"group_kl_nats":[..]}
//
// bpd is the NELBO in bits per dimension. Non-finite numbers are written as
// null.
type metricsWriter struct {
	f *os.File
}

// openMetrics opens the metrics file for appending after dropping the
// lines of steps after step, which a resumed run will log again (-1 for a
// run starting afresh). It returns the number of unreadable lines it dropped.
func openMetrics(path string, step int) (*metricsWriter, int, error) {
	dropped, err := truncateMetrics(path, step)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("train: open metrics: %w", err)
	}
	return &metricsWriter{f: f}, dropped, nil
}

// truncateMetrics rewrites path atomically without lines whose step is
// greater than step (a step of -1 drops every line), and without unreadable
// lines such as a torn last line, whose count it returns.
func truncateMetrics(path string, step int) (int, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("train: read metrics: %w", err)
	}
	var keep bytes.Buffer
	dropped := 0
	for _, line := range bytes.Split(old, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec struct {
			Step *int `json:"step"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Step == nil {
			dropped++
			continue
		}
		if *rec.Step > step {
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if keep.Len() == len(old) {
		return dropped, nil
	}
	return dropped, atomicfile.WriteBytes(path, keep.Bytes())
}

func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func bpd(nats float64, dims int) float64 { return nats / (float64(dims) * math.Ln2) }

// write appends one line; each line goes to the file at once, so the file
// is current for tail -f and survives a kill.
func (m *metricsWriter) write(rec map[string]any) {
	b, _ := json.Marshal(rec)
	m.f.Write(append(b, '\n'))
}

func (m *metricsWriter) train(st StepStats, skips, dims int) {
	m.write(map[string]any{"kind": "train", "step": st.Step, "loss": num(st.Loss),
		"recon_nats": num(st.Recon), "kl_nats": num(st.KL), "nelbo_nats": num(st.NELBO()),
		"bpd": num(bpd(st.NELBO(), dims)), "grad_norm": num(st.GradNorm), "lr": st.LR,
		"beta": st.Beta, "skipped": st.Skipped, "skips": skips})
}

func (m *metricsWriter) eval(ev *EvalStats, dims int) {
	g := make([]any, len(ev.GroupKL))
	for i, v := range ev.GroupKL {
		g[i] = num(v)
	}
	m.write(map[string]any{"kind": "val", "step": ev.Step, "images": ev.Images,
		"recon_nats": num(ev.Recon), "kl_nats": num(ev.KL), "nelbo_nats": num(ev.NELBO()),
		"bpd": num(bpd(ev.NELBO(), dims)), "group_kl_nats": g, "ssim": num(ev.SSIM)})
}

// Close closes the file.
func (m *metricsWriter) Close() error { return m.f.Close() }
