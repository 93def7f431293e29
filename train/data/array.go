package data

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// arrayFile is one array of images in a .npy file or a .npz entry, read in
// place with ReadAt.
type arrayFile struct {
	path string   // the file, or "FILE.npz:ENTRY" for an archive entry
	f    *os.File // the file holding the data
	off  int64    // offset of the first image's first byte
	n    int      // images
	hwc  bool     // images stored H×W×C (else C×H×W)
}

// arrayReader serves the images of several arrays one after another.
type arrayReader struct {
	files []arrayFile
	start []int // image index of each file's first image; one more at the end
	c     int
	res   int
}

func (r *arrayReader) locate(i int) (*arrayFile, int) {
	k := sort.SearchInts(r.start, i+1) - 1
	return &r.files[k], i - r.start[k]
}

func (r *arrayReader) name(i int) string {
	f, j := r.locate(i)
	return fmt.Sprintf("%s[%d]", f.path, j)
}

func (r *arrayReader) read(i int, dst []uint8, s *scratch) error {
	f, j := r.locate(i)
	sz := len(dst)
	buf := dst
	if f.hwc {
		s.tmp = grow(s.tmp, sz)
		buf = s.tmp
	}
	if _, err := f.f.ReadAt(buf, f.off+int64(j)*int64(sz)); err != nil {
		return fmt.Errorf("data: read image %d of %s: %w", j, f.path, err)
	}
	if f.hwc {
		hw := r.res * r.res
		for p := range hw {
			for ch := range r.c {
				dst[ch*hw+p] = buf[p*r.c+ch]
			}
		}
	}
	return nil
}

func (r *arrayReader) close() error {
	var errs []error
	for _, f := range r.files {
		errs = append(errs, f.f.Close())
	}
	return errors.Join(errs...)
}

// openArrays opens the .npy and .npz files paths, in that order, as one
// set of images of c channels and res×res pixels.
func openArrays(paths []string, c, res int, note func(string)) (*arrayReader, error) {
	r := &arrayReader{c: c, res: res, start: []int{0}}
	for _, p := range paths {
		var af arrayFile
		var err error
		if strings.EqualFold(filepath.Ext(p), ".npz") {
			af, err = openNPZ(p, c, res, note)
		} else {
			af, err = openNPY(p, c, res)
		}
		if err != nil {
			r.close()
			return nil, err
		}
		r.files = append(r.files, af)
		r.start = append(r.start, r.start[len(r.start)-1]+af.n)
	}
	return r, nil
}

// openNPY opens a .npy file.
func openNPY(path string, c, res int) (arrayFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return arrayFile{}, fmt.Errorf("data: %w", err)
	}
	af, err := arrayIn(path, f, 0, c, res, -1)
	if err != nil {
		f.Close()
	}
	return af, err
}

// arrayIn reads the .npy header at off in f and checks the array against
// c and res. size is the byte count of the .npy data from off, or -1 for
// the rest of the file.
func arrayIn(path string, f *os.File, off int64, c, res int, size int64) (arrayFile, error) {
	h, err := readNPYHeader(path, io.NewSectionReader(f, off, 1<<62))
	if err != nil {
		return arrayFile{}, err
	}
	if size < 0 {
		st, err := f.Stat()
		if err != nil {
			return arrayFile{}, fmt.Errorf("data: %w", err)
		}
		size = st.Size() - off
	}
	af := arrayFile{path: path, f: f, off: off + h.size}
	if err := checkArray(path, h, c, res, &af); err != nil {
		return arrayFile{}, err
	}
	want := h.size + int64(af.n)*int64(c*res*res)
	switch {
	case size < want:
		return arrayFile{}, formatErr(path, "truncated: shape %v needs %d bytes, there are %d",
			h.shape, want, size)
	case size > want:
		return arrayFile{}, formatErr(path, "shape %v needs %d bytes, there are %d (%d extra)",
			h.shape, want, size, size-want)
	}
	return af, nil
}

// checkArray accepts an array of unsigned bytes holding images of c
// channels and res×res pixels as (N, c*res*res), the downsampled-ImageNet
// layout of rows of C×H×W values; (N, c, res, res); (N, res, res, c); or
// (N, res, res) when c is 1. It sets af.n and af.hwc.
func checkArray(path string, h *npyHeader, c, res int, af *arrayFile) error {
	switch h.descr {
	case "|u1", "<u1", ">u1", "=u1":
	default:
		return &UnsupportedError{Path: path, Msg: fmt.Sprintf("array of dtype %q: want uint8 ('|u1') "+
			"pixels", h.descr)}
	}
	s := h.shape
	if h.fortran && len(s) > 1 {
		return &UnsupportedError{Path: path, Msg: "array in Fortran order: save it in C order " +
			"(np.ascontiguousarray)"}
	}
	switch {
	case len(s) == 2 && s[1] == c*res*res:
	case len(s) == 3 && c == 1 && s[1] == res && s[2] == res:
	case len(s) == 4 && s[1] == c && s[2] == res && s[3] == res:
	case len(s) == 4 && s[1] == res && s[2] == res && s[3] == c:
		af.hwc = c > 1
	default:
		want := fmt.Sprintf("(N, %d), (N, %d, %d, %d) or (N, %d, %d, %d)", c*res*res, c, res, res,
			res, res, c)
		return formatErr(path, "array of shape %v: for data.channels %d and data.target_res %d "+
			"want %s", s, c, res, want)
	}
	if s[0] > 1<<40/max(1, c*res*res) {
		return formatErr(path, "array of shape %v is too large", s)
	}
	af.n = s[0]
	return nil
}

// npzEntry is the array that an .npz archive's images are taken from: the
// one named data (as in the downsampled-ImageNet files), else the only one.
func npzEntry(path string, z *zip.Reader) (*zip.File, error) {
	var names []string
	for _, f := range z.File {
		if f.Name == "data.npy" {
			return f, nil
		}
		names = append(names, strings.TrimSuffix(f.Name, ".npy"))
	}
	if len(z.File) == 1 {
		return z.File[0], nil
	}
	return nil, formatErr(path, "no array named data among %v", names)
}

// openNPZ opens the image array of an .npz archive. A stored entry is read
// in place; a compressed one is inflated once into an unnamed temporary
// file (in $TMPDIR), so that memory use does not grow with it.
func openNPZ(path string, c, res int, note func(string)) (arrayFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return arrayFile{}, fmt.Errorf("data: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return arrayFile{}, fmt.Errorf("data: %w", err)
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return arrayFile{}, formatErr(path, "not an .npz archive: %v", err)
	}
	e, err := npzEntry(path, z)
	if err != nil {
		f.Close()
		return arrayFile{}, err
	}
	name := path + ":" + e.Name
	if e.Method == zip.Store {
		off, err := e.DataOffset()
		if err != nil {
			f.Close()
			return arrayFile{}, formatErr(name, "%v", err)
		}
		af, err := arrayIn(name, f, off, c, res, int64(e.UncompressedSize64))
		if err != nil {
			f.Close()
		}
		return af, err
	}
	defer f.Close()
	if note != nil {
		note(fmt.Sprintf("%s is compressed: inflating its %d MB into a temporary file in %s",
			name, e.UncompressedSize64>>20, os.TempDir()))
	}
	tmp, err := inflate(name, e)
	if err != nil {
		return arrayFile{}, err
	}
	af, err := arrayIn(name, tmp, 0, c, res, -1)
	if err != nil {
		tmp.Close()
	}
	return af, err
}

// inflate copies a compressed entry into a temporary file that is removed
// at once, so that it disappears when closed.
func inflate(name string, e *zip.File) (*os.File, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, formatErr(name, "%v", err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp("", "vdvae-npz-*.npy")
	if err != nil {
		return nil, fmt.Errorf("data: inflate %s: %w", name, err)
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, rc); err != nil {
		tmp.Close()
		if errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErr(name, "corrupt compressed data: %v", err)
		}
		return nil, fmt.Errorf("data: inflate %s: %w", name, err)
	}
	return tmp, nil
}
