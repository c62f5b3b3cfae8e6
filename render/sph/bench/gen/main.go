// Command gen writes the benchmark galaxy of render/sph (benchgal's disc +
// bulge, smoothing lengths from the k = 32 search) and galforge's own 10-view
// projections of it as .npy files, for bench/yt_projection.py.
//
//	go run ./render/sph/bench/gen -n 1000000 -out /tmp/sphbench
//
// writes, for N = n:
//
//	particles_N.npy  (N, 8): x, y, z, h (kpc), w0 … w3
//	views.npy        (10, 3, 3): rows image x, image y (north), line of sight
//	galforge_N.npy   (10, 4, 256, 256): projected light per pixel, [view, band, y, x]
//	totals_N.npy     (10, 4): sum of each image
//
// and prints the time of the smoothing-length search and of the 10
// projections (one timing of each; `go test -bench` gives the official figures).
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/galforge/galforge/render/sph"
	"github.com/galforge/galforge/render/sph/internal/benchgal"
)

func main() {
	n := flag.Int("n", 100000, "number of particles")
	seed := flag.Uint64("seed", 1, "random seed (the benchmarks use 1)")
	out := flag.String("out", ".", "output folder")
	kernel := flag.String("kernel", "cubic", "kernel: cubic or wendland2")
	flag.Parse()
	k := sph.CubicSpline
	if *kernel == "wendland2" {
		k = sph.WendlandC2
	} else if *kernel != "cubic" {
		log.Fatalf("gen: unknown kernel %q", *kernel)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	pos, w := benchgal.Galaxy(*n, *seed)
	t0 := time.Now()
	h := sph.SmoothingLengths(pos, 32, 1e-3, 0)
	fmt.Printf("galforge: %d particles, GOMAXPROCS %d: smoothing lengths (k=32) %.3f s\n", *n, runtime.GOMAXPROCS(0), time.Since(t0).Seconds())

	nb := benchgal.Bands
	parts := make([]float64, 0, *n*(4+nb))
	for i, p := range pos {
		parts = append(parts, p[0], p[1], p[2], h[i])
		parts = append(parts, w[i*nb:(i+1)*nb]...)
	}
	must(benchgal.WriteNPY(filepath.Join(*out, fmt.Sprintf("particles_%d.npy", *n)), []int{*n, 4 + nb}, parts))
	views := benchgal.Views(10)
	var vflat []float64
	for _, m := range views {
		for _, r := range m {
			vflat = append(vflat, r[:]...)
		}
	}
	must(benchgal.WriteNPY(filepath.Join(*out, "views.npy"), []int{len(views), 3, 3}, vflat))

	const npix = 256
	g := sph.Grid{NX: npix, NY: npix, X0: -benchgal.FieldKpc / 2, Y0: -benchgal.FieldKpc / 2, Pix: benchgal.FieldKpc / npix}
	x, y := make([]float64, *n), make([]float64, *n)
	imgs := make([]float64, 0, len(views)*nb*npix*npix)
	totals := make([]float64, 0, len(views)*nb)
	dst := make([][]float64, nb)
	for b := range dst {
		dst[b] = make([]float64, npix*npix)
	}
	var elapsed time.Duration
	for _, m := range views {
		for _, d := range dst {
			clear(d)
		}
		t0 := time.Now()
		benchgal.Rotate(x, y, pos, m)
		sph.ProjectTo(dst, g, x, y, h, w, k, 0)
		elapsed += time.Since(t0)
		for _, d := range dst {
			imgs = append(imgs, d...)
			var s float64
			for _, v := range d {
				s += v
			}
			totals = append(totals, s)
		}
	}
	fmt.Printf("galforge: 10 views × %d bands, %d×%d pixels, %v kernel: %.3f s\n", nb, npix, npix, k, elapsed.Seconds())

	// Light conservation on the realistic set: for each view, the particles
	// whose whole kernel lies on the field, projected alone, must add up to
	// their summed weight.
	var worst float64
	half := benchgal.FieldKpc / 2
	for _, m := range views {
		benchgal.Rotate(x, y, pos, m)
		var xi, yi, hi, wi []float64
		var want [benchgal.Bands]float64
		for i := range x {
			if math.Abs(x[i])+h[i] < half && math.Abs(y[i])+h[i] < half {
				xi, yi, hi = append(xi, x[i]), append(yi, y[i]), append(hi, h[i])
				wi = append(wi, w[i*nb:(i+1)*nb]...)
				for b := range nb {
					want[b] += w[i*nb+b]
				}
			}
		}
		img := sph.Project(g, xi, yi, hi, wi, nb, k, 0)
		for b := range nb {
			var s float64
			for _, v := range img[b] {
				s += v
			}
			worst = max(worst, math.Abs(s-want[b])/want[b])
		}
	}
	fmt.Printf("galforge: particles inside the field: |sum(image) − Σw|/Σw ≤ %.1e over 10 views × %d bands\n", worst, nb)
	must(benchgal.WriteNPY(filepath.Join(*out, fmt.Sprintf("galforge_%d.npy", *n)), []int{len(views), nb, npix, npix}, imgs))
	must(benchgal.WriteNPY(filepath.Join(*out, fmt.Sprintf("totals_%d.npy", *n)), []int{len(views), nb}, totals))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
