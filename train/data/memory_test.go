package data

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procStatus returns a field of /proc/self/status in kB (VmRSS, VmHWM).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return -1
}

// TestStreamingMemory streams one epoch of the image folder named by
// $VDVAE_STREAM_RSS_DIR (made by scripts/noiseimages) in flipped training
// batches of 32 at $VDVAE_STREAM_RSS_RES (default 256) and logs the
// resident memory: run it on a small and a large folder and compare.
func TestStreamingMemory(t *testing.T) {
	dir := os.Getenv("VDVAE_STREAM_RSS_DIR")
	if dir == "" {
		t.Skip("set VDVAE_STREAM_RSS_DIR to a folder made by scripts/noiseimages to measure")
	}
	res := 256
	if v, err := strconv.Atoi(os.Getenv("VDVAE_STREAM_RSS_RES")); err == nil {
		res = v
	}
	t0 := time.Now()
	sp, err := OpenSpec(Spec{Source: "custom", Dir: dir, Channels: 3, Res: res, NumBits: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	t.Logf("opened %d training images in %v; VmRSS %d kB", sp.Train.Len(), time.Since(t0), procStatus("VmRSS"))
	const batch = 32
	it, err := NewTrainIter(sp.Train, batch, 1, WithFlip(true))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, batch*sp.Train.ImageSize())
	var lo, hi int64 = 1 << 62, 0
	t0 = time.Now()
	n := it.BatchesPerEpoch()
	for b := range n {
		if err := it.Next(dst); err != nil {
			t.Fatal(err)
		}
		if b%20 == 0 || b == n-1 {
			rss := procStatus("VmRSS")
			lo, hi = min(lo, rss), max(hi, rss)
		}
	}
	el := time.Since(t0)
	w := it.Waits()
	t.Logf("%d batches (%d images) in %v: %.0f images/s; VmRSS %d to %d kB while streaming, VmHWM %d kB; "+
		"%d batches waited %v", n, n*batch, el.Round(time.Millisecond), float64(n*batch)/el.Seconds(), lo, hi,
		procStatus("VmHWM"), w.Waits, w.Total.Round(time.Millisecond))
}
