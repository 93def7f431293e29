package tensorboard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// FileVersion is the file_version of the first event of every file.
const FileVersion = "brain.Event:2"

// Writer appends events to one new event file. Its methods may be called
// from several goroutines.
type Writer struct {
	mu   sync.Mutex
	path string
	now  func() time.Time
	f    *os.File // nil once closed
	bw   *bufio.Writer
	msg  []byte // scratch: the encoded event
	rec  []byte // scratch: the event framed as a record
	err  error  // the first write error, returned by every later call
}

// Option configures a Writer made by Create.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock makes the writer take wall times, and the time in its file
// name, from now instead of time.Now; tests use it to be deterministic.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

var errClosed = errors.New("tensorboard: writer is closed")

// Create makes a new event file in dir, creating dir (mode 0755) if it does
// not exist, and writes the file's first event. See the package doc for the
// file's name.
func Create(dir string, opts ...Option) (*Writer, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tensorboard: create event folder: %w", err)
	}
	t := o.now()
	f, err := createUnique(filepath.Join(dir, fileName(t, hostname(), os.Getpid())))
	if err != nil {
		return nil, err
	}

	w := &Writer{path: f.Name(), now: o.now, f: f, bw: bufio.NewWriterSize(f, 64<<10)}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.write(Event{WallTime: wallTime(t), FileVersion: FileVersion})
	if err := w.flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return w, nil
}

// fileName is TensorBoard's usual name for an event file. The seconds are
// padded to ten digits, as TensorFlow does, so that names sort by time.
func fileName(t time.Time, host string, pid int) string {
	return fmt.Sprintf("events.out.tfevents.%010d.%s.%d", t.Unix(), host, pid)
}

// hostname returns the machine's name with every byte other than ASCII
// letters, digits, '-', '_' and '.' replaced by '_', or "localhost".
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return sanitizeHost(h)
}

func sanitizeHost(h string) string {
	b := []byte(h)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.'
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// createUnique creates path, or path.1, path.2... when it exists, so that
// two writers started in the same second by one process get two files.
func createUnique(path string) (*os.File, error) {
	const tries = 1000
	for i := range tries {
		name := path
		if i > 0 {
			name = fmt.Sprintf("%s.%d", path, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("tensorboard: create event file: %w", err)
		}
	}
	return nil, fmt.Errorf("tensorboard: create event file: %s and %d others exist", path, tries-1)
}

// wallTime returns t in seconds since the Unix epoch.
func wallTime(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// Path returns the name of the writer's file.
func (w *Writer) Path() string { return w.path }

// Scalar writes one event holding the scalar v under tag. The value is
// stored as a float32, as TensorBoard's simple_value is.
func (w *Writer) Scalar(tag string, step int64, v float64) error {
	return w.Scalars(step, map[string]float64{tag: v})
}

// Scalars writes one event holding every scalar of tags, in tag order. It
// writes nothing when tags is empty.
func (w *Writer) Scalars(step int64, tags map[string]float64) error {
	if len(tags) == 0 {
		return nil
	}
	values := make([]Value, 0, len(tags))
	for _, tag := range slices.Sorted(maps.Keys(tags)) {
		if err := checkTag(tag); err != nil {
			return err
		}
		values = append(values, Value{Tag: tag, Simple: float32(tags[tag]), HasSimple: true})
	}
	return w.event(step, values)
}

// Image writes one event holding img, PNG-encoded, under tag. Its colorspace
// is that of the PNG: ColorspaceGray for an image whose color model is
// gray, else ColorspaceRGB for an opaque image and ColorspaceRGBA for one
// with any transparency.
func (w *Writer) Image(tag string, step int64, img image.Image) error {
	if err := checkTag(tag); err != nil {
		return err
	}
	b := img.Bounds()
	if b.Empty() || b.Dx() > math.MaxInt32 || b.Dy() > math.MaxInt32 {
		return fmt.Errorf("tensorboard: image %q: invalid size %dx%d", tag, b.Dx(), b.Dy())
	}
	var enc bytes.Buffer
	if err := png.Encode(&enc, img); err != nil {
		return fmt.Errorf("tensorboard: image %q: %w", tag, err)
	}
	im := &Image{Height: b.Dy(), Width: b.Dx(), Colorspace: colorspace(img), PNG: enc.Bytes()}
	return w.event(step, []Value{{Tag: tag, Image: im}})
}

// colorspace returns the channels image/png encodes img with.
func colorspace(img image.Image) int {
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		return ColorspaceGray
	}
	if opaque(img) {
		return ColorspaceRGB
	}
	return ColorspaceRGBA
}

// opaque reports whether every pixel of img has full alpha.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// checkTag rejects tags TensorBoard cannot read: an empty one, or one that
// is not UTF-8 (a proto3 string must be).
func checkTag(tag string) error {
	if tag == "" {
		return errors.New("tensorboard: empty tag")
	}
	if !utf8.ValidString(tag) {
		return fmt.Errorf("tensorboard: tag %q is not valid UTF-8", tag)
	}
	return nil
}

// event writes one event of values at step, stamped with the clock's time.
func (w *Writer) event(step int64, values []Value) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errClosed
	}
	w.write(Event{WallTime: wallTime(w.now()), Step: step, Values: values})
	return w.err
}

// write buffers e as one record; a failure is kept in w.err.
func (w *Writer) write(e Event) {
	if w.err != nil {
		return
	}
	w.msg = e.appendProto(w.msg[:0])
	w.rec = appendRecord(w.rec[:0], w.msg)
	if _, err := w.bw.Write(w.rec); err != nil {
		w.err = fmt.Errorf("tensorboard: write %s: %w", w.path, err)
	}
}

// Flush writes the buffered events to the file.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errClosed
	}
	return w.flush()
}

func (w *Writer) flush() error {
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("tensorboard: write %s: %w", w.path, err)
		}
	}
	return w.err
}

// Close flushes the buffered events and closes the file. Calls after it
// return an error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errClosed
	}
	err := w.flush()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tensorboard: close %s: %w", w.path, cerr)
	}
	w.f = nil
	return err
}
