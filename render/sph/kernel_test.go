package sph

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

var kernels = []Kernel{CubicSpline, WendlandC2}

// legendre integrates f over [a, b] with the n-point Gauss–Legendre rule on
// each of panels equal panels: an integrator independent of the package's own.
func legendre(f func(float64) float64, a, b float64, n, panels int) float64 {
	var s float64
	d := (b - a) / float64(panels)
	for p := range panels {
		s += quad.Fixed(f, a+float64(p)*d, a+float64(p+1)*d, n, quad.Legendre{}, 0)
	}
	return s
}

func TestKernelNormalisation3D(t *testing.T) {
	t.Parallel()
	for _, k := range kernels {
		// Each piece of w is a polynomial of degree ≤ 5 in q, so q²w on
		// [0, 1/2] and [1/2, 1] is integrated exactly by 8 Gauss points:
		// only rounding remains, hence 1e-12 (the requirement is 1e-6).
		f := func(q float64) float64 { return 4 * math.Pi * q * q * k.w(q) }
		got := legendre(f, 0, 0.5, 8, 1) + legendre(f, 0.5, 1, 8, 1)
		if math.Abs(got-1) > 1e-12 {
			t.Errorf("%v: ∫W d³r = %.15g, want 1", k, got)
		}
		// W(r, h) scales as 1/h³; zero at and beyond the support.
		if got, want := k.W(0.3, 2), k.w(0.15)/8; math.Abs(got-want) > 1e-15*want {
			t.Errorf("%v: W(0.3, 2) = %v, want %v", k, got, want)
		}
		if k.W(1, 1) != 0 || k.W(1.5, 1) != 0 {
			t.Errorf("%v: W not zero at r ≥ h", k)
		}
	}
}

func TestProjectedKernel(t *testing.T) {
	t.Parallel()
	// F(0) = 2∫₀¹ w(z) dz analytically: 6/π (cubic), 7/π (Wendland C2).
	centre := map[Kernel]float64{CubicSpline: 6 / math.Pi, WendlandC2: 7 / math.Pi}
	for _, k := range kernels {
		tb := k.tables()
		// The table before renormalisation integrates to 1 up to its
		// interpolation error (linear in q² with 16384 intervals: ~Δ²F''/8,
		// measured 1e-8): a failure here would mean a wrong line-of-sight
		// quadrature, not a rounding issue.
		if math.Abs(tb.fscale-1) > 1e-6 {
			t.Errorf("%v: table renormalisation factor %.9g, want 1 within 1e-6", k, tb.fscale)
		}
		// 2D integral of the renormalised table, integrated piece by piece
		// in s = q² (each piece linear, so 2 Gauss points are exact): 1 to
		// rounding.
		var s2 float64
		for i := 0; i < nF; i++ {
			s2 += quad.Fixed(tb.f, float64(i)/nF, float64(i+1)/nF, 2, quad.Legendre{}, 0)
		}
		if got := math.Pi * s2; math.Abs(got-1) > 1e-13 {
			t.Errorf("%v: ∫F d²R = %.15g, want 1", k, got)
		}
		// Same integral in polar coordinates (2π∫ q F dq), an independent
		// route: 1 to the quadrature error over F's kinks in q (≪ 1e-9).
		got := legendre(func(q float64) float64 { return 2 * math.Pi * q * tb.f(q*q) }, 0, 1, 16, 512)
		if math.Abs(got-1) > 1e-9 {
			t.Errorf("%v: polar ∫F d²R = %.15g, want 1", k, got)
		}
		if got, want := k.Projected(0, 1), centre[k]; math.Abs(got-want) > 1e-6*want {
			t.Errorf("%v: F(0) = %.12g, want %.12g", k, got, want)
		}
		// Against a brute-force line-of-sight integral of W (2000 panels of
		// 8 points, no splitting at the cubic spline's break): the table
		// is within 1e-6 relative wherever F > 1e-3 F(0). Linear
		// interpolation in q² errs by ~Δ²F_ss/(8F), largest near the edge
		// where F ∝ (1 − q)^3.5: ~1e-7 at q = 0.9 with Δ = 1/16384.
		for _, q := range []float64{0.01, 0.1, 0.3, 0.49, 0.5, 0.51, 0.7, 0.9, 0.95, 0.98} {
			zmax := math.Sqrt(1 - q*q)
			want := 2 * legendre(func(z float64) float64 { return k.w(math.Sqrt(q*q + z*z)) }, 0, zmax, 8, 2000)
			got := k.Projected(q*2.5, 2.5) * 2.5 * 2.5
			if want > 1e-3*centre[k] && math.Abs(got-want) > 1e-6*want {
				t.Errorf("%v: F(q=%g) = %.12g, want %.12g", k, q, got, want)
			}
		}
		if k.Projected(1, 1) != 0 || k.Projected(3, 1) != 0 {
			t.Errorf("%v: F not zero at R ≥ h", k)
		}
	}
}

func TestProjectedLaplacian(t *testing.T) {
	t.Parallel()
	// The tabulated ∇²F against a finite-difference Laplacian of the
	// quadrature F: F'' + F'/q with step δ = 1e-3 has truncation error
	// ~δ²F''''/12 and rounding ~1e-16/δ², so 1e-4 of max|∇²F| is safe.
	gl := newGauss(20)
	for _, k := range kernels {
		tb := k.tables()
		F := func(q float64) float64 { return k.losIntegral(k.w, math.Abs(q), gl) * tb.fscale }
		const d = 1e-3
		lmax := math.Abs(tb.lapF(0))
		for _, q := range []float64{0.05, 0.2, 0.4, 0.6, 0.8, 0.9} {
			f0, fp, fm := F(q), F(q+d), F(q-d)
			want := (fp-2*f0+fm)/(d*d) + (fp-fm)/(2*d)/q
			if got := tb.lapF(q * q); math.Abs(got-want) > 1e-4*lmax {
				t.Errorf("%v: ∇²F(q=%g) = %.8g, want %.8g", k, q, got, want)
			}
		}
	}
}

// quadrantRef integrates the F table over [0, a] × [0, b] (a, b ≥ 0) by
// nested Gauss–Legendre, splitting at the unit circle: the reference for the
// Hermite quadrant table.
func quadrantRef(tb *ktables, a, b float64) float64 {
	a, b = min(a, 1), min(b, 1)
	inner := func(x float64) float64 {
		ymax := min(b, math.Sqrt(math.Max(0, 1-x*x)))
		if ymax <= 0 {
			return 0
		}
		return legendre(func(y float64) float64 { return tb.f(x*x + y*y) }, 0, ymax, 12, 24)
	}
	xs := []float64{0}
	if xc := math.Sqrt(math.Max(0, 1-b*b)); xc < a {
		xs = append(xs, xc)
	}
	xs = append(xs, a)
	var s float64
	for i := 1; i < len(xs); i++ {
		s += legendre(inner, xs[i-1], xs[i], 12, 24)
	}
	return s
}

func TestQuadrantTable(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range kernels {
		tb := k.tables()
		if got := tb.quadrantAt(1, 1); got != 0.25 {
			t.Errorf("%v: T(1, 1) = %v, want 1/4 exactly", k, got)
		}
		if got := tb.quadrantAt(-3, 2); got != -0.25 {
			t.Errorf("%v: H(−3, 2) = %v, want −1/4 (odd, clamped)", k, got)
		}
		// Bicubic Hermite interpolation error is O(Δ⁴) with Δ = 1/64;
		// measured ≲ 7e-9: 2e-8 leaves room for the reference's own
		// quadrature error over the F table's kinks.
		var worst float64
		for range 40 {
			a, b := rng.Float64(), rng.Float64()
			got := tb.quadrantAt(a, b)
			want := quadrantRef(tb, a, b)
			worst = max(worst, math.Abs(got-want))
			if math.Abs(got-want) > 2e-8 {
				t.Errorf("%v: T(%.4f, %.4f) = %.12g, want %.12g", k, a, b, got, want)
			}
			if got, want := tb.quadrantAt(-a, b), -tb.quadrantAt(a, b); got != want {
				t.Errorf("%v: H not odd in a at (%g, %g): %v vs %v", k, a, b, got, want)
			}
		}
		t.Logf("%v: worst |T − reference| = %.2g", k, worst)
	}
}

func TestStripTable(t *testing.T) {
	t.Parallel()
	for _, k := range kernels {
		tb := k.tables()
		if got := tb.stripAt(1); got != 0.5 {
			t.Errorf("%v: M(1) = %v, want 1/2 exactly", k, got)
		}
		if got := tb.stripAt(-0.3); got != -tb.stripAt(0.3) {
			t.Errorf("%v: M not odd", k)
		}
		// M(b) = 2 T(1, b): against the nested-quadrature reference (its
		// own error ≲ 1e-9), 2e-9 absolute. The table's Hermite error
		// (O(Δ⁴), Δ = 1/1024) is far smaller.
		for _, b := range []float64{0.01, 0.1, 0.33, 0.5, 0.77, 0.9, 0.99} {
			got, want := tb.stripAt(b), 2*quadrantRef(tb, 1, b)
			if math.Abs(got-want) > 2e-9 {
				t.Errorf("%v: M(%g) = %.12g, want %.12g", k, b, got, want)
			}
		}
	}
}
