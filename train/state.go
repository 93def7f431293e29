package train

import (
	"encoding/json"
	"fmt"

	"vdvae/train/checkpoint"
)

// Tensor name prefixes inside a checkpoint.
const (
	prefixModel = "model/"
	prefixEMA   = "ema/"
	prefixM     = "opt_m/"
	prefixV     = "opt_v/"
)

// ckptMeta is the trainer's checkpoint metadata.
type ckptMeta struct {
	Step     int             `json:"step"`
	Skips    int             `json:"skips"`
	OptCount int             `json:"opt_count"`
	Noise    []byte          `json:"noise"`
	Run      json.RawMessage `json:"run"`
	Params   int             `json:"params"`
}

// Snapshot returns a checkpoint of the trainer's state plus the caller's
// run state (any JSON value).
func (t *Trainer) Snapshot(run any) (*checkpoint.Checkpoint, error) {
	noise, err := t.Noise.MarshalBinary()
	if err != nil {
		return nil, err
	}
	rs, err := json.Marshal(run)
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(ckptMeta{Step: t.Step, Skips: t.Skips, OptCount: t.Opt.Count,
		Noise: noise, Run: rs, Params: t.Model.Graph.NumParams()})
	if err != nil {
		return nil, err
	}
	ck := &checkpoint.Checkpoint{Meta: meta}
	for _, p := range t.Model.Graph.Params {
		shape := []int(p.Shape)
		for _, pre := range []string{prefixModel, prefixEMA, prefixM, prefixV} {
			ck.Tensors = append(ck.Tensors, checkpoint.Tensor{Name: pre + p.Name, Shape: shape,
				Data: t.stateOf(pre, p.Name)})
		}
	}
	return ck, nil
}

func (t *Trainer) stateOf(prefix, name string) []float32 {
	switch prefix {
	case prefixModel:
		return t.Params[name]
	case prefixEMA:
		return t.EMA[name]
	case prefixM:
		return t.Opt.M[name]
	}
	return t.Opt.V[name]
}

// Restore loads a checkpoint made by Snapshot into the trainer and decodes
// the caller's run state into run.
func (t *Trainer) Restore(ck *checkpoint.Checkpoint, run any) error {
	var meta ckptMeta
	if err := json.Unmarshal(ck.Meta, &meta); err != nil {
		return fmt.Errorf("checkpoint metadata: %w", err)
	}
	for _, p := range t.Model.Graph.Params {
		for _, pre := range []string{prefixModel, prefixEMA, prefixM, prefixV} {
			src := ck.Tensor(pre + p.Name)
			if src == nil {
				return fmt.Errorf("checkpoint lacks %s%s: it was made by another model", pre, p.Name)
			}
			dst := t.stateOf(pre, p.Name)
			if len(src.Data) != len(dst) {
				return fmt.Errorf("checkpoint tensor %s%s has %d values, the model wants %d: "+
					"it was made by another model", pre, p.Name, len(src.Data), len(dst))
			}
			copy(dst, src.Data)
		}
	}
	if err := t.Noise.UnmarshalBinary(meta.Noise); err != nil {
		return fmt.Errorf("checkpoint noise state: %w", err)
	}
	t.Step, t.Skips, t.Opt.Count = meta.Step, meta.Skips, meta.OptCount
	if run != nil && len(meta.Run) > 0 {
		return json.Unmarshal(meta.Run, run)
	}
	return nil
}
