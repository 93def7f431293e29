package infer

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/internal/npy"
	"vdvae/train"
	"vdvae/train/data"
)

// An encoding file is a NumPy .npz archive (np.load reads it without
// pickle). For N images it holds:
//
//	ids           (N,) str      image identifiers, e.g. "train-00042"
//	index         (N,) int64    each image's index in its split
//	mean.G, std.G (N, H, W, K) float32: the posterior mean and std of the K
//	              kept variates of latent group G (groups with no kept
//	              variate are absent), laid out as the reference's encodings
//	variates.G    (K,) int64    which of group G's variates are kept
//	hparams       () str        the run's hparams as YAML
//	seed          () int64      the seed of the posterior and prior noise
//	quantile      () float32    the div-stats quantile of the masks
//	split         () str        the split the images come from
//	weights, step () str, int64 which weights encoded them (ema or raw) and
//	              the checkpoint's step
//
// The posterior statistics of group G depend on the latents drawn for the
// groups before it, which use the posterior noise of the image's index and
// the seed, with pruned variates taken from the prior; decoding with the
// same seed therefore reproduces the masked reconstruction exactly.

// EncodeOptions configure Encode.
type EncodeOptions struct {
	Batch, Limit int
	Seed         uint64
	Quantile     float64
	Masks        [][]float32
	Split        string
	// Weights ("ema" or "raw") and Step record which weights encoded the
	// images; decode compares them with its own.
	Weights  string
	Step     int
	Progress func(done, total int)
}

// Encode returns the encoding arrays of ds's images. m is the masked
// evaluator; ex must compute PostMeanName(g) and PostStdName(g) of every
// group.
func Encode(ctx context.Context, m *graph.Model, ex Executor, ds *data.Dataset,
	opt EncodeOptions) ([]npy.Array, error) {
	if opt.Batch < 1 {
		return nil, badInput("batch size %d: want at least 1", opt.Batch)
	}
	it, err := data.NewEvalIter(ds, opt.Batch, opt.Limit)
	if err != nil {
		return nil, err
	}
	f := newFeeds(m, opt.Batch, true, true)
	if err := f.setMasks(opt.Masks); err != nil {
		return nil, err
	}
	kept := keptVariates(opt.Masks)
	means := make([][]float32, len(m.Groups))
	stds := make([][]float32, len(m.Groups))
	var ids []string
	var index []int64
	seen := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		first := len(ids)
		n, err := f.next(it)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		out, err := ex.Run(n, f.fill(opt.Seed, first, n))
		if err != nil {
			return nil, err
		}
		for g, grp := range m.Groups {
			means[g] = gatherNHWK(means[g], out[graph.PostMeanName(g)], n, grp, kept[g])
			stds[g] = gatherNHWK(stds[g], out[graph.PostStdName(g)], n, grp, kept[g])
		}
		for i, k := range it.Indices() {
			ids = append(ids, imageID(ds, opt.Split, k, seen))
			index = append(index, int64(first+i))
		}
		if opt.Progress != nil {
			opt.Progress(len(ids), it.Len())
		}
	}
	if len(ids) == 0 {
		return nil, badInput("no images to encode")
	}
	yaml, err := m.H.Marshal()
	if err != nil {
		return nil, err
	}
	arrays := []npy.Array{
		{Name: "ids", Shape: []int{len(ids)}, Data: ids},
		{Name: "index", Shape: []int{len(ids)}, Data: index},
		{Name: "hparams", Data: []string{string(yaml)}},
		{Name: "seed", Data: []int64{int64(opt.Seed)}},
		{Name: "quantile", Data: []float32{float32(opt.Quantile)}},
		{Name: "split", Data: []string{opt.Split}},
		{Name: "weights", Data: []string{opt.Weights}},
		{Name: "step", Data: []int64{int64(opt.Step)}},
	}
	for g, grp := range m.Groups {
		k := len(kept[g])
		if k == 0 {
			continue
		}
		shape := []int{len(ids), grp.H, grp.W, k}
		arrays = append(arrays,
			npy.Array{Name: fmt.Sprintf("mean.%d", g), Shape: shape, Data: means[g]},
			npy.Array{Name: fmt.Sprintf("std.%d", g), Shape: shape, Data: stds[g]},
			npy.Array{Name: fmt.Sprintf("variates.%d", g), Shape: []int{k}, Data: kept[g]})
	}
	return arrays, nil
}

// keptVariates lists the indices of each group's kept variates.
func keptVariates(masks [][]float32) [][]int64 {
	out := make([][]int64, len(masks))
	for g, m := range masks {
		out[g] = []int64{}
		for v, x := range m {
			if x != 0 {
				out[g] = append(out[g], int64(v))
			}
		}
	}
	return out
}

// gatherNHWK appends the kept variates of n images of src (N, V, H, W) to
// dst in (N, H, W, K) order.
func gatherNHWK(dst, src []float32, n int, g graph.LatentGroup, kept []int64) []float32 {
	hw := g.H * g.W
	for i := range n {
		img := src[i*g.Variates*hw:]
		for p := range hw {
			for _, v := range kept {
				dst = append(dst, img[int(v)*hw+p])
			}
		}
	}
	return dst
}

// Encoding is an encoding file read back for decoding.
type Encoding struct {
	IDs   []string
	Index []int64
	Seed  uint64
	// Means and Stds hold, per group, (N, V, H, W) arrays with zeros at
	// pruned variates; Masks the groups' variate masks.
	Means, Stds [][]float32
	Masks       [][]float32
	// Weights and Step say which weights made the encoding ("" and -1 when
	// the file does not say).
	Weights string
	Step    int
}

// ReadEncoding reads an encoding file made for m's model.
func ReadEncoding(path string, m *graph.Model) (*Encoding, error) {
	arrays, err := npy.ReadNPZFile(path)
	if err != nil {
		return nil, badInput("%w; give an .npz file made by vdvae encode", err)
	}
	get := func(name string) (npy.Array, error) {
		a, ok := npy.Find(arrays, name)
		if !ok {
			return a, badInput("%s has no array %q: it is not an encoding made by vdvae encode", path, name)
		}
		return a, nil
	}
	e := &Encoding{}
	find := func(name string) (npy.Array, bool) { return npy.Find(arrays, name) }
	if err := e.readHeader(path, m.H, get, find); err != nil {
		return nil, err
	}
	n := len(e.IDs)
	for g, grp := range m.Groups {
		size := grp.Variates * grp.H * grp.W
		e.Means = append(e.Means, make([]float32, n*size))
		e.Stds = append(e.Stds, make([]float32, n*size))
		e.Masks = append(e.Masks, make([]float32, grp.Variates))
		va, ok := npy.Find(arrays, fmt.Sprintf("variates.%d", g))
		if !ok {
			for _, kind := range []string{"mean", "std"} {
				if _, has := npy.Find(arrays, fmt.Sprintf("%s.%d", kind, g)); has {
					return nil, badInput("%s has %s.%d but no variates.%d saying which variates it holds",
						path, kind, g, g)
				}
			}
			continue // no kept variate in this group
		}
		if err := e.readGroup(path, g, grp, va, get); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Encoding) readHeader(path string, h *configs.Hparams, get func(string) (npy.Array, error),
	find func(string) (npy.Array, bool)) error {
	ha, err := get("hparams")
	if err != nil {
		return err
	}
	hs, ok := ha.Data.([]string)
	if !ok || len(hs) != 1 {
		return badInput("%s: hparams is not one string", path)
	}
	saved, err := configs.Parse(path, []byte(hs[0]))
	if err != nil {
		return badInput("%s: stored hparams: %w", path, err)
	}
	if diff := modelDiff(saved, h); len(diff) > 0 {
		return badInput("%s was encoded by another model; its model and data hparams differ "+
			"from the run's in:\n  %s", path, strings.Join(diff, "\n  "))
	}
	ia, err := get("ids")
	if err != nil {
		return err
	}
	if e.IDs, ok = ia.Data.([]string); !ok || len(ia.Shape) != 1 {
		return badInput("%s: ids must be a 1-d string array", path)
	}
	if len(e.IDs) == 0 {
		return badInput("%s holds no images", path)
	}
	if err := checkIDs(path, e.IDs); err != nil {
		return err
	}
	xa, err := get("index")
	if err != nil {
		return err
	}
	if e.Index, ok = xa.Data.([]int64); !ok || len(e.Index) != len(e.IDs) {
		return badInput("%s: index must be %d int64 values, one per id", path, len(e.IDs))
	}
	for i, x := range e.Index {
		if x < 0 {
			return badInput("%s: index %d is %d; image indices are not negative", path, i, x)
		}
	}
	sa, err := get("seed")
	if err != nil {
		return err
	}
	seed, ok := sa.Data.([]int64)
	if !ok || len(seed) != 1 {
		return badInput("%s: seed must be one int64", path)
	}
	e.Seed = uint64(seed[0])
	e.Step = -1
	if a, ok := find("weights"); ok {
		if w, ok := a.Data.([]string); ok && len(w) == 1 {
			e.Weights = w[0]
		}
	}
	if a, ok := find("step"); ok {
		if st, ok := a.Data.([]int64); ok && len(st) == 1 {
			e.Step = int(st[0])
		}
	}
	return nil
}

// readGroup scatters group g's kept variates into full (N, V, H, W) arrays.
func (e *Encoding) readGroup(path string, g int, grp graph.LatentGroup, va npy.Array,
	get func(string) (npy.Array, error)) error {
	vars, ok := va.Data.([]int64)
	if !ok {
		return badInput("%s: variates.%d must be int64", path, g)
	}
	for _, v := range vars {
		if v < 0 || int(v) >= grp.Variates {
			return badInput("%s: variates.%d names variate %d, group %d has %d", path, g, v, g, grp.Variates)
		}
		e.Masks[g][v] = 1
	}
	n, hw := len(e.IDs), grp.H*grp.W
	want := []int{n, grp.H, grp.W, len(vars)}
	for _, kind := range []string{"mean", "std"} {
		a, err := get(fmt.Sprintf("%s.%d", kind, g))
		if err != nil {
			return err
		}
		src, ok := a.Data.([]float32)
		if !ok || fmt.Sprint(a.Shape) != fmt.Sprint(want) {
			return badInput("%s: %s.%d has shape %v and type %s, want float32 %v", path, kind, g,
				a.Shape, a.DType(), want)
		}
		for j, v := range src {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || (kind == "std" && v < 0) {
				return badInput("%s: %s.%d holds %g at element %d; posterior statistics are finite "+
					"and stds not negative", path, kind, g, v, j)
			}
		}
		dst := e.Means[g]
		if kind == "std" {
			dst = e.Stds[g]
		}
		j := 0
		for i := range n {
			img := dst[i*grp.Variates*hw:]
			for p := range hw {
				for _, v := range vars {
					img[int(v)*hw+p] = src[j]
					j++
				}
			}
		}
	}
	return nil
}

// DecodeOptions configure Decode.
type DecodeOptions struct {
	Batch             int
	OutputTemperature float64
	Mean              bool
	Images            func(first int, imgs *train.Images) error
	Progress          func(done, total int)
}

// Decode turns an encoding back into images with the decoder graph
// (graph.ModeDecode); ex must compute graph.OutLogits. Image i uses the
// noise of its stored index and the encoding's seed.
func Decode(ctx context.Context, m *graph.Model, ex Executor, e *Encoding, opt DecodeOptions) error {
	if opt.Batch < 1 {
		return badInput("batch size %d: want at least 1", opt.Batch)
	}
	batch := min(opt.Batch, len(e.IDs))
	f := newFeeds(m, batch, false, true)
	if err := f.setMasks(e.Masks); err != nil {
		return err
	}
	sampler := &train.Sampler{H: m.H, Temperature: opt.OutputTemperature, Mean: opt.Mean,
		Noise: train.Noise{Seed: e.Seed, Stream: train.StreamOutput}}
	for first := 0; first < len(e.IDs); first += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(batch, len(e.IDs)-first)
		imgs, err := decodeBatch(m, ex, e, f, sampler, first, n)
		if err != nil {
			return err
		}
		if err := opt.Images(first, imgs); err != nil {
			return err
		}
		if opt.Progress != nil {
			opt.Progress(first+n, len(e.IDs))
		}
	}
	return nil
}

// decodeBatch decodes images first..first+n-1 of e. Each image draws the
// noise of its own stored index.
func decodeBatch(m *graph.Model, ex Executor, e *Encoding, f *feeds, s *train.Sampler,
	first, n int) (*train.Images, error) {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = int(e.Index[first+i])
	}
	in := f.fillAt(e.Seed, idx)
	for g, sz := range f.sizes {
		in[graph.PostMeanName(g)] = e.Means[g][first*sz : (first+n)*sz]
		in[graph.PostStdName(g)] = e.Stds[g][first*sz : (first+n)*sz]
	}
	out, err := ex.Run(n, in)
	if err != nil {
		return nil, err
	}
	return s.SampleAt(out[graph.OutLogits], idx), nil
}

// imageID names image k of ds in an encoding: for an image folder, the
// file's path relative to the split's folder with each / replaced by __
// ("dogs/001.png" becomes "dogs__001.png"); else, or when that name cannot
// name a file (see checkIDs) or is taken, ImageID(split, k).
func imageID(ds *data.Dataset, split string, k int, seen map[string]bool) string {
	id := strings.ReplaceAll(ds.ImageName(k), "/", "__")
	if id == "" || seen[id] || checkIDs("", []string{id}) != nil {
		id = ImageID(split, k)
	}
	seen[id] = true
	return id
}

// checkIDs refuses identifiers that cannot name a file of their own: decode
// writes image ID as ID.png.
func checkIDs(path string, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if id == "" || id == "." || id == ".." || len(id) > 200 || strings.ContainsAny(id, "/\\") ||
			strings.ContainsFunc(id, unicode.IsControl) {
			return badInput("%s: image id %d (%q) cannot name a file", path, i, id)
		}
		if seen[id] {
			return badInput("%s: image id %q appears twice", path, id)
		}
		seen[id] = true
	}
	return nil
}
