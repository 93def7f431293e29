// Command vdvae validates, trains and runs Efficient-VDVAE models.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }
