package main

import (
	"fmt"
	"io"

	"vdvae/train/data"
)

// maxSkipLines is how many left-out files an inference command names.
const maxSkipLines = 20

// noteSkipped tells on w which files of split the loader left out: files
// that are not images, and images that could not be read. Evaluation
// never replaces an unreadable image, so none of them is in the results.
func noteSkipped(w io.Writer, split string, ds *data.Dataset) {
	sk := ds.Skipped()
	if len(sk) == 0 {
		return
	}
	files := fmt.Sprintf("%d files", len(sk))
	if len(sk) == 1 {
		files = "1 file"
	}
	fmt.Fprintf(w, "note: data: %s of the %s split skipped (not images, or unreadable), not in "+
		"the results:\n", files, split)
	for _, s := range sk[:min(len(sk), maxSkipLines)] {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if len(sk) > maxSkipLines {
		fmt.Fprintf(w, "  ... and %d more\n", len(sk)-maxSkipLines)
	}
}
