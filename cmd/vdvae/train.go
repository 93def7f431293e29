package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/urfave/cli/v2"

	"vdvae/runtime"
	_ "vdvae/runtime/cpu" // registers "cpu"
	_ "vdvae/runtime/ref" // registers "ref"
	"vdvae/train"
)

var runsFlag = &cli.StringFlag{
	Name:    "runs",
	Value:   "runs",
	EnvVars: []string{"VDVAE_RUNS"},
	Usage:   "`dir` holding one folder per run",
}

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a model, resuming its run when the run exists",
		Description: "Trains the preset or YAML file given by --config (default mnist_cpu) in\n" +
			"<runs>/<run.name>. Running the same command again resumes from the newest good\n" +
			"checkpoint. Ctrl-C saves a checkpoint and stops.",
		Flags: []cli.Flag{configFlag, setFlag, runsFlag,
			&cli.StringFlag{Name: "data-dir",
				Usage: "`dir` with the dataset files (default: searched, see README)"},
			&cli.StringFlag{Name: "backend", Value: "cpu", Usage: "compute backend: cpu or ref"},
			&cli.StringFlag{Name: "resume-with", Usage: "when the run exists with other hparams: " +
				"`saved` or new"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no live progress line, only log lines"},
			&cli.IntFlag{Name: "log-every", Value: 100, Usage: "`steps` between log lines when not live"},
			&cli.BoolFlag{Name: "eval-at-start", Value: true, Usage: "evaluate a new run before step 1"},
			&cli.DurationFlag{Name: "max-time", Usage: "stop after this much training `time` (e.g. 10m), " +
				"with an evaluation and a checkpoint"},
		},
		Action: trainAction,
	}
}

func trainAction(c *cli.Context) error {
	h, _, err := loadHparams(c)
	if err != nil {
		return err
	}
	be, err := runtime.Get(c.String("backend"))
	if err != nil {
		return usage(fmt.Errorf("--backend: %w", err))
	}
	how := train.Resume(c.String("resume-with"))
	switch how {
	case train.ResumeAsk, train.ResumeSaved, train.ResumeNew:
	default:
		return usage(fmt.Errorf("--resume-with must be saved or new, not %q", how))
	}
	if c.Int("log-every") < 1 {
		return usage(fmt.Errorf("--log-every must be at least 1, not %d", c.Int("log-every")))
	}
	opt := train.Options{
		RunsDir: c.String("runs"), DataDir: c.String("data-dir"), Backend: be, ResumeAs: how,
		Out: c.App.Writer, Quiet: c.Bool("quiet"), LogEvery: c.Int("log-every"),
		TTY: isTerminal(c.App.Writer), Width: terminalWidth(c.App.Writer), SkipWarn: 10, SkipStop: 50,
		EvalAtStart: c.Bool("eval-at-start"),
		MaxTime:     c.Duration("max-time"),
	}
	if opt.MaxTime < 0 {
		return usage(fmt.Errorf("--max-time must be positive, not %s", opt.MaxTime))
	}
	req := train.Request{H: h, ConfigGiven: c.IsSet("config"), Overrides: c.StringSlice("set")}
	// Interrupts, termination, a closed terminal and a closed output pipe
	// all stop training the same way: a checkpoint, then exit. Other
	// commands keep the default behaviour of these signals.
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGPIPE)
	defer stop()
	res, err := train.Train(ctx, req, opt)
	if errors.Is(err, train.ErrConfigMismatch) || errors.Is(err, train.ErrData) {
		return usage(err)
	}
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(res.Dir)
	fmt.Fprintf(c.App.Writer, "run directory %s\n  checkpoints  %s\n  metrics      %s\n",
		abs, filepath.Join(abs, train.CkptDir), filepath.Join(abs, train.MetricsFile))
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// terminalWidth returns the column count of the terminal w writes to, or 0.
func terminalWidth(w any) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	var ws struct{ rows, cols, x, y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ),
		uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0
	}
	return int(ws.cols)
}
