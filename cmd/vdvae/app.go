package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"vdvae/configs"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad flags, config or input: nothing was run
	// exitInterrupted follows the shell's 128 + SIGINT.
	exitInterrupted = 130
)

// usageError marks errors caused by what the user passed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usage(err error) error { return usageError{err} }

func newApp(stdout, stderr io.Writer) *cli.App {
	onUsage := func(_ *cli.Context, err error, _ bool) error { return usage(err) }
	app := &cli.App{
		Name:  "vdvae",
		Usage: "train, check and run Efficient-VDVAE models",
		Description: "Efficient-VDVAE (a very deep hierarchical VAE) as one Go binary.\n" +
			"Presets: " + fmt.Sprint(configs.Presets()),
		Writer:    stdout,
		ErrWriter: stderr,
		// --set values are YAML, so commas inside them must not split.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{checkCommand(), trainCommand(), resetCommand(), reconstructCommand(),
			generateCommand(), divStatsCommand(), encodeCommand(), decodeCommand(), exportCommand()},
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsage,
	}
	for _, c := range app.Commands {
		c.OnUsageError = onUsage
	}
	return app
}

// run executes the CLI and maps errors to exit codes in one place.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	var notFound error
	app.CommandNotFound = func(_ *cli.Context, name string) {
		notFound = usage(fmt.Errorf("unknown command %q; run vdvae --help for the list", name))
	}
	err := app.RunContext(context.Background(), args)
	if err == nil {
		err = notFound
	}
	if err == nil {
		return exitOK
	}
	msg := err.Error()
	if msg == context.Canceled.Error() {
		msg = "interrupted; every file written so far is complete"
	}
	fmt.Fprintln(stderr, "vdvae:", msg)
	var ue usageError
	switch {
	case errors.As(err, &ue), errors.Is(err, configs.ErrInvalid):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case strings.HasPrefix(err.Error(), "Required flag"):
		return exitUsage
	}
	return exitFailure
}

var setFlag = &cli.StringSliceFlag{
	Name:  "set",
	Usage: "override one hparam, `section.key=value` (repeatable), e.g. --set train.total_train_steps=200",
}

var configFlag = &cli.StringFlag{
	Name:    "config",
	Aliases: []string{"c"},
	Usage:   "preset name or YAML `file` (default: mnist_cpu)",
}

// loadHparams loads --config with --set overrides. given reports whether
// the user chose anything explicitly.
func loadHparams(c *cli.Context) (h *configs.Hparams, given bool, err error) {
	if c.Args().Present() {
		return nil, false, usage(fmt.Errorf("unexpected argument %q (use --config and --set)", c.Args().First()))
	}
	h, err = configs.Load(c.String("config"), c.StringSlice("set"))
	if err != nil {
		return nil, false, usage(err)
	}
	return h, c.IsSet("config") || len(c.StringSlice("set")) > 0, nil
}
