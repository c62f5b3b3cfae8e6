package sersic

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// randomSersic draws parameters like the GalSim peers' (truth.csv ranges):
// n uniform in [0.3, 6], Re in [0.1, 1.5]″, q in [0.1, 1], any PA, centre
// within half a pixel of the stamp centre, flux in [15, 1500].
func randomSersic(rng *rand.Rand) Sersic {
	return Sersic{
		Flux:     15 + 1485*rng.Float64(),
		ReArcsec: 0.1 + 1.4*rng.Float64(),
		N:        0.3 + 5.7*rng.Float64(),
		Q:        0.1 + 0.9*rng.Float64(),
		PADeg:    180 * rng.Float64(),
		X0:       32 + rng.Float64(),
		Y0:       32 + rng.Float64(),
	}
}

// BenchmarkSersicStamp64 draws 64×64 stamps of random Sérsic profiles
// (n in [0.3, 6]) convolved with the WFC3/IR PSF, one goroutine.
func BenchmarkSersicStamp64(b *testing.B) {
	d := peerDrawer(b, Instrumental)
	rng := rand.New(rand.NewPCG(7, 8))
	ps := make([]Sersic, 1024)
	for i := range ps {
		ps[i] = randomSersic(rng)
	}
	dst := make([]float64, peerSize*peerSize)
	b.ResetTimer()
	start := time.Now()
	i := 0
	for b.Loop() {
		if err := d.DrawTo(dst, ps[i%len(ps)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "stamps/s")
}

// BenchmarkSersicStamp64x2 is BenchmarkSersicStamp64 with two goroutines,
// each with its own Drawer (Clone), reporting the total rate.
func BenchmarkSersicStamp64x2(b *testing.B) {
	d0 := peerDrawer(b, Instrumental)
	ds := []*Drawer{d0, d0.Clone()}
	rng := rand.New(rand.NewPCG(7, 8))
	ps := make([]Sersic, 1024)
	for i := range ps {
		ps[i] = randomSersic(rng)
	}
	b.ResetTimer()
	start := time.Now()
	n := b.N
	var wg sync.WaitGroup
	for w, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float64, peerSize*peerSize)
			for i := w; i < n; i += len(ds) {
				if err := d.DrawTo(dst, ps[i%len(ps)]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "stamps/s")
}
