package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"vdvae/train"
)

func resetCommand() *cli.Command {
	return &cli.Command{
		Name:      "reset",
		Usage:     "delete a run directory (checkpoints, metrics, hparams)",
		ArgsUsage: "NAME (flags come before the name)",
		Flags: []cli.Flag{runsFlag,
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 && strings.HasPrefix(c.Args().Get(1), "-") {
				return usage(fmt.Errorf("flags go before the run name: vdvae reset %s %s",
					strings.Join(c.Args().Slice()[1:], " "), c.Args().First()))
			}
			if c.NArg() != 1 {
				return usage(fmt.Errorf("reset needs exactly one run name, e.g. vdvae reset --yes mnist_cpu"))
			}
			name := c.Args().First()
			if err := train.ValidRunName(name); err != nil {
				return usage(fmt.Errorf("reset: %w", err))
			}
			dir := train.RunDir(c.String("runs"), name)
			if !train.IsRunDir(dir) {
				return usage(fmt.Errorf("no run %q in %s: %s holds no %s, %s or %s", name,
					c.String("runs"), dir, train.HparamsFile, train.MetricsFile, train.CkptDir))
			}
			lock, err := train.LockRun(dir)
			if err != nil {
				return err
			}
			defer lock.Close()
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
