package data

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SplitFileNames are the names of a split file in a --data-dir folder, in
// the order they are looked for. list_eval_partition.txt is CelebA's own
// partition file, which has the same format.
var SplitFileNames = []string{"splits.txt", "list_eval_partition.txt"}

// listing is the files of one split, sorted by path.
type listing struct {
	where   string   // the folder or split file, for messages
	images  []string // PNG and JPEG files
	arrays  []string // .npy and .npz files
	skipped []Skip   // files left out
}

// kindOf classifies a file by its extension, in any case.
func kindOf(path string) imageKind {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return kindPNG
	case ".jpg", ".jpeg":
		return kindJPEG
	case ".npy", ".npz":
		return kindArray
	}
	return kindOther
}

// add files path, of size bytes, under its kind, or skips it.
func (l *listing) add(path string, size int64) {
	k := kindOf(path)
	switch {
	case k == kindOther:
		l.skipped = append(l.skipped, Skip{path, "not a .png, .jpg, .jpeg, .npy or .npz file"})
	case size == 0:
		l.skipped = append(l.skipped, Skip{path, "empty file"})
	case k == kindArray:
		l.arrays = append(l.arrays, path)
	default:
		l.images = append(l.images, path)
	}
}

// check refuses a listing with no usable file or with both kinds.
func (l *listing) check() error {
	switch {
	case len(l.images) > 0 && len(l.arrays) > 0:
		return fmt.Errorf("data: %s holds both images (%s, ...) and arrays (%s, ...): keep one "+
			"kind per split", l.where, l.images[0], l.arrays[0])
	case len(l.images) == 0 && len(l.arrays) == 0:
		msg := fmt.Sprintf("data: no PNG or JPEG images and no .npy or .npz arrays in %s", l.where)
		if len(l.skipped) > 0 {
			msg += fmt.Sprintf(" (%d other files, such as %s)", len(l.skipped), l.skipped[0].Path)
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// listFolder lists the files under dir, in lexical order, descending into
// sub-folders except hidden ones (whose name starts with a dot).
func listFolder(dir string) (*listing, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("data: %s is not a folder", dir)
	}
	l := &listing{where: dir}
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("data: list %s: %w", path, err)
		}
		if e.IsDir() {
			if path != dir && strings.HasPrefix(e.Name(), ".") {
				l.skipped = append(l.skipped, Skip{path, "hidden folder, not read"})
				return filepath.SkipDir
			}
			return nil
		}
		info, err := os.Stat(path) // follows a link to a file
		switch {
		case err != nil:
			l.skipped = append(l.skipped, Skip{path, err.Error()})
		case info.IsDir():
			l.skipped = append(l.skipped, Skip{path, "link to a folder, not followed"})
		case !info.Mode().IsRegular():
			l.skipped = append(l.skipped, Skip{path, "not a regular file"})
		default:
			l.add(path, info.Size())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// splitCodes maps a split file's second column to a split index (0 train,
// 1 validation, 2 test).
var splitCodes = map[string]int{"train": 0, "0": 0, "val": 1, "1": 1, "test": 2, "2": 2}

// readSplitFile reads a split file: one image per line, its path (relative
// to the file's folder, or absolute) then whitespace then its split
// (train, val or test, or CelebA's 0, 1 or 2). Empty lines and lines
// starting with # are ignored. A listed file that does not exist, a path
// listed twice and an unknown split are errors naming the line.
func readSplitFile(path string) ([3]*listing, error) {
	var out [3]*listing
	for i, name := range []string{"train", "val", "test"} {
		out[i] = &listing{where: path + " (" + name + ")"}
	}
	f, err := os.Open(path)
	if err != nil {
		return out, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	dir := filepath.Dir(path)
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexAny(line, " \t")
		if cut < 0 {
			return out, fmt.Errorf("data: %s line %d: %q has no split: want PATH SPLIT", path, n, line)
		}
		file, code := strings.TrimSpace(line[:cut]), line[cut+1:]
		split, ok := splitCodes[code]
		if !ok {
			return out, fmt.Errorf("data: %s line %d: unknown split %q: want train, val or test "+
				"(or 0, 1, 2)", path, n, code)
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		if prev, ok := seen[file]; ok {
			return out, fmt.Errorf("data: %s line %d: %s is already listed on line %d", path, n, file, prev)
		}
		seen[file] = n
		info, err := os.Stat(file)
		if err != nil {
			return out, fmt.Errorf("data: %s line %d: %w", path, n, err)
		}
		out[split].add(file, info.Size())
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("data: read %s: %w", path, err)
	}
	return out, nil
}

// imageReader decodes image files and brings them to C×R×R.
type imageReader struct {
	paths []string
	c     int
	res   int
	st    *stream // for notes
}

func (r *imageReader) name(i int) string { return r.paths[i] }
func (r *imageReader) close() error      { return nil }

func (r *imageReader) read(i int, dst []uint8, s *scratch) error {
	path := r.paths[i]
	var err error
	if s.file, err = readFileInto(path, s.file); err != nil {
		return err
	}
	img, err := decodeImage(path, s.file)
	if err != nil {
		return err
	}
	var info colorInfo
	s.planes, info = toPlanes(img, r.c, s.planes)
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	r.noteConversions(path, w, h, info)
	res := r.res
	if w == res && h == res {
		copy(dst, s.planes)
		return nil
	}
	hw, vw := s.weightsFor(w, res), s.weightsFor(h, res)
	for ch := range r.c {
		s.tmp = resizePlane(dst[ch*res*res:(ch+1)*res*res], s.planes[ch*w*h:(ch+1)*w*h],
			w, h, res, res, hw, vw, s.tmp)
	}
	return nil
}

// noteConversions reports, once each, the first image that is resized,
// not square, converted between gray and colour, or stripped of alpha.
func (r *imageReader) noteConversions(path string, w, h int, info colorInfo) {
	res := r.res
	switch {
	case w != h:
		r.st.noteOnce(noteNonSquare, fmt.Sprintf("%s is %dx%d, not square: images that are not "+
			"square are resized to %dx%d without keeping their aspect ratio, as the reference's "+
			"loader does; crop them beforehand to keep it", path, w, h, res, res))
	case w != res:
		r.st.noteOnce(noteResized, fmt.Sprintf("images are resized to %dx%d with Pillow's bilinear "+
			"filter, as the reference does (%s is %dx%d)", res, res, path, w, h))
	}
	if info.gray && r.c == 3 {
		r.st.noteOnce(noteChannels, fmt.Sprintf("%s is grayscale: its gray level is repeated in "+
			"the 3 channels", path))
	} else if !info.gray && r.c == 1 {
		r.st.noteOnce(noteChannels, fmt.Sprintf("%s is in colour: images are converted to gray "+
			"as Pillow's convert(\"L\") does, since data.channels is 1", path))
	}
	if info.alpha {
		r.st.noteOnce(noteAlpha, fmt.Sprintf("%s has transparent pixels: the alpha channel is "+
			"dropped and the colour values kept as they are", path))
	}
}

// weightsFor returns the resize weights from in to out pixels, cached per
// scratch since a folder's images usually share a size.
func (s *scratch) weightsFor(in, out int) *axisWeights {
	key := [2]int{in, out}
	if w, ok := s.weights[key]; ok {
		return w
	}
	if s.weights == nil || len(s.weights) > 64 {
		s.weights = map[[2]int]*axisWeights{}
	}
	w := bilinearWeights(in, out)
	s.weights[key] = &w
	return &w
}
