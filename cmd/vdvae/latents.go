package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"vdvae/graph"
	"vdvae/infer"
	"vdvae/internal/imageio"
	"vdvae/internal/npy"
	"vdvae/train"
)

func divStatsCommand() *cli.Command {
	return &cli.Command{
		Name:  "div-stats",
		Usage: "average KL of every latent variate over part of the training set (.npy)",
		Description: "Saves a float32 array (latent groups, variates) of KL rates in bits, averaged\n" +
			"over each variate's positions and over the images, as numpy's .npy. Masked\n" +
			"reconstruction and encoding rank variates by it.",
		Flags: inferFlags(dataDirFlag,
			&cli.StringFlag{Name: "split", Value: "train", Usage: "`split` to average over"},
			&cli.Float64Flag{Name: "fraction", Usage: "fraction in (0, 1] of the split to use",
				DefaultText: "synthesis.div_stats_subset_ratio"},
			&cli.StringFlag{Name: "out", Usage: "output `file` (default: <run>/latents/div_stats.npy)"},
		),
		Action: divStatsAction,
	}
}

func divStatsAction(c *cli.Context) error {
	s, err := openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	h := s.h
	frac, err := unitFlag(c, "fraction", h.Synthesis.DivStatsSubsetRatio)
	if err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = s.defaultPath("latents", "div_stats.npy")
	}
	if err := outFile("out", out); err != nil {
		return err
	}
	m, ex, err := s.model(graph.Options{Mode: graph.ModeEval}, klVariateOutputs(h)...)
	if err != nil {
		return err
	}
	split := c.String("split")
	ds, dir, err := infer.LoadSplit(h, c.String("data-dir"), split)
	if err != nil {
		return inputOr(err)
	}
	limit := max(1, int(math.Round(float64(ds.Len())*frac)))
	fmt.Fprintf(s.out, "div-stats over %d of %d %s images from %s\n", limit, ds.Len(), split, dir)
	opt := infer.DivStatsOptions{Batch: s.batch, Limit: limit, Seed: s.seed}
	if bar := progress(c, "div-stats"); bar != nil {
		opt.Progress = func(done, total int) { bar(done, total, "") }
	}
	ctx, stop := signalContext(c)
	defer stop()
	stats, err := infer.DivStats(ctx, m, ex, ds, opt)
	noteSkipped(c.App.ErrWriter, split, ds)
	if err != nil {
		return inputOr(err)
	}
	if err := npy.WriteNPYFile(out, infer.DivStatsArray(stats)); err != nil {
		return err
	}
	for g, st := range stats {
		var sum, top float64
		active := 0
		for _, v := range st {
			sum += v
			top = max(top, v)
			if v > 0.01 {
				active++
			}
		}
		fmt.Fprintf(s.out, "  group %d (%s): mean %.4f bits, max %.4f, %d/%d variates above 0.01\n",
			g, m.Groups[g].Path, sum/float64(len(st)), top, active, len(st))
	}
	fmt.Fprintf(s.out, "div-stats written to %s\n", out)
	return nil
}

func klVariateOutputs(h *hparams) []string {
	var out []string
	for i := range h.Model.NumLatentGroups() {
		out = append(out, graph.KLVariatesName(i))
	}
	return out
}

func encodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "encode",
		Usage: "posterior mean and std of the kept variates of every image (.npz)",
		Description: "Encodes --split (default train) into a NumPy .npz archive holding, per latent\n" +
			"group, the posterior mean and std of the variates kept by the div-stats\n" +
			"--quantile, with every image's identifier (format in the README). vdvae decode\n" +
			"turns it back into images.",
		Flags: inferFlags(dataDirFlag,
			&cli.StringFlag{Name: "split", Value: "train", Usage: "`split` to encode"},
			&cli.IntFlag{Name: "limit", Usage: "encode only the first `n` images (0: all)"},
			&cli.Float64Flag{Name: "quantile", Usage: "keep the top `q` in (0, 1] of variates",
				DefaultText: "synthesis.variate_masks_quantile"},
			&cli.StringFlag{Name: "div-stats", Usage: "div-stats `file` (default: <run>/latents/div_stats.npy)"},
			&cli.StringFlag{Name: "out", Usage: "output `file` (default: " +
				"<run>/latents/encodings_<split>_seed_<seed>.npz)"},
		),
		Action: encodeAction,
	}
}

func encodeAction(c *cli.Context) error {
	if c.Int("limit") < 0 {
		return usage(fmt.Errorf("--limit must be 0 (all) or more, not %d", c.Int("limit")))
	}
	s, err := openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	h := s.h
	q, err := unitFlag(c, "quantile", h.Synthesis.VariateMasksQuantile)
	if err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = s.defaultPath("latents", fmt.Sprintf("encodings_%s_seed_%d.npz", c.String("split"), s.seed))
	}
	if err := outFile("out", out); err != nil {
		return err
	}
	var outs []string
	for i := range h.Model.NumLatentGroups() {
		outs = append(outs, graph.PostMeanName(i), graph.PostStdName(i))
	}
	m, ex, err := s.model(graph.Options{Mode: graph.ModeEval, Masked: true}, outs...)
	if err != nil {
		return err
	}
	masks, err := s.masks(m, q)
	if err != nil {
		return err
	}
	split := c.String("split")
	ds, dir, err := infer.LoadSplit(h, c.String("data-dir"), split)
	if err != nil {
		return inputOr(err)
	}
	fmt.Fprintf(s.out, "encoding %s images from %s\n", split, dir)
	opt := infer.EncodeOptions{Batch: s.batch, Limit: c.Int("limit"), Seed: s.seed, Quantile: q,
		Masks: masks, Split: split, Weights: weightsName(s.run), Step: s.run.Step}
	if bar := progress(c, "encode"); bar != nil {
		opt.Progress = func(done, total int) { bar(done, total, "") }
	}
	ctx, stop := signalContext(c)
	defer stop()
	arrays, err := infer.Encode(ctx, m, ex, ds, opt)
	noteSkipped(c.App.ErrWriter, split, ds)
	if err != nil {
		return inputOr(err)
	}
	if err := npy.WriteNPZFile(out, arrays); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "encodings of %d images written to %s\n", len(arrays[0].Data.([]string)), out)
	return nil
}

func decodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "decode",
		Usage: "turn an encoding file (vdvae encode) back into images",
		Description: "Decodes every image of --in with the run's model: kept variates from the\n" +
			"stored posterior, the others from the prior, with the noise of the encoding's seed,\n" +
			"so the images equal vdvae reconstruct's masked reconstructions of the same images.",
		Flags: inferFlags(outTempFlag, meanFlag,
			&cli.StringFlag{Name: "in", Usage: "encoding `file` (.npz from vdvae encode)"},
			&cli.StringFlag{Name: "out", Usage: "output `dir` (default: <run>/decoded)"},
		),
		Action: decodeAction,
	}
}

func decodeAction(c *cli.Context) error {
	if c.String("in") == "" {
		return usage(fmt.Errorf("decode needs --in FILE, an encoding made by vdvae encode"))
	}
	s, err := openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	if c.IsSet("seed") {
		return usage(fmt.Errorf("--seed: decode uses the seed stored in the encoding file"))
	}
	h := s.h
	temp, err := s.outputTemperature()
	if err != nil {
		return err
	}
	m, ex, err := s.model(graph.Options{Mode: graph.ModeDecode}, graph.OutLogits)
	if err != nil {
		return err
	}
	enc, err := infer.ReadEncoding(c.String("in"), m)
	if err != nil {
		return inputOr(err)
	}
	if w := weightsName(s.run); enc.Step >= 0 && (enc.Weights != w || enc.Step != s.run.Step) {
		fmt.Fprintf(c.App.ErrWriter, "note: %s was encoded with the %s weights of step %d; decoding "+
			"with the %s weights of step %d gives other images than its masked reconstructions\n",
			c.String("in"), enc.Weights, enc.Step, w, s.run.Step)
	}
	out := c.String("out")
	if out == "" {
		out = s.defaultPath("decoded")
	}
	if err := outDir("out", out); err != nil {
		return err
	}
	if !c.IsSet("out") {
		// The default folder holds one decoding at a time.
		if err := cleanStale(s.out, out, "*.png"); err != nil {
			return err
		}
	}
	names := pngNames(enc.IDs)
	opt := infer.DecodeOptions{Batch: s.batch, OutputTemperature: temp, Mean: c.Bool("mean"),
		Images: func(first int, b *train.Images) error {
			imgs, err := infer.ToImages(h, b)
			if err != nil {
				return err
			}
			for i, im := range imgs {
				if err := imageio.WritePNG(filepath.Join(out, names[first+i]), im); err != nil {
					return err
				}
			}
			return nil
		}}
	if bar := progress(c, "decode"); bar != nil {
		opt.Progress = func(done, total int) { bar(done, total, "") }
	}
	ctx, stop := signalContext(c)
	defer stop()
	if err := infer.Decode(ctx, m, ex, enc, opt); err != nil {
		return inputOr(err)
	}
	fmt.Fprintf(s.out, "%d images decoded into %s\n", len(enc.IDs), out)
	return nil
}

// weightsName is "ema" or "raw".
func weightsName(r *infer.Run) string {
	if r.EMA {
		return "ema"
	}
	return "raw"
}

// pngNames names the decoded image of each id: ID.png, or for an id that
// is an image file name (encodings of image folders) the name with its
// extension replaced, unless two ids would then collide.
func pngNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		ext := strings.ToLower(filepath.Ext(id))
		name := id + ".png"
		if ext == ".png" || ext == ".jpg" || ext == ".jpeg" {
			name = strings.TrimSuffix(id, filepath.Ext(id)) + ".png"
		}
		out[i] = name
	}
	count := map[string]int{}
	for _, n := range out {
		count[n]++
	}
	for i, n := range out {
		if count[n] > 1 {
			out[i] = ids[i] + ".png"
		}
	}
	return out
}

// unitFlag is the value of a flag in (0, 1], def when it is not given.
func unitFlag(c *cli.Context, flag string, def float64) (float64, error) {
	v := def
	if c.IsSet(flag) {
		v = c.Float64(flag)
	}
	if !(v > 0 && v <= 1) {
		return 0, usage(fmt.Errorf("--%s %g is outside (0, 1]", flag, v))
	}
	return v, nil
}
