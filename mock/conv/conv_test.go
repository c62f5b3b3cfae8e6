package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// direct is the reference "same"-size linear convolution with the kernel
// centre at (kx/2, ky/2).
func direct(src []float64, nx, ny int, k []float64, kx, ky int) []float64 {
	dst := make([]float64, nx*ny)
	cx, cy := kx/2, ky/2
	for y := 0; y < ny; y++ {
		for x := 0; x < nx; x++ {
			var s float64
			for j := 0; j < ky; j++ {
				yy := y - (j - cy)
				if yy < 0 || yy >= ny {
					continue
				}
				for i := 0; i < kx; i++ {
					xx := x - (i - cx)
					if xx < 0 || xx >= nx {
						continue
					}
					s += k[j*kx+i] * src[yy*nx+xx]
				}
			}
			dst[y*nx+x] = s
		}
	}
	return dst
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64()
	}
	return s
}

func TestConvolveMatchesDirect(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i, c := range []struct{ nx, ny, kx, ky int }{
		{8, 8, 3, 3}, {16, 12, 4, 6}, {13, 17, 5, 2}, {32, 32, 32, 32}, {20, 9, 31, 7}, {1, 1, 1, 1}, {7, 5, 1, 1},
	} {
		src := randSlice(rng, c.nx*c.ny)
		k := randSlice(rng, c.kx*c.ky)
		cv, err := NewConvolver(c.nx, c.ny, k, c.kx, c.ky)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, len(src))
		cv.ConvolveTo(got, src)
		want := direct(src, c.nx, c.ny, k, c.kx, c.ky)
		// Round-off of a length-N FFT is ~1e-16·log N relative to the
		// largest value (≤ kx·ky here); 1e-12 leaves a wide margin while
		// any indexing error gives O(1) differences.
		var worst float64
		for j := range got {
			worst = math.Max(worst, math.Abs(got[j]-want[j]))
		}
		if worst > 1e-12*float64(c.kx*c.ky) {
			t.Errorf("case %d (%+v): max |fft-direct| = %g", i, c, worst)
		}
		// In place.
		cv.ConvolveTo(src, src)
		for j := range src {
			if src[j] != got[j] {
				t.Fatalf("case %d: in-place result differs at %d", i, j)
			}
		}
	}
}

func TestConvolveIdentity(t *testing.T) {
	t.Parallel()
	for _, kn := range []int{1, 4, 5} {
		k := make([]float64, kn*kn)
		k[(kn/2)*kn+kn/2] = 1
		src := randSlice(rand.New(rand.NewPCG(3, 4)), 10*6)
		cv, _ := NewConvolver(10, 6, k, kn, kn)
		got := make([]float64, len(src))
		cv.ConvolveTo(got, src)
		for i := range got {
			if math.Abs(got[i]-src[i]) > 1e-14 {
				t.Fatalf("kernel %d×%d: pixel %d: got %v, want %v", kn, kn, i, got[i], src[i])
			}
		}
	}
}

// gaussian fills an n×n image with a Gaussian of width sigma at (cx, cy).
func gaussian(n int, cx, cy, sigma float64) []float64 {
	g := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			g[y*n+x] = math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
		}
	}
	return g
}

func moments(img []float64, n int) (sum, mx, my float64) {
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			v := img[y*n+x]
			sum += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	return sum, mx / sum, my / sum
}

// TestConvolveFluxAndCentroid checks that a compact source convolved by a
// kernel whose light stays inside the image keeps sum(dst) = sum(src)·sum(k)
// and its centroid (shifted by the kernel's own centroid offset, zero here).
func TestConvolveFluxAndCentroid(t *testing.T) {
	t.Parallel()
	for _, n := range []int{64, 63} {
		src := gaussian(n, 30.3, 33.7, 2)
		// Symmetric kernel about its centre pixel (n/2): a Gaussian there,
		// with sum 2.5.
		k := gaussian(n, float64(n/2), float64(n/2), 3)
		ks, _, _ := moments(k, n)
		for i := range k {
			k[i] *= 2.5 / ks
		}
		cv, err := NewConvolver(n, n, k, n, n)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float64, n*n)
		cv.ConvolveTo(dst, src)
		s0, x0, y0 := moments(src, n)
		s1, x1, y1 := moments(dst, n)
		// The convolved Gaussian has σ = √13 ≈ 3.6 px and its centre is
		// ≥ 29 px (8σ) from every edge, so the light lost off the image is
		// < 1e-14: the FFT round-off (~1e-15) sets the 1e-10 tolerance.
		if math.Abs(s1-2.5*s0) > 1e-10*s1 {
			t.Errorf("n=%d: sum(dst) = %.15g, want %.15g", n, s1, 2.5*s0)
		}
		if math.Abs(x1-x0) > 1e-9 || math.Abs(y1-y0) > 1e-9 {
			t.Errorf("n=%d: centroid moved from (%g, %g) to (%g, %g)", n, x0, y0, x1, y1)
		}
	}
}

func TestNewConvolverErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewConvolver(0, 4, []float64{1}, 1, 1); err == nil {
		t.Error("zero image size: want error")
	}
	if _, err := NewConvolver(4, 4, []float64{1, 2}, 1, 1); err == nil {
		t.Error("wrong kernel length: want error")
	}
}

func TestGoodSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want int }{{1, 1}, {7, 8}, {127, 128}, {129, 135}, {97, 100}, {0, 1}} {
		if got := GoodSize(c.in); got != c.want {
			t.Errorf("GoodSize(%d): got %d, want %d", c.in, got, c.want)
		}
	}
}

func benchConvolve(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := randSlice(rng, n*n)
	k := randSlice(rng, 64*64)
	cv, err := NewConvolver(n, n, k, 64, 64)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, n*n)
	b.ReportAllocs()
	for b.Loop() {
		cv.ConvolveTo(dst, src)
	}
}

// BenchmarkConvolve64 convolves a 64×64 image by a 64×64 kernel (FFT 128²).
func BenchmarkConvolve64(b *testing.B) { benchConvolve(b, 64) }

// BenchmarkConvolve256 convolves a 256×256 image by a 64×64 kernel (FFT 320²).
func BenchmarkConvolve256(b *testing.B) { benchConvolve(b, 256) }
