package sph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestProlong1: the children of every cell sum to it; in the interior the
// split is exact for cell averages of polynomials of degree ≤ 6, and a child
// never takes the opposite sign of its parent.
func TestProlong1(t *testing.T) {
	// Cell k covers [k, k+1); avg(m, a, b) is the mean of x^m over [a, b).
	avg := func(m int, a, b float64) float64 {
		return (math.Pow(b, float64(m+1)) - math.Pow(a, float64(m+1))) / float64(m+1) / (b - a)
	}
	const n = 12
	for m := 0; m <= 7; m++ {
		src := make([]float64, n)
		for k := range src {
			src[k] = avg(m, float64(k)+1, float64(k)+2) // a positive polynomial's light per cell
		}
		dst := make([]float64, 2*n)
		prolong1(dst, src)
		worst := 0.0 // relative to the largest cell
		for k := 3; k < n-3; k++ {
			lo := float64(k) + 1
			for c := range 2 {
				want := avg(m, lo+0.5*float64(c), lo+0.5*float64(c+1)) / 2
				worst = max(worst, math.Abs(dst[2*k+c]-want)/src[n-1])
			}
		}
		if m <= 6 && worst > 1e-13 {
			t.Errorf("degree %d: interior children off by %.3g", m, worst)
		}
		if m == 7 && worst < 1e-9 {
			t.Errorf("degree 7 reproduced to %.3g: the stencil is not what the test assumes", worst)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 5, 7, 40} {
		src := make([]float64, n)
		for k := range src {
			src[k] = math.Exp(3 * r.NormFloat64()) // positive, wildly varying
		}
		dst := make([]float64, 2*n)
		prolong1(dst, src)
		for k, v := range src {
			if d := dst[2*k] + dst[2*k+1] - v; math.Abs(d) > 1e-15*v {
				t.Errorf("n %d: cell %d: children sum %.17g, parent %.17g", n, k, dst[2*k]+dst[2*k+1], v)
			}
			if dst[2*k] < 0 || dst[2*k+1] < 0 {
				t.Errorf("n %d: cell %d (%.3g): children %.3g, %.3g", n, k, v, dst[2*k], dst[2*k+1])
			}
		}
	}
}

// TestMipLevels: levels are added while some particle is beyond the finer
// one's range and the grid can be halved.
func TestMipLevels(t *testing.T) {
	for _, c := range []struct {
		g    Grid
		hp   []float64 // h in pixels
		want int
		lev  []uint8
	}{
		{Grid{NX: 256, NY: 256, Pix: 1}, []float64{0, 3, 15.99}, 0, nil},
		{Grid{NX: 256, NY: 256, Pix: 1}, []float64{0, 16, 31.9, math.NaN()}, 1, []uint8{0, 1, 1, 0}},
		{Grid{NX: 256, NY: 256, Pix: 1}, []float64{40, 15, 100, math.Inf(1)}, 3, []uint8{2, 0, 3, 3}},
		{Grid{NX: 256, NY: 255, Pix: 1}, []float64{40}, 0, nil},               // odd: no level
		{Grid{NX: 32, NY: 32, Pix: 1}, []float64{1000, 20}, 2, []uint8{2, 1}}, // 8×8 is the coarsest
		{Grid{NX: 12, NY: 12, Pix: 2}, []float64{400}, 0, nil},                // 6×6 would be too small
	} {
		h := make([]float64, len(c.hp))
		for i, v := range c.hp {
			h[i] = v * c.g.Pix
		}
		var m mipLists
		nl := m.split(c.g, h)
		if nl != c.want {
			t.Errorf("%+v, h %v: %d levels, want %d", c.g, c.hp, nl, c.want)
			continue
		}
		if nl == 0 {
			continue
		}
		var got []uint8 = make([]uint8, len(h))
		seen := 0
		for l := 0; l <= nl; l++ {
			ix := m.level(l)
			for k, i := range ix {
				if k > 0 && ix[k-1] >= i {
					t.Errorf("%+v: level %d not in index order: %v", c.g, l, ix)
				}
				got[i] = uint8(l)
				seen++
			}
		}
		if seen != len(h) || !slices.Equal(got, c.lev) {
			t.Errorf("%+v, h %v: levels %v (%d particles listed), want %v", c.g, c.hp, got, seen, c.lev)
		}
	}
}

// TestMipProfile: particles with h ≥ mipMinH pixels, deposited on a coarser
// level and prolonged, conserve their light to rounding, leave no pixel
// negative, and match brute-force pixel integrals of the kernel to
// 16·(2^l·Pix/h)⁴ of its peak (l the level): the coarse deposit's own
// fourth-order remainder (TestLargeParticleProfile, ≤ 2(Pix_l/h)⁴) plus the
// prolongation's, largest at the kernel's centre, where the projected kernel
// is least smooth (measured: 6.6 and 11 × (Pix_l/h)⁴ for Wendland C2 after one
// and two prolongations, 3.0 and 4.8 for the cubic spline).
func TestMipProfile(t *testing.T) {
	t.Parallel()
	g := Grid{NX: 128, NY: 128, X0: 0, Y0: 0, Pix: 1}
	for _, k := range kernels {
		tb := k.tables()
		for _, hp := range []float64{16, 20, 31, 40, 60} {
			px, py := 64.3, 63.8
			l := 1
			for hp >= mipMinH*float64(int(1)<<l) {
				l++
			}
			dst := Project(g, []float64{px}, []float64{py}, []float64{hp}, []float64{1}, 1, k, 2)[0]
			peak := tb.f(0) / (hp * hp)
			bound := 16 * math.Pow(float64(int(1)<<l)/hp, 4) * peak
			var worst, total float64
			for j := 0; j < g.NY; j++ {
				for i := 0; i < g.NX; i++ {
					got := dst[j*g.NX+i]
					total += got
					if got < 0 {
						t.Errorf("%v h=%g: pixel (%d,%d) = %.3g", k, hp, i, j, got)
					}
					if (i+j)%3 != 0 {
						continue
					}
					ua, va := (float64(i)-px)/hp, (float64(j)-py)/hp
					if ua*ua+va*va > 1.3 {
						continue
					}
					ref := rectIntegral(tb, ua, ua+1/hp, va, va+1/hp, 1)
					worst = max(worst, math.Abs(got-ref))
					if math.Abs(got-ref) > bound {
						t.Errorf("%v h=%g (level %d): pixel (%d,%d): %.10g vs pixel integral %.10g", k, hp, l, i, j, got, ref)
					}
				}
			}
			if hp < 60 && math.Abs(total-1) > 1e-12 { // h = 60 is cut by the field's edges
				t.Errorf("%v h=%g: light %.15g", k, hp, total)
			}
			t.Logf("%v h=%g (level %d): worst |deposit − pixel integral| %.2g of the peak (bound %.2g)", k, hp, l, worst/peak, bound/peak)
		}
	}
}
