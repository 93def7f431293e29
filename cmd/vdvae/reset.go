package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"vdvae/train"
)

func resetCommand() *cli.Command {
	return &cli.Command{
		Name:      "reset",
		Usage:     "delete a run directory (checkpoints, metrics, hparams)",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{runsFlag,
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usage(fmt.Errorf("reset needs exactly one run name, e.g. vdvae reset mnist_cpu"))
			}
			name := c.Args().First()
			if err := train.ValidRunName(name); err != nil {
				return usage(err)
			}
			dir := train.RunDir(c.String("runs"), name)
			if _, err := os.Stat(filepath.Join(dir, train.HparamsFile)); err != nil {
				return usage(fmt.Errorf("no run %q in %s (looked for %s)", name, c.String("runs"),
					filepath.Join(dir, train.HparamsFile)))
			}
			if !c.Bool("yes") {
				fmt.Fprintf(c.App.Writer, "delete run %s and all its checkpoints? [y/N] ", dir)
				line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					fmt.Fprintln(c.App.Writer, "nothing deleted")
					return nil
				}
			}
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("reset %s: %w", dir, err)
			}
			fmt.Fprintf(c.App.Writer, "deleted %s\n", dir)
			return nil
		},
	}
}
