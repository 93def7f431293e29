// Command noiseimages writes a folder of random-noise images, for measuring
// the streaming data loader on data that does not compress away:
//
//	go run ./scripts/noiseimages -dir /tmp/noise -mb 5000
//
// It writes train/NNNNNNN.jpg until the files add up to -mb megabytes, and 16
// images to val/. Images are -size x -size RGB noise, seeded by their index.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

func main() {
	dir := flag.String("dir", "", "output folder (created)")
	mb := flag.Int64("mb", 500, "megabytes of training images to write")
	size := flag.Int("size", 256, "image width and height")
	format := flag.String("format", "jpeg", "jpeg or png")
	quality := flag.Int("quality", 95, "JPEG quality")
	flag.Parse()
	if *dir == "" || (*format != "jpeg" && *format != "png") {
		log.Fatal("usage: noiseimages -dir DIR [-mb N] [-size N] [-format jpeg|png]")
	}
	ext := map[string]string{"jpeg": ".jpg", "png": ".png"}[*format]
	encode := func(i int) []byte {
		img := image.NewRGBA(image.Rect(0, 0, *size, *size))
		r := rand.New(rand.NewPCG(uint64(i), 7))
		for p := range img.Pix {
			img.Pix[p] = uint8(r.Uint32())
			if p%4 == 3 {
				img.Pix[p] = 255
			}
		}
		var b bytes.Buffer
		var err error
		if *format == "png" {
			err = png.Encode(&b, img)
		} else {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: *quality})
		}
		if err != nil {
			log.Fatal(err)
		}
		return b.Bytes()
	}
	for _, sub := range []string{"train", "val"} {
		if err := os.MkdirAll(filepath.Join(*dir, sub), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	for i := range 16 {
		write(filepath.Join(*dir, "val", fmt.Sprintf("%02d%s", i, ext)), encode(-1-i))
	}
	var total atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for total.Load() < *mb<<20 {
				i := int(next.Add(1)) - 1
				b := encode(i)
				write(filepath.Join(*dir, "train", fmt.Sprintf("%07d%s", i, ext)), b)
				total.Add(int64(len(b)))
			}
		})
	}
	wg.Wait()
	fmt.Printf("%d images, %d MB in %s\n", next.Load(), total.Load()>>20, *dir)
}

func write(path string, b []byte) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
