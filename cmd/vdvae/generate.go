package main

import (
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/infer"
	"vdvae/train"
)

func generateCommand() *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "sample images from the prior at chosen temperatures",
		Description: "Writes, for each temperature setting, every image as PNG and a grid PNG of\n" +
			"the first (up to 256) into --out. A setting is written as in the hparams: one\n" +
			"value for all levels (0.8), a linear ramp over the levels ([linear, 0.7, 0.9]) or\n" +
			"one value per top-down level ([1.0, 0.9, 0.8, 0.7]). Without --temperature the\n" +
			"run's synthesis.temperature_settings are used. The same --seed gives the same\n" +
			"images at any --batch.",
		Flags: inferFlags(append(onnxFlags(), outTempFlag, meanFlag,
			&cli.StringSliceFlag{Name: "temperature", Aliases: []string{"t"},
				Usage: "temperature `setting` (repeatable), e.g. 0.8 or '[linear, 0.7, 0.9]'"},
			&cli.IntFlag{Name: "n", Usage: "images per setting",
				DefaultText: "synthesis.batch_size x synthesis.n_generation_batches"},
			&cli.StringFlag{Name: "out", Usage: "output `dir` (default: <run>/generated)"},
			&cli.BoolFlag{Name: "grid-only", Usage: "write only the grid PNG of each setting"},
		)...),
		Action: generateAction,
	}
}

// temperatureSettings parses --temperature values (YAML, as in hparams).
func temperatureSettings(c *cli.Context, h *configs.Hparams) ([]configs.TemperatureSetting, error) {
	raw := c.StringSlice("temperature")
	if len(raw) == 0 {
		if len(h.Synthesis.TemperatureSettings) == 0 {
			return nil, usage(fmt.Errorf("the run's hparams list no synthesis.temperature_settings; " +
				"pass --temperature"))
		}
		return h.Synthesis.TemperatureSettings, nil
	}
	out := make([]configs.TemperatureSetting, len(raw))
	for i, r := range raw {
		if strings.TrimSpace(r) == "" {
			return nil, usage(fmt.Errorf("--temperature is empty: give a number, [linear, FROM, TO] " +
				"or a list of one number per level"))
		}
		if err := yaml.Unmarshal([]byte(r), &out[i]); err != nil {
			return nil, usage(fmt.Errorf("--temperature %q: want a number, [linear, FROM, TO] or a "+
				"list of one number per level: %v", r, err))
		}
	}
	return out, nil
}

func generateAction(c *cli.Context) error {
	s, err := openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	h := s.h
	settings, err := temperatureSettings(c, h)
	if err != nil {
		return err
	}
	levels := make([][]float64, len(settings))
	for i, t := range settings {
		if levels[i], err = infer.LevelTemperatures(h, t); err != nil {
			return usage(fmt.Errorf("--temperature %s: %w", t, err))
		}
		for _, v := range levels[i] {
			if math.IsNaN(v) || v > math.MaxFloat32 || v < 0 {
				return usage(fmt.Errorf("--temperature %s: temperatures must be finite and not "+
					"negative, got %g", t, v))
			}
		}
	}
	n := h.Synthesis.BatchSize * max(h.Synthesis.NGenerationBatches, 1)
	if c.IsSet("n") {
		n = c.Int("n")
	}
	if n < 1 {
		return usage(fmt.Errorf("--n must be at least 1, not %d", n))
	}
	temp, err := s.outputTemperature()
	if err != nil {
		return err
	}
	s.batch = min(s.batch, n) // memory is planned for the batch that runs
	out := c.String("out")
	if out == "" {
		out = s.defaultPath("generated")
	}
	if err := outDir("out", out); err != nil {
		return err
	}
	if err := cleanStale(s.out, out, "grid-setting-*.png", "setting-*/image-*.png"); err != nil {
		return err
	}
	m, ex, err := s.model(graph.Options{Mode: graph.ModeGenerate}, graph.OutLogits)
	if err != nil {
		return err
	}
	ctx, stop := signalContext(c)
	defer stop()
	for i, t := range settings {
		dir := filepath.Join(out, fmt.Sprintf("setting-%d", i))
		if !c.Bool("grid-only") {
			if err := outDir("out", dir); err != nil {
				return err
			}
		}
		var all []image.Image
		opt := infer.GenOptions{N: n, Batch: s.batch, Seed: s.seed, Temperatures: levels[i],
			OutputTemperature: temp, Mean: c.Bool("mean"),
			Images: func(first int, b *train.Images) error {
				imgs, err := infer.ToImages(h, b)
				if err != nil {
					return err
				}
				if room := maxGrid - len(all); room > 0 {
					all = append(all, imgs[:min(room, len(imgs))]...)
				}
				if c.Bool("grid-only") {
					return nil
				}
				return infer.WritePNGs(dir, "image", first, imgs)
			}}
		if bar := progress(c, fmt.Sprintf("setting %d", i)); bar != nil {
			opt.Progress = func(done, total int) { bar(done, total, "") }
		}
		if err := infer.Generate(ctx, m, ex, opt); err != nil {
			return inputOr(err)
		}
		grid := filepath.Join(out, fmt.Sprintf("grid-setting-%d.png", i))
		if err := infer.WriteGrid(grid, all); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "setting %d %s (per level %v): %d images, grid %s\n", i, t,
			fmtTemps(levels[i]), n, grid)
	}
	return nil
}

// maxGrid is the most images a grid shows (16 x 16).
const maxGrid = 256

func fmtTemps(v []float64) string {
	s := "["
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.3g", x)
	}
	return s + "]"
}
