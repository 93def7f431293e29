package train

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"time"

	"vdvae/configs"
	"vdvae/internal/imageio"
	"vdvae/train/tensorboard"
)

// TensorBoardDir is the folder of a run that holds its TensorBoard event
// files, one subfolder for training and one for validation (as the
// reference's logs): tensorboard --logdir RUN/tensorboard.
const TensorBoardDir = "tensorboard"

// Images shown at each evaluation.
const (
	tbShowRecons  = 16 // validation targets and their reconstructions
	tbShowSamples = 36 // samples from the prior at temperature 1 (EMA weights)
)

// tbLog writes the run's scalars and image grids. A write error is reported
// once and turns the log off: TensorBoard output never stops training.
type tbLog struct {
	train, val *tensorboard.Writer
	h          *configs.Hparams
	dims       int
	out        io.Writer
	lastFlush  time.Time
}

// tbFlushEvery bounds how long logged steps wait in memory: a killed run
// loses at most this much of its TensorBoard curves.
const tbFlushEvery = 10 * time.Second

func openTB(runDir string, h *configs.Hparams, dims int, out io.Writer) *tbLog {
	l := &tbLog{h: h, dims: dims, out: out}
	var err error
	if l.train, err = tensorboard.Create(filepath.Join(runDir, TensorBoardDir, "train")); err == nil {
		l.val, err = tensorboard.Create(filepath.Join(runDir, TensorBoardDir, "val"))
	}
	if err != nil {
		l.fail(err)
	}
	return l
}

func (l *tbLog) fail(err error) {
	fmt.Fprintf(l.out, "warning: TensorBoard logging stopped: %v\n", err)
	if l.train != nil {
		l.train.Close()
	}
	if l.val != nil {
		l.val.Close()
	}
	l.train, l.val = nil, nil
}

// show is the number of validation images to keep for display.
func (l *tbLog) show() int {
	if l == nil || l.val == nil {
		return 0
	}
	return tbShowRecons
}

// losses adds the figures every pass reports, in nats per image and, for
// data other than binarized MNIST, in bits per dimension.
func (l *tbLog) losses(m map[string]float64, recon, kl float64, groupKL []float64) {
	m["nelbo_nats"], m["recon_nats"], m["kl_nats"] = recon+kl, recon, kl
	if !l.h.Data.IsBinarized() {
		m["nelbo_bpd"] = bpd(recon+kl, l.dims)
	}
	for i, v := range groupKL {
		m[fmt.Sprintf("kl_group/%02d", i)] = v
	}
}

func (l *tbLog) step(st StepStats, skips int) {
	if l.train == nil {
		return
	}
	m := map[string]float64{"loss": st.Loss, "grad_norm": st.GradNorm, "lr": st.LR,
		"beta": st.Beta, "skips": float64(skips)}
	l.losses(m, st.Recon, st.KL, st.GroupKL)
	err := l.train.Scalars(int64(st.Step), finiteOnly(m))
	if err == nil && time.Since(l.lastFlush) >= tbFlushEvery {
		err = l.train.Flush()
		l.lastFlush = time.Now()
	}
	if err != nil {
		l.fail(err)
	}
}

// eval logs a validation pass and its images; samples may be nil.
func (l *tbLog) eval(ev *EvalStats, samples *Images) {
	if l.val == nil {
		return
	}
	m := map[string]float64{"ssim": ev.SSIM}
	l.losses(m, ev.Recon, ev.KL, ev.GroupKL)
	step := int64(ev.Step)
	err := l.val.Scalars(step, finiteOnly(m))
	for _, im := range []struct {
		tag string
		b   *Images
	}{{"targets", ev.Targets}, {"reconstructions", ev.Recons}, {"samples_t1.0_ema", samples}} {
		if err != nil || im.b == nil {
			continue
		}
		var g image.Image
		if g, err = l.grid(im.b); err == nil {
			err = l.val.Image(im.tag, step, g)
		}
	}
	if err == nil {
		err = l.val.Flush()
	}
	if err == nil {
		err = l.train.Flush()
	}
	if err != nil {
		l.fail(err)
	}
}

func (l *tbLog) grid(b *Images) (image.Image, error) {
	r := imageio.Signed
	if l.h.Data.IsBinarized() {
		r = imageio.Unit
	}
	imgs, err := imageio.FromNCHW(b.Pix, [4]int{b.N, b.C, b.H, b.W}, r)
	if err != nil {
		return nil, err
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(imgs)))))
	return imageio.Grid(imgs, cols, 2, color.Gray{Y: 128})
}

// finiteOnly drops non-finite values, which TensorBoard cannot plot.
func finiteOnly(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	return m
}

func (l *tbLog) Close() {
	if l.train != nil {
		l.train.Close()
	}
	if l.val != nil {
		l.val.Close()
	}
}
