package npy

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
)

// WriteNPZ writes the arrays as an .npz archive, one stored (uncompressed)
// NAME.npy entry each, in the order given. Names must be non-empty and
// distinct.
func WriteNPZ(w io.Writer, arrays []Array) error {
	if err := checkAll(arrays); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, a := range arrays {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("npy: write entry %q: %w", a.Name, err)
		}
		if err := WriteNPY(fw, a); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("npy: finish archive: %w", err)
	}
	return nil
}

// checkAll validates every array of an archive before anything is written.
func checkAll(arrays []Array) error {
	seen := make(map[string]bool, len(arrays))
	for _, a := range arrays {
		if a.Name == "" {
			return fmt.Errorf("npy: an array in the archive has no name")
		}
		if seen[a.Name] {
			return fmt.Errorf("npy: two arrays are named %q", a.Name)
		}
		seen[a.Name] = true
		if _, _, err := a.check(); err != nil {
			return err
		}
	}
	return nil
}

// ReadNPZ reads every array of an .npz archive of the given size, in
// archive order; each Array's Name is its entry name without ".npy".
// Stored and deflated (np.savez_compressed) entries are both read.
func ReadNPZ(r io.ReaderAt, size int64) ([]Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, invalidf("not a zip archive (%v)", err)
	}
	var arrays []Array
	seen := map[string]bool{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return nil, &Error{Kind: ErrUnsupported, Entry: f.Name,
				Msg: "not a .npy entry; an .npz archive here holds only NAME.npy files"}
		}
		if seen[name] {
			return nil, &Error{Kind: ErrInvalid, Entry: f.Name, Msg: "the archive holds it twice"}
		}
		seen[name] = true
		a, err := readEntry(f, size)
		if err != nil {
			return nil, inEntry(err, f.Name)
		}
		a.Name = name
		arrays = append(arrays, a)
	}
	return arrays, nil
}

// maxDeflateRatio bounds how many bytes one compressed byte can inflate to
// (deflate's own limit is about 1032).
const maxDeflateRatio = 1032

// readEntry reads the .npy array of one entry of an archive of size bytes.
// The entry's declared sizes come from the file, so they only bound what
// is read: a stored entry cannot be larger than the archive, a deflated
// one than deflate's ratio allows, whatever its header claims.
func readEntry(f *zip.File, size int64) (Array, error) {
	rc, err := f.Open()
	if err != nil {
		return Array{}, err
	}
	defer rc.Close()
	limit := min(f.UncompressedSize64, uint64(size))
	if f.Method != zip.Store {
		limit = min(f.UncompressedSize64, min(f.CompressedSize64, uint64(size))*maxDeflateRatio)
	}
	a, err := readNPY(rc, int64(min(limit, 1<<62)))
	if err != nil {
		return Array{}, err
	}
	// Read to the end, where the zip reader checks the entry's checksum.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return Array{}, err
	}
	return a, nil
}

// Find returns the array called name, and whether there is one.
func Find(arrays []Array, name string) (Array, bool) {
	for _, a := range arrays {
		if a.Name == name {
			return a, true
		}
	}
	return Array{}, false
}
