package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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
	"vdvae/runtime/ort"
	"vdvae/train"
)

// Flags shared by the inference commands.
var (
	runFlag = &cli.StringFlag{Name: "run", Aliases: []string{"r"},
		Usage: "`name` of the trained run (a folder under --runs) or a path to a run folder"}
	rawFlag = &cli.BoolFlag{Name: "raw", Usage: "use the raw weights instead of the EMA weights"}
	ckFlag  = &cli.StringFlag{Name: "checkpoint",
		Usage: "checkpoint `file` to load (default: the run's newest intact checkpoint)"}
	backendFlag = &cli.StringFlag{Name: "backend", Value: "cpu", Usage: "compute backend: cpu or ref"}
	batchFlag   = &cli.IntFlag{Name: "batch", Usage: "images per batch",
		DefaultText: "synthesis.batch_size"}
	seedFlag    = &cli.Uint64Flag{Name: "seed", Usage: "seed of all noise", DefaultText: "run.seed"}
	dataDirFlag = &cli.StringFlag{Name: "data-dir",
		Usage: "`dir` with the dataset files (default: searched, see README)"}
	outTempFlag = &cli.Float64Flag{Name: "output-temperature",
		Usage: "temperature of the output distribution", DefaultText: "synthesis.output_temperature"}
	meanFlag = &cli.BoolFlag{Name: "mean", Usage: "write the output distribution's mean (Bernoulli " +
		"probabilities; the mixture's most probable component) instead of a sample"}
	quietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"}
)

func inferFlags(extra ...cli.Flag) []cli.Flag {
	base := []cli.Flag{runFlag, runsFlag, configFlag, rawFlag, ckFlag, backendFlag, batchFlag,
		seedFlag, quietFlag}
	return append(base, extra...)
}

// onnxFlags select ONNX Runtime instead of the Go runtime.
func onnxFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "onnx", Usage: "run this exported model `file` (vdvae export) through " +
			"ONNX Runtime instead of a run's checkpoint"},
		&cli.StringFlag{Name: "ort-lib", EnvVars: []string{ort.LibEnv},
			Usage: "ONNX Runtime shared library `path` (default: " + ort.ProjectLibDir + ", then the system's)"},
		&cli.IntFlag{Name: "threads", Usage: "ONNX Runtime threads (0: one per core)"},
	}
}

// session is what every inference command starts from: a trained run
// (--run) or an exported model (--onnx).
type session struct {
	c     *cli.Context
	h     *configs.Hparams
	run   *infer.Run       // nil with --onnx
	onnx  *infer.ONNXModel // nil without --onnx
	be    runtime.Backend
	batch int
	seed  uint64
	out   io.Writer
}

// maxBatch bounds --batch far above what memory allows, so that sizes
// computed from it cannot overflow.
const maxBatch = 1 << 20

// maxThreads bounds --threads: far more threads than cores only slow
// ONNX Runtime down.
const maxThreads = 256

// openSession opens --run (or --onnx) with the common flags.
func openSession(c *cli.Context) (*session, error) {
	if c.Args().Present() {
		hint := ""
		if !c.IsSet("run") && !strings.HasPrefix(c.Args().First(), "-") {
			hint = fmt.Sprintf("; to name the run, use --run %s (flags go before any argument)",
				c.Args().First())
		}
		return nil, usage(fmt.Errorf("unexpected argument %q: %s takes flags only%s", c.Args().First(),
			c.Command.Name, hint))
	}
	name := c.String("backend") // export has no --backend
	if name == "" {
		name = "cpu"
	}
	be, err := runtime.Get(name)
	if err != nil {
		return nil, usage(fmt.Errorf("--backend: %w", err))
	}
	var config *configs.Hparams
	if c.IsSet("config") {
		if config, err = configs.Load(c.String("config"), nil); err != nil {
			return nil, usage(fmt.Errorf("--config: %w", err))
		}
	}
	s := &session{c: c, be: be, out: c.App.Writer}
	if c.Bool("json") {
		s.out = c.App.ErrWriter // stdout holds only the JSON
	}
	if c.String("onnx") != "" {
		err = s.openONNX(config)
	} else {
		// --ort-lib also reads $VDVAE_ORT_LIB, which may be set for
		// every command.
		if c.IsSet("threads") || (c.IsSet("ort-lib") && os.Getenv(ort.LibEnv) == "") {
			return nil, usage(fmt.Errorf("--ort-lib and --threads apply only with --onnx"))
		}
		err = s.openRun(config)
	}
	if err != nil {
		return nil, err
	}
	s.batch, s.seed = s.h.Synthesis.BatchSize, uint64(s.h.Run.Seed)
	if c.IsSet("batch") {
		s.batch = c.Int("batch")
	}
	if s.batch < 1 || s.batch > maxBatch {
		return nil, usage(fmt.Errorf("--batch must be from 1 to %d, not %d", maxBatch, s.batch))
	}
	if c.IsSet("seed") {
		s.seed = c.Uint64("seed")
	}
	return s, nil
}

func (s *session) openRun(config *configs.Hparams) error {
	c := s.c
	if !c.IsSet("run") {
		msg := "--run NAME is required"
		if c.Command.Names()[0] == "generate" || c.Command.Names()[0] == "reconstruct" {
			msg += " (or --onnx FILE)"
		}
		return usage(fmt.Errorf("%s", msg))
	}
	r, err := infer.Open(runPath(c), infer.OpenOptions{Raw: c.Bool("raw"),
		Checkpoint: c.String("checkpoint"), Config: config})
	if err != nil {
		return inputOr(err)
	}
	for _, sk := range r.Skipped {
		fmt.Fprintf(c.App.ErrWriter, "warning: skipping unreadable checkpoint: %v\n", sk)
	}
	s.run, s.h = r, r.H
	fmt.Fprintf(s.out, "run %s: step %d, %s from %s\n", r.Dir, r.Step, r.WeightsName(), r.Checkpoint)
	if left := math.Pow(r.H.Train.EmaDecay, float64(r.Step)); r.EMA && left > 0.01 {
		fmt.Fprintf(c.App.ErrWriter, "note: after %d steps at train.ema_decay %g the EMA weights still "+
			"hold %.0f%% of their initial values; --raw uses the trained weights\n", r.Step,
			r.H.Train.EmaDecay, 100*left)
	}
	return nil
}

func (s *session) openONNX(config *configs.Hparams) error {
	c := s.c
	for _, f := range []string{"run", "raw", "checkpoint", "backend"} {
		if c.IsSet(f) {
			return usage(fmt.Errorf("--%s does not apply with --onnx: the exported file holds the "+
				"model and its weights", f))
		}
	}
	if n := c.Int("threads"); n < 0 || n > maxThreads {
		return usage(fmt.Errorf("--threads must be from 0 (automatic) to %d, not %d", maxThreads, n))
	}
	o, err := infer.OpenONNX(c.String("onnx"), config,
		ort.Options{Lib: c.String("ort-lib"), Threads: c.Int("threads")})
	if errors.Is(err, ort.ErrNoLibrary) {
		return usage(fmt.Errorf("%w\n(the library flag is --ort-lib PATH)", err))
	}
	if err != nil {
		return inputOr(err)
	}
	s.onnx, s.h = o, o.H
	fmt.Fprintf(s.out, "model %s: %s of run %s (step %s, %s weights), ONNX Runtime\n", o.Path, o.Kind,
		o.H.Run.Name, o.Info.Metadata[infer.MetaStep], o.Info.Metadata[infer.MetaWeights])
	return nil
}

// close releases an ONNX Runtime session.
func (s *session) close() {
	if s.onnx != nil {
		s.onnx.Close()
	}
}

// defaultPath is sub inside the run folder, or in the working folder for
// an exported model.
func (s *session) defaultPath(sub ...string) string {
	if s.run != nil {
		return filepath.Join(append([]string{s.run.Dir}, sub...)...)
	}
	return filepath.Join(sub...)
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

// model builds one of the run's graphs and an executor for its outputs;
// with --onnx, the exported model, which must be that graph.
func (s *session) model(opt graph.Options, outputs ...string) (*graph.Model, infer.Executor, error) {
	if s.onnx != nil {
		o := s.onnx
		if o.Opt != opt {
			kind := map[graph.Mode]string{graph.ModeGenerate: infer.KindGenerator,
				graph.ModeEval: infer.KindEvaluator, graph.ModeDecode: infer.KindDecoder}[opt.Mode]
			masked := ""
			if opt.Masked {
				masked = " --masked"
			}
			return nil, nil, usage(fmt.Errorf("--onnx %s holds the %s (masked %v); %s needs the %s "+
				"(masked %v): export it with vdvae export --graph %s%s", o.Path, o.Kind, o.Opt.Masked,
				s.c.Command.Name, kind, opt.Masked, kind, masked))
		}
		if err := checkBatchMemory(o.Model, outputs, s.batch); err != nil {
			return nil, nil, err
		}
		return o.Model, o, nil
	}
	m, err := graph.Build(s.h, opt)
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
	if err := checkBatchMemory(m, outputs, s.batch); err != nil {
		return nil, nil, err
	}
	return m, ex, nil
}

// checkBatchMemory refuses a batch whose activations (as the Go runtime
// plans them; ONNX Runtime needs about as much) would not fit in the
// available memory.
func checkBatchMemory(m *graph.Model, outputs []string, batch int) error {
	outs := map[string]*graph.Value{}
	for _, name := range outputs {
		outs[name] = m.Graph.Outputs[name]
	}
	need, err := runtime.PlanBytes(m.Graph, batch, outs)
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
	t := s.h.Synthesis.OutputTemperature
	if s.c.IsSet("output-temperature") {
		t = s.c.Float64("output-temperature")
	}
	if !(t > 0) || t > math.MaxFloat32 {
		return 0, usage(fmt.Errorf("--output-temperature must be positive and finite, not %g", t))
	}
	return t, nil
}

// signalContext cancels on an interrupt, termination, a closed terminal or
// a closed output pipe; output files are written atomically, so a stopped
// command leaves only whole files. A second signal ends the process at
// once.
func signalContext(c *cli.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGPIPE)
	go func() {
		<-ctx.Done()
		stop() // restore the default action for the next signal
	}()
	return ctx, stop
}

// cleanStale removes, from dir, files an earlier run of the same command
// wrote under the names this run writes (pattern is a filepath.Match
// pattern, e.g. "image-*.png"), so that the folder shows one run only.
// Other files are left alone.
func cleanStale(w io.Writer, dir string, patterns ...string) error {
	n := 0
	for _, p := range patterns {
		m, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		for _, f := range m {
			if st, err := os.Lstat(f); err != nil || !st.Mode().IsRegular() {
				continue
			}
			if err := os.Remove(f); err != nil {
				return err
			}
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "removed %d files of an earlier run from %s\n", n, dir)
	}
	return nil
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

// outFile checks that a file can be written at path (its folder is made):
// an existing target must be a regular file, and never one of a run's own
// files (checkpoints, hparams, metrics), which an export or encoding must
// not replace.
func outFile(flag, path string) error {
	if st, err := os.Lstat(path); err == nil {
		switch {
		case st.IsDir():
			return usage(fmt.Errorf("--%s: %s is a directory; give a file name", flag, path))
		case !st.Mode().IsRegular():
			return usage(fmt.Errorf("--%s: %s exists and is not a regular file (%v); give another path",
				flag, path, st.Mode().Type()))
		}
	}
	base := filepath.Base(path)
	if filepath.Ext(base) == ".vdck" || base == train.HparamsFile || base == train.MetricsFile ||
		base == ".lock" {
		return usage(fmt.Errorf("--%s: %s is a name of a run's own files; give another path", flag, path))
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
