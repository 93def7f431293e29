package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"vdvae/graph"
	"vdvae/infer"
	"vdvae/train"
)

func reconstructCommand() *cli.Command {
	return &cli.Command{
		Name:  "reconstruct",
		Usage: "NELBO and SSIM on a data split, with reconstructions as PNG files",
		Description: "Encodes and decodes every image of --split (default test) with the run's\n" +
			"EMA weights and reports the NELBO (nats per image for binarized MNIST, bits per\n" +
			"dimension otherwise) and the SSIM. With --quantile Q only the variates ranked\n" +
			"in the top Q by div-stats come from the posterior, the rest from the prior.",
		Flags: inferFlags(append(onnxFlags(), dataDirFlag, outTempFlag, meanFlag,
			&cli.StringFlag{Name: "split", Value: "test", Usage: "`split` to evaluate: test, val or train"},
			&cli.IntFlag{Name: "limit", Usage: "evaluate only the first `n` images (0: all)"},
			&cli.Float64Flag{Name: "quantile", Usage: "masked reconstruction: keep the top `q` in (0, 1] of variates " +
				"by div-stats",
				DefaultText: "no mask"},
			&cli.StringFlag{Name: "div-stats", Usage: "div-stats `file` for --quantile " +
				"(default: <run>/latents/div_stats.npy)"},
			&cli.StringFlag{Name: "out", Usage: "`dir` for the PNG files (default: " +
				"<run>/reconstructions/<split>)"},
			&cli.BoolFlag{Name: "targets", Usage: "also write the target images"},
			&cli.BoolFlag{Name: "no-images", Usage: "write no PNG files"},
			&cli.BoolFlag{Name: "json", Usage: "print the final figures as JSON"},
		)...),
		Action: reconstructAction,
	}
}

func reconstructAction(c *cli.Context) error {
	if c.Int("limit") < 0 {
		return usage(fmt.Errorf("--limit must be 0 (all) or more, not %d", c.Int("limit")))
	}
	masked := c.IsSet("quantile")
	if masked && !(c.Float64("quantile") > 0 && c.Float64("quantile") <= 1) {
		return usage(fmt.Errorf("--quantile %g is outside (0, 1]", c.Float64("quantile")))
	}
	if c.IsSet("div-stats") && !masked {
		return usage(fmt.Errorf("--div-stats is only used with --quantile"))
	}
	s, err := openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	h := s.h
	temp, err := s.outputTemperature()
	if err != nil {
		return err
	}
	m, ex, err := s.model(graph.Options{Mode: graph.ModeEval, Masked: masked},
		graph.OutRecon, graph.OutKL, graph.OutLogits)
	if err != nil {
		return err
	}
	opt := infer.ReconOptions{Batch: s.batch, Limit: c.Int("limit"), Seed: s.seed, OutputTemperature: temp,
		Mean: c.Bool("mean")}
	split := c.String("split")
	if masked {
		if opt.Masks, err = s.masks(m, c.Float64("quantile")); err != nil {
			return err
		}
	}
	ds, dir, err := infer.LoadSplit(h, c.String("data-dir"), split)
	if err != nil {
		return inputOr(err)
	}
	out := ""
	if !c.Bool("no-images") {
		out = c.String("out")
		if out == "" {
			out = s.defaultPath("reconstructions", split)
			if masked {
				out += fmt.Sprintf("-q%g", c.Float64("quantile"))
			}
		}
		if err := outDir("out", out); err != nil {
			return err
		}
		if err := cleanStale(s.out, out, "image-*.png", "target-*.png"); err != nil {
			return err
		}
		opt.Images = imageSink(h, out, c.Bool("targets"))
	}
	n := ds.Len()
	if opt.Limit > 0 {
		n = min(n, opt.Limit)
	}
	fmt.Fprintf(s.out, "reconstructing %d %s images from %s (batch %d, seed %d)\n", n, split, dir,
		s.batch, s.seed)
	if bar := progress(c, "reconstruct"); bar != nil {
		opt.Progress = func(done, total int, r *infer.ReconResult) {
			bar(done, total, nelboShort(h, r))
		}
	}
	ctx, stop := signalContext(c)
	defer stop()
	res, err := infer.Reconstruct(ctx, m, ex, ds, opt)
	noteSkipped(c.App.ErrWriter, split, ds)
	if err != nil {
		return inputOr(err)
	}
	if s.run != nil {
		res.Step = s.run.Step
	} else {
		res.Step, _ = strconv.Atoi(s.onnx.Info.Metadata[infer.MetaStep])
	}
	return reportRecon(c, s, res, split, out)
}

// masks loads div-stats and turns them into variate masks for quantile q.
func (s *session) masks(m *graph.Model, q float64) ([][]float32, error) {
	path := s.c.String("div-stats")
	if path == "" {
		path = s.defaultPath("latents", "div_stats.npy")
		if s.run == nil {
			return nil, usage(fmt.Errorf("--quantile with --onnx needs --div-stats FILE " +
				"(made by vdvae div-stats)"))
		}
		if !fileExists(path) {
			return nil, usage(fmt.Errorf("--quantile needs div-stats, and %s does not exist: run "+
				"vdvae div-stats --run %s first, or pass --div-stats FILE", path, s.c.String("run")))
		}
	}
	stats, err := infer.ReadDivStats(path, m)
	if err != nil {
		return nil, inputOr(err)
	}
	masks, kept, err := infer.Masks(stats, q)
	if err != nil {
		return nil, inputOr(err)
	}
	fmt.Fprintf(s.out, "variate mask (quantile %g): %d variates kept per group %s\n", q, kept,
		infer.MaskSummary(masks))
	if kept == 0 {
		fmt.Fprintf(s.c.App.ErrWriter, "note: quantile %g keeps no variate (ties at the threshold "+
			"are dropped): every latent comes from the prior\n", q)
	}
	return masks, nil
}

// imageSink writes reconstructions (and targets) as PNG files in dir.
func imageSink(h *hparams, dir string, targets bool) func(int, *train.Images, *train.Images) error {
	return func(first int, t, r *train.Images) error {
		imgs, err := infer.ToImages(h, r)
		if err != nil {
			return err
		}
		if err := infer.WritePNGs(dir, "image", first, imgs); err != nil {
			return err
		}
		if !targets {
			return nil
		}
		if imgs, err = infer.ToImages(h, t); err != nil {
			return err
		}
		return infer.WritePNGs(dir, "target", first, imgs)
	}
}

func nelboShort(h *hparams, r *infer.ReconResult) string {
	if h.Data.IsBinarized() {
		return fmt.Sprintf("NELBO %.3f nats", r.NELBO())
	}
	return fmt.Sprintf("NELBO %.4f bits/dim", r.BitsPerDim(r.NELBO()))
}

func reportRecon(c *cli.Context, s *session, r *infer.ReconResult, split, out string) error {
	h := s.h
	if c.Bool("json") {
		v := struct {
			*infer.ReconResult
			Split      string  `json:"split"`
			NELBO      float64 `json:"nelbo_nats"`
			NELBOBits  float64 `json:"nelbo_bits_per_dim"`
			Checkpoint string  `json:"checkpoint"`
			EMA        bool    `json:"ema"`
		}{r, split, r.NELBO(), r.BitsPerDim(r.NELBO()), "", true}
		if s.run != nil {
			v.Checkpoint, v.EMA = s.run.Checkpoint, s.run.EMA
		} else {
			v.Checkpoint = s.onnx.Path
			v.EMA = s.onnx.Info.Metadata[infer.MetaWeights] == "ema"
		}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintf(s.out, "%s split, %d images: %s\n", split, r.Images, r.Summary(h))
	fmt.Fprintf(s.out, "  KL per group (nats):")
	for _, v := range r.GroupKL {
		fmt.Fprintf(s.out, " %.3f", v)
	}
	fmt.Fprintln(s.out)
	if out != "" {
		fmt.Fprintf(s.out, "reconstructions written to %s\n", out)
	}
	return nil
}
