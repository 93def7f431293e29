package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/runtime"
	"vdvae/train/data"
)

// checkReport is what `vdvae check --json` prints.
type checkReport struct {
	OK     bool   `json:"ok"`
	Config string `json:"config"`
	// Trainable says whether vdvae has a data loader for the dataset yet.
	Trainable       bool              `json:"trainable"`
	Params          int               `json:"params"`
	MACsPerImage    int64             `json:"macs_per_image"`
	ActivationBytes int64             `json:"activation_bytes"`
	BatchSize       int               `json:"batch_size"`
	LatentGroups    int               `json:"latent_groups"`
	Levels          []graph.LevelCost `json:"levels"`
}

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "validate a config offline and print its size and cost",
		Description: "Builds the model graph and its gradient without data. Prints a per-level table,\n" +
			"the trainable parameters, forward multiply-adds per image and the activation memory\n" +
			"planned for one training step at train.batch_size. Exit status 2 for an invalid config.",
		Flags: []cli.Flag{configFlag, setFlag,
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
			&cli.StringFlag{Name: "onnx", Usage: "check an exported ONNX `file` instead: its inputs and " +
				"outputs against the graph its stored hparams (or --config) build"}},
		Action: func(c *cli.Context) error {
			if c.IsSet("onnx") {
				err := checkONNX(c)
				if err != nil && c.Bool("json") {
					enc := json.NewEncoder(c.App.Writer)
					enc.Encode(map[string]any{"ok": false, "error": err.Error()})
				}
				return err
			}
			rep, err := checkAction(c)
			if err != nil && c.Bool("json") {
				// Scripts reading stdout get an object too.
				enc := json.NewEncoder(c.App.Writer)
				enc.SetEscapeHTML(false)
				enc.Encode(map[string]any{"ok": false, "error": err.Error()})
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printCheck(c.App.Writer, rep)
			return nil
		},
	}
}

func checkAction(c *cli.Context) (*checkReport, error) {
	h, _, err := loadHparams(c)
	if err != nil {
		return nil, err
	}
	name := c.String("config")
	if name == "" {
		name = configs.DefaultPreset
	}
	return checkModel(name, h)
}

func checkModel(name string, h *configs.Hparams) (*checkReport, error) {
	m, err := graph.BuildModel(h, true)
	if err != nil {
		return nil, usage(err)
	}
	outs := map[string]*graph.Value{graph.OutLoss: m.Graph.Outputs[graph.OutLoss]}
	for n, v := range m.Grads {
		outs["grad:"+n] = v
	}
	bytes, err := runtime.PlanBytes(m.Graph, h.Train.BatchSize, outs)
	if err != nil {
		return nil, err
	}
	levels := graph.Costs(m.Graph)
	return &checkReport{
		OK: true, Config: name, Trainable: data.HasLoader(h.Data.DatasetSource),
		Params: m.Graph.NumParams(), MACsPerImage: graph.TotalMACs(levels), ActivationBytes: bytes,
		BatchSize: h.Train.BatchSize, LatentGroups: len(m.Groups), Levels: levels,
	}, nil
}

func printCheck(w io.Writer, r *checkReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "level\tres\twidth\tparams\tMACs/image\t")
	for _, l := range r.Levels {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t\n", l.Name, l.Res, l.Width,
			graph.FormatCount(float64(l.Params)), graph.FormatCount(float64(l.MACs)))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s: ok\n", r.Config)
	if !r.Trainable {
		fmt.Fprintln(w, "note: no data loader for this dataset_source yet; the config can be "+
			"checked but not trained")
	}
	fmt.Fprintf(w, "trainable parameters   %d (%s)\n", r.Params, graph.FormatCount(float64(r.Params)))
	fmt.Fprintf(w, "latent groups          %d\n", r.LatentGroups)
	fmt.Fprintf(w, "forward MACs per image %s\n", graph.FormatCount(float64(r.MACsPerImage)))
	fmt.Fprintf(w, "training activations   %.1f MiB at batch %d (planned by liveness)\n",
		float64(r.ActivationBytes)/(1<<20), r.BatchSize)
}
