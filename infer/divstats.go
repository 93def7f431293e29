package infer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"vdvae/graph"
	"vdvae/internal/npy"
	"vdvae/train/data"
)

// DivStatsOptions configure DivStats.
type DivStatsOptions struct {
	Batch int
	// Limit uses only the first Limit images (0: all).
	Limit int
	Seed  uint64
	// Progress, when set, is called after every batch.
	Progress func(done, total int)
}

// DivStats returns, for every latent group, the average KL of each variate
// in bits, averaged over its spatial positions and over the images of ds,
// as the reference's div_stats mode computes it. m is the evaluator
// (graph.ModeEval, unmasked); ex must compute every KLVariatesName(i).
func DivStats(ctx context.Context, m *graph.Model, ex Executor, ds *data.Dataset,
	opt DivStatsOptions) ([][]float64, error) {
	if opt.Batch < 1 {
		return nil, badInput("batch size %d: want at least 1", opt.Batch)
	}
	it, err := data.NewEvalIter(ds, opt.Batch, opt.Limit)
	if err != nil {
		return nil, err
	}
	f := newFeeds(m, opt.Batch, true, false)
	stats := make([][]float64, len(m.Groups))
	for i, g := range m.Groups {
		stats[i] = make([]float64, g.Variates)
	}
	done := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.next(it)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		out, err := ex.Run(n, f.fill(opt.Seed, done, n))
		if err != nil {
			return nil, err
		}
		for g := range stats {
			kl := out[graph.KLVariatesName(g)]
			V := len(stats[g])
			for i := 0; i < n; i++ {
				for v := 0; v < V; v++ {
					stats[g][v] += float64(kl[i*V+v])
				}
			}
		}
		done += n
		if opt.Progress != nil {
			opt.Progress(done, it.Len())
		}
	}
	if done == 0 {
		return nil, badInput("no images to compute div-stats on")
	}
	for _, s := range stats {
		for v := range s {
			s[v] /= float64(done) * math.Ln2
		}
	}
	return stats, nil
}

// DivStatsArray packs per-group statistics as the reference saves them: a
// float32 array (groups, variates). Models whose groups have different
// numbers of variates get a flat array of every group's values in order.
func DivStatsArray(stats [][]float64) npy.Array {
	var flat []float32
	uniform := true
	for _, s := range stats {
		uniform = uniform && len(s) == len(stats[0])
		for _, v := range s {
			flat = append(flat, float32(v))
		}
	}
	shape := []int{len(flat)}
	if uniform && len(stats) > 0 {
		shape = []int{len(stats), len(stats[0])}
	}
	return npy.Array{Name: "div_stats", Shape: shape, Data: flat}
}

// ReadDivStats reads a div-stats file made for m's groups.
func ReadDivStats(path string, m *graph.Model) ([][]float64, error) {
	a, err := npy.ReadNPYFile(path)
	if errors.Is(err, npy.ErrUnsupported) {
		return nil, badInput("div-stats: %w (a numpy array can be saved as float32 with "+
			"np.save(path, a.astype(np.float32)))", err)
	}
	if err != nil {
		return nil, badInput("div-stats: %w", err)
	}
	flat, ok := a.Data.([]float32)
	if !ok {
		return nil, badInput("div-stats file %s holds %s values, want float32 (made by vdvae div-stats)",
			path, a.DType())
	}
	total := 0
	for _, g := range m.Groups {
		total += g.Variates
	}
	if len(flat) != total {
		return nil, badInput("div-stats file %s has %d values (shape %v), the model has %d variates "+
			"in %d groups: it was made for another model; run vdvae div-stats again", path,
			len(flat), a.Shape, total, len(m.Groups))
	}
	if want := divStatsShape(m); fmt.Sprint(a.Shape) != fmt.Sprint(want) {
		return nil, badInput("div-stats file %s has shape %v, want %v (latent groups, variates) as "+
			"vdvae div-stats writes it", path, a.Shape, want)
	}
	out := make([][]float64, len(m.Groups))
	off := 0
	for i, g := range m.Groups {
		out[i] = make([]float64, g.Variates)
		for v := range out[i] {
			x := float64(flat[off+v])
			if math.IsNaN(x) || math.IsInf(x, 0) || x < -1e-6 {
				return nil, badInput("div-stats file %s holds %g (group %d, variate %d); KL rates are "+
					"finite and not negative", path, x, i, v)
			}
			out[i][v] = x
		}
		off += g.Variates
	}
	return out, nil
}

// divStatsShape is the shape DivStatsArray gives m's statistics.
func divStatsShape(m *graph.Model) []int {
	total, uniform := 0, true
	for _, g := range m.Groups {
		total += g.Variates
		uniform = uniform && g.Variates == m.Groups[0].Variates
	}
	if uniform {
		return []int{len(m.Groups), m.Groups[0].Variates}
	}
	return []int{total}
}

// Masks keeps the variates whose statistic is above the (1 - quantile)
// quantile of all statistics (numpy's default linear interpolation), as the
// reference does; quantile 1 keeps every variate (the reference's strict
// comparison would drop the smallest). It returns one mask per group and
// the number of variates kept.
func Masks(stats [][]float64, quantile float64) ([][]float32, int, error) {
	if !(quantile > 0 && quantile <= 1) {
		return nil, 0, badInput("variate quantile %g is outside (0, 1]", quantile)
	}
	var all []float64
	for _, s := range stats {
		all = append(all, s...)
	}
	if len(all) == 0 {
		return nil, 0, badInput("no variates to mask")
	}
	thresh := npQuantile(all, 1-quantile)
	masks := make([][]float32, len(stats))
	kept := 0
	for g, s := range stats {
		masks[g] = make([]float32, len(s))
		for v, x := range s {
			if quantile == 1 || x > thresh {
				masks[g][v] = 1
				kept++
			}
		}
	}
	return masks, kept, nil
}

// npQuantile is numpy.quantile with linear interpolation.
func npQuantile(values []float64, q float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

// MaskSummary describes how many variates a mask keeps per group.
func MaskSummary(masks [][]float32) string {
	s := ""
	for g, m := range masks {
		k := 0
		for _, v := range m {
			if v != 0 {
				k++
			}
		}
		if g > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d/%d", k, len(m))
	}
	return s
}
