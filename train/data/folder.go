package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// SplitFileNames are the names of a split file in a --data-dir folder, in
// the order they are looked for. list_eval_partition.txt is CelebA's own
// partition file, which has the same format.
var SplitFileNames = []string{"splits.txt", "list_eval_partition.txt"}

// listing is the files of one split, sorted by path.
type listing struct {
	where   string   // the folder or split file, for messages
	root    string   // the folder that image names are relative to
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

// hidden says why a file or folder is left out by its name alone: a name
// starting with a dot (.DS_Store, .git, macOS's ._* AppleDouble files) or
// macOS's __MACOSX folder of archive metadata. It returns "" otherwise.
func hidden(name string) string {
	switch {
	case strings.HasPrefix(name, "."):
		return "hidden (the name starts with a dot), not read"
	case name == "__MACOSX":
		return "macOS archive metadata (__MACOSX), not read"
	}
	return ""
}

// add files path, of size bytes, under its kind, or skips it.
func (l *listing) add(path string, size int64) {
	k := kindOf(path)
	switch {
	case hidden(filepath.Base(path)) != "":
		l.skip(path, hidden(filepath.Base(path)))
	case k == kindOther:
		l.skip(path, "not a .png, .jpg, .jpeg, .npy or .npz file")
	case size == 0:
		l.skip(path, "empty file")
	case k == kindArray:
		l.arrays = append(l.arrays, path)
	default:
		l.images = append(l.images, path)
	}
}

func (l *listing) skip(path, why string) { l.skipped = append(l.skipped, Skip{path, why}) }

// check refuses a listing with no usable file or with both kinds.
func (l *listing) check() error {
	switch {
	case len(l.images) > 0 && len(l.arrays) > 0:
		return fmt.Errorf("data: %s holds both images (%s, ...) and arrays (%s, ...): keep one "+
			"kind per split", l.where, l.images[0], l.arrays[0])
	case len(l.images) == 0 && len(l.arrays) == 0:
		msg := fmt.Sprintf("data: no PNG or JPEG images and no .npy or .npz arrays in %s", l.where)
		if len(l.skipped) > 0 {
			msg += fmt.Sprintf(" (%d other files, such as %s)", len(l.skipped), l.skipped[0])
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// listFolder lists the files under dir in path order, descending into
// sub-folders and following links to files and folders. Hidden files and
// folders and __MACOSX folders are skipped and listed (see hidden). A
// folder reached a second time, through a link or a loop of links, is not
// read again.
func listFolder(dir string) (*listing, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("data: %s is not a folder", dir)
	}
	w := &folderWalk{l: &listing{where: dir, root: dir}, seen: map[string]string{}}
	if err := w.walk(dir); err != nil {
		return nil, err
	}
	return w.l, nil
}

// folderWalk lists a folder tree, following links.
type folderWalk struct {
	l    *listing
	seen map[string]string // the real path of each folder read → the path it was read as
}

// walk lists the entries of dir, in name order, and of its sub-folders.
func (w *folderWalk) walk(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("data: list %s: %w", dir, err)
	}
	if prev, ok := w.seen[real]; ok {
		w.l.skip(dir, "the same folder as "+prev+", already read")
		return nil
	}
	w.seen[real] = dir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data: list %s: %w", dir, err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if why := hidden(e.Name()); why != "" {
			w.l.skip(path, why)
			continue
		}
		info, err := os.Stat(path) // follows links
		switch {
		case err != nil && e.Type()&fs.ModeSymlink != 0:
			w.l.skip(path, "link to a missing file or folder")
		case err != nil:
			w.l.skip(path, err.Error())
		case info.IsDir():
			if err := w.walk(path); err != nil {
				return err
			}
		case !info.Mode().IsRegular():
			w.l.skip(path, "not a regular file")
		default:
			w.l.add(path, info.Size())
		}
	}
	return nil
}

// splitCodes maps a split file's second column to a split index (0 train,
// 1 validation, 2 test).
var splitCodes = map[string]int{"train": 0, "0": 0, "val": 1, "1": 1, "test": 2, "2": 2}

// celebAImages is the folder of CelebA's aligned images, where the bare
// names of its list_eval_partition.txt are also looked for.
const celebAImages = "img_align_celeba"

// readSplitFile reads a split file: one image per line, its path relative
// to the file's folder (and inside it) then whitespace then its split
// (train, val or test, or CelebA's 0, 1 or 2). A path not found there is
// looked for in the img_align_celeba/ sub-folder, where CelebA keeps the
// images its list_eval_partition.txt names. Empty lines and lines starting
// with # are ignored, and so is a UTF-8 byte order mark. A path that leaves
// the folder, a listed file that does not exist, a path listed twice and an
// unknown split are errors naming the line; so is a file that is not text.
func readSplitFile(path string) ([3]*listing, error) {
	var out [3]*listing
	dir := filepath.Dir(path)
	for i, name := range []string{"train", "val", "test"} {
		out[i] = &listing{where: path + " (" + name + ")", root: dir}
	}
	if k := kindOf(path); k != kindOther {
		return out, fmt.Errorf("data: %s is an image or array file, not a split file: --data-dir "+
			"takes the folder holding train/ and val/ (or a split file of PATH SPLIT lines)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return out, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		rel, split, err := splitLine(path, n, sc.Text())
		if err != nil {
			return out, err
		}
		if rel == "" {
			continue
		}
		file := filepath.Join(dir, rel)
		info, err := os.Stat(file)
		if errors.Is(err, fs.ErrNotExist) {
			alt := filepath.Join(dir, celebAImages, rel)
			if ai, aerr := os.Stat(alt); aerr == nil {
				file, info, err = alt, ai, nil
			}
		}
		if err != nil {
			return out, fmt.Errorf("data: %s line %d: %w", path, n, err)
		}
		if prev, ok := seen[file]; ok {
			return out, fmt.Errorf("data: %s line %d: %s is already listed on line %d", path, n, file, prev)
		}
		seen[file] = n
		if info.IsDir() {
			out[split].skip(file, "a folder: a split file lists image or array files")
			continue
		}
		out[split].add(file, info.Size())
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return out, fmt.Errorf("data: %s line %d is longer than %d bytes: not a split file (lines of "+
			"PATH SPLIT)", path, n+1, bufio.MaxScanTokenSize)
	} else if err != nil {
		return out, fmt.Errorf("data: read %s: %w", path, err)
	}
	return out, nil
}

// splitLine parses line n of a split file into a path, cleaned and
// relative to the file's folder, and a split index. Blank and comment
// lines give an empty path.
func splitLine(path string, n int, line string) (string, int, error) {
	if n == 1 {
		line = strings.TrimPrefix(line, "\ufeff")
	}
	if !utf8.ValidString(line) || strings.IndexByte(line, 0) >= 0 {
		return "", 0, fmt.Errorf("data: %s line %d is not text: not a split file (lines of PATH "+
			"SPLIT); --data-dir takes the folder holding train/ and val/ or a split file", path, n)
	}
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", 0, nil
	}
	cut := strings.LastIndexAny(line, " \t")
	if cut < 0 {
		return "", 0, fmt.Errorf("data: %s line %d: %q has no split: want PATH SPLIT", path, n, line)
	}
	file, code := strings.TrimSpace(line[:cut]), line[cut+1:]
	split, ok := splitCodes[code]
	if !ok {
		return "", 0, fmt.Errorf("data: %s line %d: unknown split %q: want train, val or test "+
			"(or 0, 1, 2)", path, n, code)
	}
	if !filepath.IsLocal(file) {
		return "", 0, fmt.Errorf("data: %s line %d: %q is not inside the split file's folder: "+
			"paths must be relative to %s, without .. leading out of it", path, n, file,
			filepath.Dir(path))
	}
	return filepath.Clean(file), split, nil
}

// imageReader decodes image files and brings them to C×R×R.
type imageReader struct {
	paths []string
	root  string // the split's folder, or the split file's
	c     int
	res   int
	st    *stream // for notes
}

func (r *imageReader) name(i int) string { return r.paths[i] }
func (r *imageReader) close() error      { return nil }

// relName returns image i's path relative to the split's folder, with
// forward slashes.
func (r *imageReader) relName(i int) string {
	rel, err := filepath.Rel(r.root, r.paths[i])
	if err != nil {
		return filepath.ToSlash(r.paths[i])
	}
	return filepath.ToSlash(rel)
}

func (r *imageReader) read(i int, dst []uint8, s *scratch) error {
	path := r.paths[i]
	var err error
	if s.file, err = readFileInto(path, s.file); err != nil {
		return err
	}
	img, release, err := decodeImage(path, s.file)
	if err != nil {
		return err
	}
	defer release()
	b := img.Bounds()
	info := r.convert(dst, img, s)
	r.noteConversions(path, b.Dx(), b.Dy(), info)
	return nil
}

// subImager is what the image types of image/png and image/jpeg implement
// to share a rectangle of their pixels.
type subImager interface {
	SubImage(r image.Rectangle) image.Image
}

// stripRows is how many rows of an image are converted to planes at a
// time, so that a large image needs no second full-size copy.
const stripRows = 64

// convert brings img to C×R×R in dst: strip after strip of its rows is
// converted to planes (toPlanes) and resized horizontally to R columns;
// then the columns are resized vertically to R rows. The passes and their
// rounding are Pillow's, as in resizePlane.
func (r *imageReader) convert(dst []uint8, img image.Image, s *scratch) colorInfo {
	b := img.Bounds()
	w, h, c, res := b.Dx(), b.Dy(), r.c, r.res
	s.tmp = grow(s.tmp, c*res*h) // c planes of res×h: the horizontal pass
	var hw *axisWeights
	if w != res {
		hw = s.weightsFor(w, res)
	}
	sub, canSub := img.(subImager)
	var info colorInfo
	for y0 := 0; y0 < h; y0 += stripRows {
		rows := min(stripRows, h-y0)
		strip := img
		if !canSub {
			rows = h
		} else if rows < h {
			strip = sub.SubImage(image.Rect(b.Min.X, b.Min.Y+y0, b.Max.X, b.Min.Y+y0+rows))
		}
		var si colorInfo
		s.planes, si = toPlanes(strip, c, s.planes)
		info.gray, info.alpha = si.gray, info.alpha || si.alpha
		for ch := range c {
			src := s.planes[ch*w*rows : (ch+1)*w*rows]
			out := s.tmp[ch*res*h+y0*res : ch*res*h+(y0+rows)*res]
			if hw == nil {
				copy(out, src)
			} else {
				resizeRows(out, src, w, res, hw)
			}
		}
	}
	var vw *axisWeights
	if h != res {
		vw = s.weightsFor(h, res)
	}
	for ch := range c {
		resizeCols(dst[ch*res*res:(ch+1)*res*res], s.tmp[ch*res*h:(ch+1)*res*h], res, h, res, vw)
	}
	return info
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
