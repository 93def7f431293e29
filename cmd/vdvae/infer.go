package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"vdvae/configs"
	"vdvae/graph"
	"vdvae/infer"
	"vdvae/runtime"
	"vdvae/train"
)

// Flags shared by the inference commands.
var (
	runFlag = &cli.StringFlag{Name: "run", Aliases: []string{"r"}, Required: true,
		Usage: "`name` of the trained run (a folder under --runs) or a path to a run folder"}
	rawFlag = &cli.BoolFlag{Name: "raw", Usage: "use the raw weights instead of the EMA weights"}
	ckFlag  = &cli.StringFlag{Name: "checkpoint",
		Usage: "checkpoint `file` to load (default: the run's newest intact checkpoint)"}
	backendFlag = &cli.StringFlag{Name: "backend", Value: "cpu", Usage: "compute backend: cpu or ref"}
	batchFlag   = &cli.IntFlag{Name: "batch", Usage: "images per batch (default: synthesis.batch_size)"}
	seedFlag    = &cli.Uint64Flag{Name: "seed", Usage: "seed of all noise (default: run.seed)"}
	dataDirFlag = &cli.StringFlag{Name: "data-dir",
		Usage: "`dir` with the dataset files (default: searched, see README)"}
	outTempFlag = &cli.Float64Flag{Name: "output-temperature",
		Usage: "temperature of the output distribution (default: synthesis.output_temperature)"}
	quietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"}
)

func inferFlags(extra ...cli.Flag) []cli.Flag {
	base := []cli.Flag{runFlag, runsFlag, configFlag, rawFlag, ckFlag, backendFlag, batchFlag,
		seedFlag, quietFlag}
	return append(base, extra...)
}

// session is what every inference command starts from.
type session struct {
	c     *cli.Context
	run   *infer.Run
	be    runtime.Backend
	batch int
	seed  uint64
	out   io.Writer
}

// openSession opens --run with the common flags.
func openSession(c *cli.Context) (*session, error) {
	if c.Args().Present() {
		return nil, usage(fmt.Errorf("unexpected argument %q: %s takes flags only", c.Args().First(),
			c.Command.Name))
	}
	be, err := runtime.Get(c.String("backend"))
	if err != nil {
		return nil, usage(fmt.Errorf("--backend: %w", err))
	}
	opt := infer.OpenOptions{Raw: c.Bool("raw"), Checkpoint: c.String("checkpoint")}
	if c.IsSet("config") {
		if opt.Config, err = configs.Load(c.String("config"), nil); err != nil {
			return nil, usage(fmt.Errorf("--config: %w", err))
		}
	}
	r, err := infer.Open(runPath(c), opt)
	if err != nil {
		return nil, inputOr(err)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(c.App.ErrWriter, "warning: skipping unreadable checkpoint: %v\n", s)
	}
	s := &session{c: c, run: r, be: be, out: c.App.Writer, batch: r.H.Synthesis.BatchSize,
		seed: uint64(r.H.Run.Seed)}
	if c.IsSet("batch") {
		s.batch = c.Int("batch")
	}
	if s.batch < 1 {
		return nil, usage(fmt.Errorf("--batch must be at least 1, not %d", s.batch))
	}
	if c.IsSet("seed") {
		s.seed = c.Uint64("seed")
	}
	fmt.Fprintf(s.out, "run %s: step %d, %s from %s\n", r.Dir, r.Step, r.WeightsName(), r.Checkpoint)
	return s, nil
}

// runPath resolves --run: a name under --runs, or a path to a run folder.
func runPath(c *cli.Context) string {
	name := c.String("run")
	if strings.ContainsRune(name, os.PathSeparator) || name == "." || name == ".." {
		return filepath.Clean(name)
	}
	return train.RunDir(c.String("runs"), name)
}

// inputOr turns the infer package's input errors into usage errors (exit 2).
func inputOr(err error) error {
	if errors.Is(err, infer.ErrInput) || errors.Is(err, configs.ErrInvalid) {
		return usage(err)
	}
	return err
}

// model builds one of the run's graphs and an executor for its outputs.
func (s *session) model(opt graph.Options, outputs ...string) (*graph.Model, infer.Executor, error) {
	m, err := graph.Build(s.run.H, opt)
	if err != nil {
		return nil, nil, err
	}
	if outputs == nil {
		outputs = m.Graph.OutputNames()
	}
	ex, err := infer.NewGoExecutor(m, s.be, s.run.Weights, outputs)
	if err != nil {
		return nil, nil, err
	}
	if err := checkBatchMemory(ex, s.batch); err != nil {
		return nil, nil, err
	}
	return m, ex, nil
}

// checkBatchMemory refuses a batch whose activations would not fit in the
// available memory.
func checkBatchMemory(ex *infer.GoExecutor, batch int) error {
	need, err := ex.PlanBytes(batch)
	if err != nil {
		return err
	}
	if avail := train.AvailableMemory(); avail > 0 && need > avail {
		return usage(fmt.Errorf("a batch of %d needs about %.1f GiB, more than the %.1f GiB available; "+
			"lower --batch", batch, float64(need)/(1<<30), float64(avail)/(1<<30)))
	}
	return nil
}

// outputTemperature is --output-temperature or the run's setting.
func (s *session) outputTemperature() (float64, error) {
	t := s.run.H.Synthesis.OutputTemperature
	if s.c.IsSet("output-temperature") {
		t = s.c.Float64("output-temperature")
	}
	if !(t > 0) {
		return 0, usage(fmt.Errorf("--output-temperature must be positive, not %g", t))
	}
	return t, nil
}

// signalContext cancels on an interrupt; output files are written
// atomically, so a stopped command leaves only whole files.
func signalContext(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
}

// outDir creates dir (and parents) and checks that files can be made in it.
func outDir(flag, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usage(fmt.Errorf("--%s: cannot create %s: %w", flag, dir, unwrapPath(err)))
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return usage(fmt.Errorf("--%s: cannot write in %s: %w", flag, dir, unwrapPath(err)))
	}
	f.Close()
	return os.Remove(f.Name())
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// outFile checks that a file can be written at path (its folder is made).
func outFile(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usage(fmt.Errorf("--%s: %s is a directory; give a file name", flag, path))
	}
	return outDir(flag, filepath.Dir(path))
}

// progress returns a progress callback printing to w: a bar redrawn in
// place on a terminal, a line every tenth otherwise; nil when quiet.
func progress(c *cli.Context, label string) func(done, total int, extra string) {
	if c.Bool("quiet") {
		return nil
	}
	w := c.App.ErrWriter
	tty := isTerminal(w)
	start := time.Now()
	lastTenth := -1
	return func(done, total int, extra string) {
		frac := float64(done) / float64(max(total, 1))
		rate := float64(done) / max(time.Since(start).Seconds(), 1e-9)
		if tty {
			const width = 30
			fill := int(frac * width)
			bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
			fmt.Fprintf(w, "\r%s [%s] %d/%d %.0f img/s %s\x1b[K", label, bar, done, total, rate, extra)
			if done >= total {
				fmt.Fprintln(w)
			}
			return
		}
		if tenth := int(frac * 10); tenth != lastTenth || done >= total {
			lastTenth = tenth
			fmt.Fprintf(w, "%s %d/%d (%.0f%%) %.0f img/s %s\n", label, done, total, 100*frac, rate, extra)
		}
	}
}

type hparams = configs.Hparams

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
