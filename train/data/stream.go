package data

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// reader reads the stored images of a streamed data set. Its methods are
// called from several goroutines at once.
type reader interface {
	// read writes image i (C*H*W bytes, NCHW order) to dst, using s for
	// temporary buffers.
	read(i int, dst []uint8, s *scratch) error
	// name returns the file (and the record in it) of image i.
	name(i int) string
	// close releases open files.
	close() error
}

// maxKept is the largest buffer a scratch keeps between images, so that
// one large image does not pin its decode buffers for the rest of a run.
const maxKept = 32 << 20

// scratch holds one goroutine's reusable buffers.
type scratch struct {
	file    []byte  // the bytes of an image file
	planes  []uint8 // an image's channels at its own size
	tmp     []uint8 // the horizontal pass of a resize; a record to transpose
	weights map[[2]int]*axisWeights
}

// grow returns b resized to n bytes, reusing its storage when it can.
func grow(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}

// Skip is a file that a loader left out, or an image that could not be
// read and was replaced (training) or left out (evaluation), and why.
type Skip struct {
	Path   string
	Reason string
}

func (s Skip) String() string { return s.Path + ": " + s.Reason }

// Note kinds, each reported once per stream.
const (
	noteNonSquare = iota
	noteResized
	noteChannels
	noteAlpha
	noteSubstituted
	numNotes
)

// stream is the part of a streamed Dataset shared by every dataset derived
// from it: the reader, the images that failed, and the settings of reading
// ahead.
type stream struct {
	r       reader
	n       int // images in the stream
	workers int // images read at once
	ahead   int // batches read ahead of the one being served
	listed  []Skip
	where   string // the folder or split file, for messages
	note    func(string)
	pool    sync.Pool

	noted *noteSet // shared by the splits of a data set

	mu     sync.Mutex
	failed map[int]Skip // image index in the stream → why it failed
	broken error        // set once too many images failed; every read returns it
}

// noteSet remembers which kinds of note were given for a data set.
type noteSet struct {
	mu   sync.Mutex
	seen [numNotes]bool
}

// first reports whether kind is noted for the first time.
func (n *noteSet) first(kind int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := !n.seen[kind]
	n.seen[kind] = true
	return f
}

// newStream wraps r, which holds n images. Zero workers or ahead take
// the defaults; notes are given once per kind in noted (nil: a new set).
func newStream(r reader, n int, o Spec, listed []Skip, noted *noteSet) *stream {
	if noted == nil {
		noted = new(noteSet)
	}
	st := &stream{r: r, n: n, workers: o.Workers, ahead: o.Ahead, listed: listed, note: o.Note,
		noted: noted, failed: map[int]Skip{}}
	if st.workers <= 0 {
		st.workers = runtime.GOMAXPROCS(0)
	}
	if st.ahead <= 0 {
		st.ahead = DefaultAhead
	}
	st.pool.New = func() any { return new(scratch) }
	return st
}

func (st *stream) getScratch() *scratch { return st.pool.Get().(*scratch) }

// putScratch returns s to the pool, without the buffers of a large image.
func (st *stream) putScratch(s *scratch) {
	if cap(s.file) > maxKept {
		s.file = nil
	}
	if cap(s.planes) > maxKept {
		s.planes = nil
	}
	if cap(s.tmp) > maxKept {
		s.tmp = nil
	}
	st.pool.Put(s)
}

// maxFailures is how many images of the stream may fail without stopping:
// 1% of them, and at least 10. One more stops reading.
func (st *stream) maxFailures() int { return max(10, st.n/100) }

// errSkipped is what read returns, when told to skip, for an image that
// cannot be read.
var errSkipped = errors.New("data: image skipped")

// read writes image i of the view [off, off+n) to dst. An image that cannot
// be read is, when skip is set, reported with errSkipped; otherwise it is
// replaced by the next one in the view, in order and wrapping around, that
// can be read. Failed images are remembered, so each is tried once.
// Reading stops with an error once more than maxFailures images failed.
func (st *stream) read(off, n, i int, dst []uint8, s *scratch, skip bool) error {
	if skip {
		return st.readOrSkip(off+i, dst, s)
	}
	for k := range n {
		j := off + (i+k)%n
		failed, broken := st.status(j)
		if broken != nil {
			return broken
		}
		if failed {
			continue
		}
		err := st.safeRead(j, dst, s)
		if err == nil {
			if k > 0 {
				st.noteOnce(noteSubstituted, fmt.Sprintf("%s could not be read and is replaced by "+
					"the next readable image; every such image is listed at the end", st.r.name(off+i)))
			}
			return nil
		}
		if fatal := st.fail(j, err, "replaced by the next readable image"); fatal != nil {
			return fatal
		}
	}
	return fmt.Errorf("data: none of the %d images%s could be read", n, st.in())
}

// readOrSkip reads image j, or returns errSkipped when it cannot be read.
func (st *stream) readOrSkip(j int, dst []uint8, s *scratch) error {
	failed, broken := st.status(j)
	switch {
	case broken != nil:
		return broken
	case failed:
		return errSkipped
	}
	err := st.safeRead(j, dst, s)
	if err == nil {
		return nil
	}
	if fatal := st.fail(j, err, "skipped"); fatal != nil {
		return fatal
	}
	return errSkipped
}

// in returns " in FOLDER" for messages, or "" when the folder is unknown.
func (st *stream) in() string {
	if st.where == "" {
		return ""
	}
	return " in " + st.where
}

// safeRead calls the reader and turns a panic in a decoder into an error
// naming the file, so that a reading goroutine never crashes the process.
func (st *stream) safeRead(j int, dst []uint8, s *scratch) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &FormatError{Path: st.r.name(j), Msg: fmt.Sprintf("decoder panicked: %v", p)}
		}
	}()
	return st.r.read(j, dst, s)
}

// status reports whether image j failed before, and the error of a
// stream with too many failed images.
func (st *stream) status(j int) (failed bool, broken error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, failed = st.failed[j]
	return failed, st.broken
}

// fail records that image j could not be read, and what became of it,
// and returns an error when too many have failed.
func (st *stream) fail(j int, err error, then string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.failed[j] = Skip{Path: st.r.name(j), Reason: reason(err) + "; " + then}
	if st.broken == nil && len(st.failed) > st.maxFailures() {
		st.broken = fmt.Errorf("data: %d of %d images%s could not be read, more than the %d a split "+
			"may lose (1%% of its images, at least 10): the data looks broken (the last: %w)",
			len(st.failed), st.n, st.in(), st.maxFailures(), err)
	}
	return st.broken
}

// reason is an error's text without the "data: PATH: " prefix of a
// FormatError, for a Skip that names the path itself.
func reason(err error) string {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}

// noteOnce passes msg to the stream's note function the first time a note
// of this kind comes up in the data set.
func (st *stream) noteOnce(kind int, msg string) {
	if st.noted.first(kind) && st.note != nil {
		st.note(msg)
	}
}

// skipped returns the files left out when the stream was listed and the
// images that failed since, in path order.
func (st *stream) skipped() []Skip {
	st.mu.Lock()
	out := slices.Clone(st.listed)
	for _, s := range st.failed {
		out = append(out, s)
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b Skip) int {
		if a.Path < b.Path {
			return -1
		}
		if a.Path > b.Path {
			return 1
		}
		return 0
	})
	return out
}
