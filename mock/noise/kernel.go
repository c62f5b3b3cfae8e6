package noise

import (
	"fmt"
	"math"
)

// Kernel is a symmetric 1-D kernel of odd length; the 2-D correlation
// kernel is Taps ⊗ Taps. Only the shape matters: AddCorrelatedTo normalises
// it so the 2-D kernel has Σ K² = 1.
type Kernel struct {
	Taps []float64
}

// Correlated3 returns the 3-tap kernel (ε, 1, ε) whose neighbour
// correlation is rho: ε = (1 − √(1 − 2ρ²))/(2ρ). rho must be in
// [0, 1/√2], otherwise Correlated3 panics; rho = 0 gives white noise.
func Correlated3(rho float64) Kernel {
	if !(rho >= 0 && rho <= 1/math.Sqrt2) {
		panic(fmt.Sprintf("noise: Correlated3: correlation %v outside [0, 1/√2]", rho))
	}
	if rho == 0 {
		return Kernel{Taps: []float64{1}}
	}
	e := (1 - math.Sqrt(1-2*rho*rho)) / (2 * rho)
	return Kernel{Taps: []float64{e, 1, e}}
}

// Drizzle approximates the noise kernel of drizzle with a square drop: an
// input pixel of inScale arcsec shrunk by pixfrac and dropped onto output
// pixels of outScale arcsec. Tap d is the overlap length of the drop
// [−L/2, L/2], L = pixfrac·inScale/outScale, with output pixel
// [d − ½, d + ½]. CANDELS WFC3/IR (pixfrac 0.8, 0.128″ → 0.06″) gives
// L = 1.71 and a neighbour correlation ≈ 0.56; the HFF F105W mosaic
// (pixfrac 0.5) L = 1.07, ≈ 0.07. It panics on non-positive arguments.
func Drizzle(pixfrac, inScale, outScale float64) Kernel {
	if !(pixfrac > 0 && inScale > 0 && outScale > 0) {
		panic(fmt.Sprintf("noise: Drizzle: pixfrac %v, scales %v, %v must be positive", pixfrac, inScale, outScale))
	}
	l := pixfrac * inScale / outScale
	h := int(math.Ceil(l/2 + 0.5))
	taps := make([]float64, 2*h+1)
	for d := -h; d <= h; d++ {
		lo := math.Max(-l/2, float64(d)-0.5)
		hi := math.Min(l/2, float64(d)+0.5)
		taps[d+h] = math.Max(0, hi-lo)
	}
	// Trim zero taps at both ends.
	for len(taps) > 1 && taps[0] == 0 {
		taps = taps[1 : len(taps)-1]
	}
	return Kernel{Taps: taps}
}

// NeighbourCorrelation returns the correlation of the noise of two pixels
// adjacent along x or y: Σ k_i k_{i+1} / Σ k_i².
func (k Kernel) NeighbourCorrelation() float64 {
	var s0, s1 float64
	for i, v := range k.Taps {
		s0 += v * v
		if i+1 < len(k.Taps) {
			s1 += v * k.Taps[i+1]
		}
	}
	return s1 / s0
}

// normalised returns the taps scaled so that the 2-D kernel has Σ K² = 1
// (Σ k² = 1 for the 1-D taps). It panics on an even, empty or zero kernel.
func (k Kernel) normalised() []float64 {
	if len(k.Taps)%2 != 1 {
		panic(fmt.Sprintf("noise: kernel of %d taps: want an odd number", len(k.Taps)))
	}
	var s float64
	for _, v := range k.Taps {
		s += v * v
	}
	if !(s > 0) || math.IsInf(s, 0) {
		panic("noise: kernel has no weight")
	}
	out := make([]float64, len(k.Taps))
	for i, v := range k.Taps {
		out[i] = v / math.Sqrt(s)
	}
	return out
}
