package npy

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"vdvae/internal/atomicfile"
)

// WriteNPYFile writes a to path as a .npy file, atomically.
func WriteNPYFile(path string, a Array) error {
	if _, _, err := a.check(); err != nil {
		return err
	}
	return writeAtomic(path, func(w io.Writer) error { return WriteNPY(w, a) })
}

// WriteNPZFile writes the arrays to path as an .npz archive, atomically.
func WriteNPZFile(path string, arrays []Array) error {
	if err := checkAll(arrays); err != nil {
		return err
	}
	return writeAtomic(path, func(w io.Writer) error { return WriteNPZ(w, arrays) })
}

// ReadNPYFile reads the .npy file at path; the Name of the result is the
// file's base name without ".npy".
func ReadNPYFile(path string) (Array, error) {
	f, size, err := open(path)
	if err != nil {
		return Array{}, err
	}
	defer f.Close()
	a, err := readNPY(bufio.NewReader(f), size)
	if err != nil {
		return Array{}, locate(err, path)
	}
	a.Name = strings.TrimSuffix(filepath.Base(path), ".npy")
	return a, nil
}

// ReadNPZFile reads every array of the .npz archive at path, in archive
// order.
func ReadNPZFile(path string) ([]Array, error) {
	f, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	arrays, err := ReadNPZ(f, size)
	if err != nil {
		return nil, locate(err, path)
	}
	return arrays, nil
}

// open opens a regular file for reading and returns its size.
func open(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("npy: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("npy: %w", err)
	}
	return f, st.Size(), nil
}

// writeAtomic writes a file with internal/atomicfile, naming the package
// in its errors.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
