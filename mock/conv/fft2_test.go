package conv

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestInverseWindowDirect checks RealFFT2.InverseWindow, by vecFFT where the
// sizes allow and by gonum otherwise, against the direct sum
// x[y][x] = Σ_{ky,kx} X e^{2πi(kx·x/Nx + ky·y/Ny)} over the full spectrum
// (X[ky][Nx−kx] = conj X[−ky][kx]), for random half-plane spectra whose
// kx = 0 and kx = Nx/2 columns are Hermitian in ky. Rounding of the direct
// sum: ~1e-13 of Σ|X|, so the tolerance is 1e-10 of it.
func TestInverseWindowDirect(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i, c := range []struct{ nx, ny, wx, wy int }{
		{8, 8, 8, 8}, {16, 12, 5, 7}, {24, 18, 24, 3}, {20, 30, 11, 30}, {10, 25, 10, 25},
		{9, 16, 9, 16}, {14, 14, 14, 14}, {128, 128, 64, 64}, {192, 192, 64, 64}, {64, 40, 33, 17},
	} {
		f := NewRealFFT2(c.nx, c.ny)
		nkx := c.nx/2 + 1
		// Full spectrum from a random real image, so that it is Hermitian.
		img := make([]float64, c.nx*c.ny)
		for j := range img {
			img[j] = rng.NormFloat64()
		}
		spec := make([]complex128, f.SpectrumLen())
		f.Forward(spec, img)
		var norm float64
		for _, v := range spec {
			norm += cmplx.Abs(v)
		}
		got := make([]float64, c.wx*c.wy)
		f.InverseWindow(got, c.wx, c.wx, c.wy, append([]complex128(nil), spec...))
		var worst float64
		for y := 0; y < c.wy; y++ {
			for x := 0; x < c.wx; x++ {
				want := img[y*c.nx+x] * float64(c.nx*c.ny)
				worst = math.Max(worst, math.Abs(got[y*c.wx+x]-want))
			}
		}
		if worst > 1e-10*norm {
			t.Errorf("case %d (%+v, vec %v): max error %g, Σ|X| = %g", i, c, f.colInv != nil, worst, norm)
		}
		// Direct sum at a few pixels, from the half-plane spectrum.
		for range 3 {
			x, y := rng.IntN(c.wx), rng.IntN(c.wy)
			var s float64
			for ky := 0; ky < c.ny; ky++ {
				for kx := 0; kx < c.nx; kx++ {
					var v complex128
					if kx < nkx {
						v = spec[ky*nkx+kx]
					} else {
						v = cmplx.Conj(spec[((c.ny-ky)%c.ny)*nkx+c.nx-kx])
					}
					ph := 2 * math.Pi * (float64(kx*x)/float64(c.nx) + float64(ky*y)/float64(c.ny))
					s += real(v * cmplx.Exp(complex(0, ph)))
				}
			}
			if d := math.Abs(got[y*c.wx+x] - s); d > 1e-10*norm {
				t.Errorf("case %d (%+v): pixel (%d, %d) = %g, direct sum %g", i, c, x, y, got[y*c.wx+x], s)
			}
		}
	}
}

// BenchmarkInverseWindow256 is the 64×64 window of a 256×256 inverse
// transform, as a Sérsic drawer of 64×64 stamps uses for extended profiles.
func BenchmarkInverseWindow256(b *testing.B) {
	f := NewRealFFT2(256, 256)
	spec := make([]complex128, f.SpectrumLen())
	src := make([]complex128, len(spec))
	dst := make([]float64, 64*64)
	for b.Loop() {
		copy(src, spec)
		f.InverseWindow(dst, 64, 64, 64, src)
	}
}
