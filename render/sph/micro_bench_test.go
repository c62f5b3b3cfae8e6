package sph

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkProjectEqualH times ProjectTo on one goroutine for 20 000
// particles of one smoothing length (in pixels) spread over the inner part
// of a 256×256 grid, 4 bands: the cost per particle of each deposit path.
func BenchmarkProjectEqualH(b *testing.B) {
	for _, hp := range []float64{0.01, 0.3, 0.5, 0.8, 1, 1.5, 2, 3, 3.5, 4.5, 6, 10, 20, 40} {
		b.Run(fmt.Sprintf("h=%g", hp), func(b *testing.B) {
			const n, nb = 20000, 4
			rng := rand.New(rand.NewPCG(1, 2))
			x, y, h := make([]float64, n), make([]float64, n), make([]float64, n)
			w := make([]float64, n*nb)
			for i := range x {
				x[i] = 48 + 160*rng.Float64()
				y[i] = 48 + 160*rng.Float64()
				h[i] = hp
			}
			for i := range w {
				w[i] = rng.Float64()
			}
			g := Grid{NX: 256, NY: 256, Pix: 1}
			dst := make([][]float64, nb)
			for i := range dst {
				dst[i] = make([]float64, g.NX*g.NY)
			}
			cpu0 := cpuTime()
			for b.Loop() {
				ProjectTo(dst, g, x, y, h, w, CubicSpline, 1)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/particle")
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/n, "cpu-ns/particle")
		})
	}
}
