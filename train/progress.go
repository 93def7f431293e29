package train

import (
	"fmt"
	"io"

	"time"
)

// progress prints the live training line: on a terminal one line redrawn
// in place at most every 200ms, elsewhere one line every LogEvery steps.
type progress struct {
	out io.Writer
	// dims converts nats per image to bits per dimension; 0 keeps nats.
	dims    int
	opt     Options
	total   int
	start   time.Time
	first   int
	last    time.Time
	drawn   bool
	width   int // length of the live line last drawn
	stepDur time.Duration
}

func newProgress(out io.Writer, opt Options, total, step int) *progress {
	return &progress{out: out, opt: opt, total: total, start: time.Now(), first: step}
}

func (p *progress) update(st StepStats, skips int, d time.Duration) {
	p.stepDur = d
	live := p.opt.TTY && !p.opt.Quiet
	every := p.opt.LogEvery
	if every <= 0 {
		every = 100
	}
	if live && time.Since(p.last) < 200*time.Millisecond && st.Step != p.total {
		return
	}
	if !live && st.Step%every != 0 && st.Step != p.total {
		return
	}
	p.last = time.Now()
	done := st.Step - p.first
	rate := float64(done) / time.Since(p.start).Seconds()
	eta := time.Duration(float64(p.total-st.Step)/rate) * time.Second
	// Most important first, so that a narrow terminal cuts the least useful.
	figures := fmt.Sprintf("NELBO %.2f (rec %.2f KL %.2f) nats", st.NELBO(), st.Recon, st.KL)
	if p.dims > 0 {
		figures = fmt.Sprintf("NELBO %.4f (rec %.4f KL %.4f) bpd", bpd(st.NELBO(), p.dims),
			bpd(st.Recon, p.dims), bpd(st.KL, p.dims))
	}
	line := fmt.Sprintf("step %d/%d %s |g| %.3g skips %d %.2f/s ETA %s loss %.4f",
		st.Step, p.total, figures, st.GradNorm, skips, rate, eta.Round(time.Second), st.Loss)
	if live {
		if w := p.opt.Width; w > 1 && len(line) >= w {
			line = line[:w-1]
		}
		// Pad to the previous line's length so no old characters remain.
		fmt.Fprintf(p.out, "\r%-*s", p.width, line)
		p.width = len(line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.out, line)
}

// finish ends a live line so the next output starts on a fresh line.
func (p *progress) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.out)
		p.drawn = false
	}
}
