package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"vdvae/codegen/onnx"
	"vdvae/configs"
	"vdvae/infer"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write a trained model as an ONNX file (opset 17)",
		Description: "Exports one graph of the run with its EMA weights (--raw: the raw ones) as\n" +
			"initializers, a symbolic batch dimension N and the hparams in the metadata:\n" +
			"  generator: temperature (1,L,1,1) and prior noise eps.<i> in; logits out\n" +
			"  evaluator: x and posterior noise eps.<i> in (--masked: also mask.<i> and\n" +
			"             prior_eps.<i>); recon, kl, logits, post_mean.<i>, post_std.<i>,\n" +
			"             kl_variates.<i> out\n" +
			"  decoder:   post_mean.<i>, post_std.<i>, mask.<i>, eps.<i>, prior_eps.<i> in; logits out\n" +
			"vdvae generate --onnx and vdvae reconstruct --onnx run them through ONNX Runtime.",
		Flags: []cli.Flag{runFlag, runsFlag, configFlag, rawFlag, ckFlag, quietFlag,
			&cli.StringFlag{Name: "graph", Value: infer.KindGenerator,
				Usage: "`graph` to export: generator, evaluator or decoder"},
			&cli.BoolFlag{Name: "masked", Usage: "evaluator with variate masks (masked reconstruction)"},
			&cli.StringFlag{Name: "out", Usage: "output `file` (default: <run>/onnx/<graph>.onnx)"},
		},
		Action: exportAction,
	}
}

func exportAction(c *cli.Context) error {
	kind := c.String("graph")
	if _, err := infer.GraphOptions(kind, false); err != nil {
		return usage(fmt.Errorf("--graph: %w", err))
	}
	if c.Bool("masked") && kind != infer.KindEvaluator {
		return usage(fmt.Errorf("--masked applies to --graph evaluator only"))
	}
	s, err := openSession(c)
	if err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		name := kind
		if c.Bool("masked") {
			name += "-masked"
		}
		out = s.defaultPath("onnx", name+".onnx")
	}
	if err := outFile("out", out); err != nil {
		return err
	}
	// Signals wait until the file is whole; the export is short.
	ctx, stop := signalContext(c)
	defer stop()
	if _, err := s.run.Export(out, kind, c.Bool("masked")); err != nil {
		return err
	}
	if ctx.Err() != nil {
		fmt.Fprintf(s.out, "interrupted after %s was written completely\n", out)
		return ctx.Err()
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	info, err := onnx.Inspect(data)
	if err != nil {
		return fmt.Errorf("the exported file does not read back: %w", err)
	}
	fmt.Fprintf(s.out, "wrote %s (%.1f MB): %s\n", out, float64(len(data))/1e6, kind)
	printONNX(s.out, info)
	return nil
}

// printONNX lists a model's interface.
func printONNX(w io.Writer, info *onnx.Info) {
	fmt.Fprintf(w, "  ONNX IR %d, opset %d, %d nodes, %d initializers (%d values)\n", info.IRVersion,
		info.Opset(), info.Nodes, info.Initializers, info.Params)
	for _, t := range info.Inputs {
		fmt.Fprintf(w, "  input  %s\n", t)
	}
	for _, t := range info.Outputs {
		fmt.Fprintf(w, "  output %s\n", t)
	}
}

// onnxReport is what `vdvae check --onnx --json` prints.
type onnxReport struct {
	OK       bool              `json:"ok"`
	File     string            `json:"file"`
	Graph    string            `json:"graph"`
	Masked   bool              `json:"masked"`
	Run      string            `json:"run"`
	Opset    int64             `json:"opset"`
	IR       int64             `json:"ir_version"`
	Inputs   []string          `json:"inputs"`
	Outputs  []string          `json:"outputs"`
	Metadata map[string]string `json:"metadata"`
}

// checkONNX validates an exported file offline against the hparams it
// stores (or --config).
func checkONNX(c *cli.Context) error {
	var config *configs.Hparams
	if c.IsSet("config") || len(c.StringSlice("set")) > 0 {
		h, _, err := loadHparams(c)
		if err != nil {
			return err
		}
		config = h
	}
	o, err := infer.ReadONNX(c.String("onnx"), config)
	if err != nil {
		return inputOr(err)
	}
	rep := onnxReport{OK: true, File: o.Path, Graph: o.Kind, Masked: o.Opt.Masked, Run: o.H.Run.Name,
		Opset: o.Info.Opset(), IR: o.Info.IRVersion, Metadata: map[string]string{}}
	for _, t := range o.Info.Inputs {
		rep.Inputs = append(rep.Inputs, t.String())
	}
	for _, t := range o.Info.Outputs {
		rep.Outputs = append(rep.Outputs, t.String())
	}
	for k, v := range o.Info.Metadata {
		if k != infer.MetaHparams {
			rep.Metadata[k] = v
		}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := c.App.Writer
	src := "its stored hparams"
	if config != nil {
		src = "--config"
	}
	fmt.Fprintf(w, "%s: the %s of run %s, as %s build it\n", o.Path, o.Kind, o.H.Run.Name, src)
	keys := make([]string, 0, len(rep.Metadata))
	for k := range rep.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", strings.TrimPrefix(k, "vdvae."), rep.Metadata[k])
	}
	printONNX(w, o.Info)
	return nil
}
