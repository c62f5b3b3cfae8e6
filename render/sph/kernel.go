package sph

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/integrate/quad"
)

// Kernel selects an SPH smoothing kernel. Every kernel has compact support of
// radius h (GADGET's convention: W(r, h) = 0 for r ≥ h, so h is the radius
// that encloses the neighbours, not the "σ-like" h of Monaghan's papers, which
// is half of it for the cubic spline) and is normalised in 3D:
// ∫ W(|r|, h) d³r = 1.
type Kernel int

const (
	// CubicSpline is the M4 cubic spline of Monaghan & Lattanzio (1985) in
	// GADGET's convention (support radius h):
	//
	//	W(q) = 8/(π h³) × { 1 − 6q² + 6q³   0 ≤ q ≤ 1/2
	//	                  { 2(1 − q)³       1/2 < q ≤ 1,   q = r/h.
	CubicSpline Kernel = iota
	// WendlandC2 is the Wendland C2 kernel in 3D (Dehnen & Aly 2012, table 1):
	//
	//	W(q) = 21/(2π h³) (1 − q)⁴ (1 + 4q),   q = r/h ≤ 1.
	WendlandC2
	nKernels
)

// String returns the kernel's name ("cubic" or "wendland2", the names yt uses).
func (k Kernel) String() string {
	switch k {
	case CubicSpline:
		return "cubic"
	case WendlandC2:
		return "wendland2"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

func (k Kernel) check() {
	if k < 0 || k >= nKernels {
		panic(fmt.Sprintf("sph: unknown kernel %d", int(k)))
	}
}

// W returns the 3D kernel W(r, h) in 1/length³ (1/kpc³ when r and h are in
// kpc). It panics for an unknown kernel.
func (k Kernel) W(r, h float64) float64 {
	k.check()
	return k.w(r/h) / (h * h * h)
}

// w is the dimensionless 3D kernel, W(r, h) = w(r/h)/h³.
func (k Kernel) w(q float64) float64 {
	if q < 0 {
		q = -q
	}
	if q >= 1 {
		return 0
	}
	switch k {
	case CubicSpline:
		if q <= 0.5 {
			return 8 / math.Pi * (1 - 6*q*q + 6*q*q*q)
		}
		u := 1 - q
		return 8 / math.Pi * 2 * u * u * u
	case WendlandC2:
		u := 1 - q
		u2 := u * u
		return 21 / (2 * math.Pi) * u2 * u2 * (1 + 4*q)
	}
	return 0
}

// lap is the dimensionless 3D Laplacian of w: w” + 2w'/q.
func (k Kernel) lap(q float64) float64 {
	if q >= 1 {
		return 0
	}
	switch k {
	case CubicSpline:
		if q <= 0.5 {
			return 8 / math.Pi * (-36 + 72*q)
		}
		u := 1 - q
		return 8 / math.Pi * (12*u - 12*u*u/q)
	case WendlandC2:
		u := 1 - q
		return 21 / (2 * math.Pi) * u * u * (120*q - 60)
	}
	return 0
}

// breaks returns the radii q in (0, 1) where the kernel's pieces join.
func (k Kernel) breaks() []float64 {
	if k == CubicSpline {
		return []float64{0.5}
	}
	return nil
}

// Projected returns the line-of-sight-integrated kernel
// F(R, h) = ∫ W(√(R² + z²), h) dz in 1/length² (1/kpc² for kpc), from the
// kernel's table (see the package documentation): its 2D integral is 1 to
// rounding. It panics for an unknown kernel.
func (k Kernel) Projected(R, h float64) float64 {
	t := k.tables()
	q2 := R * R / (h * h)
	return t.f(q2) / (h * h)
}

// Table sizes: nF intervals in q² for the projected kernel F and its 2D
// Laplacian; nH intervals per axis for the quadrant integral T(a, b) used for
// exact pixel (cell) integrals; nS intervals for the strip integral M(b).
const (
	nF = 16384
	nH = 64
	nS = 1024
)

// hnode holds, at one node (a, b) of the quadrant table, T = ∫₀ᵃ∫₀ᵇ F dx dy and
// its derivatives Ta = ∂T/∂a, Tb = ∂T/∂b, Tab = F(√(a²+b²)): what bicubic
// Hermite interpolation needs.
type hnode struct{ t, ta, tb, tab float64 }

// ktables are the tabulated functions of one kernel, in units of h (q = R/h).
type ktables struct {
	// fl holds, at q² = i/nF, the pairs (F, L) (plus a zero node at
	// i = nF+1, so interpolation may run past q² = 1): F is the projected kernel
	// renormalised so that π∫₀¹F d(q²) = 1 exactly for linear interpolation
	// in q², and L = ∇²F (2D Laplacian), with the same scale factor.
	fl []float64
	// herm is the (nH+1)² node table of the quadrant integral T, row-major
	// in b (herm[jb*(nH+1)+ia]); T(1, 1) = 1/4 exactly.
	herm []hnode
	// edgeTab is the table's last column, T(1, b) and ∂T/∂b(1, b) at
	// b = i/nH, interleaved.
	edgeTab []float64
	// strip holds, at b = i/nS, M(b) = ∫₀ᵇ m(y) dy and the row marginal
	// m(b) = ∫ F(√(x² + b²)) dx over all x: the light of the kernel in the
	// strip [0, b] × ℝ, for cubic Hermite interpolation; M(1) = 1/2 exactly.
	strip []float64
	// polyF and polyL are the sampling polynomials of F and ∇²F
	// (sample.go), coefficient-major: polyF[m*nP+k] multiplies u^m on
	// piece k.
	polyF, polyL [nPC * nP]float64
	// polyE is the edge polynomial E(c) = T(1, c) = M(c)/2 on nP pieces of
	// c ∈ [0, 1] (sample.go; within 3e-10 of M/2), for the SIMD cell
	// deposit.
	polyE [nEC * nP]float64
	// hermF is herm seen as float64s (4 per node).
	hermF []float64
	// fscale is the factor applied to the quadrature F to make its table
	// integral exactly 1 (1 − fscale is the table's interpolation error).
	fscale float64
}

var (
	tablesOnce [nKernels]sync.Once
	tablesOf   [nKernels]*ktables
)

func (k Kernel) tables() *ktables {
	k.check()
	tablesOnce[k].Do(func() { tablesOf[k] = buildTables(k) })
	return tablesOf[k]
}

// f returns the tabulated projected kernel at q² (units of h), zero for q² ≥ 1.
func (t *ktables) f(q2 float64) float64 {
	if !(q2 < 1) {
		return 0
	}
	u := q2 * nF
	i := int(u)
	s := u - float64(i)
	f0, f1 := t.fl[2*i], t.fl[2*i+2]
	return f0 + s*(f1-f0)
}

// lapF returns the tabulated 2D Laplacian of F at q².
func (t *ktables) lapF(q2 float64) float64 {
	if !(q2 < 1) {
		return 0
	}
	u := q2 * nF
	i := int(u)
	s := u - float64(i)
	l0, l1 := t.fl[2*i+1], t.fl[2*i+3]
	return l0 + s*(l1-l0)
}

// gauss holds n-point Gauss–Legendre nodes and weights on [0, 1].
type gauss struct{ x, w []float64 }

func newGauss(n int) gauss {
	g := gauss{make([]float64, n), make([]float64, n)}
	quad.Legendre{}.FixedLocations(g.x, g.w, 0, 1)
	return g
}

// integrate returns ∫ₐᵇ f with the rule mapped onto [a, b].
func (g gauss) integrate(f func(float64) float64, a, b float64) float64 {
	if b <= a {
		return 0
	}
	var s float64
	d := b - a
	for i, x := range g.x {
		s += g.w[i] * f(a+d*x)
	}
	return s * d
}

// losIntegral returns 2∫₀^√(1−q²) g(√(q² + z²)) dz for a radial function g that
// is smooth on each piece between k's breaks and vanishes for r ≥ 1. The z
// range is split at the breaks and geometrically near z = 0, where
// √(q² + z²) has branch points at ±iq that slow Gauss–Legendre convergence.
func (k Kernel) losIntegral(g func(r float64) float64, q float64, gl gauss) float64 {
	if q >= 1 {
		return 0
	}
	zmax := math.Sqrt(1 - q*q)
	cuts := []float64{0}
	if q > 0 {
		for z := q; z < zmax; z *= 2 {
			cuts = append(cuts, z)
		}
	}
	for _, b := range k.breaks() {
		if q < b {
			cuts = append(cuts, math.Sqrt(b*b-q*q))
		}
	}
	cuts = append(cuts, zmax)
	sortFloats(cuts)
	f := func(z float64) float64 { return g(math.Sqrt(q*q + z*z)) }
	var s float64
	for i := 1; i < len(cuts); i++ {
		s += gl.integrate(f, cuts[i-1], cuts[i])
	}
	return 2 * s
}

func sortFloats(x []float64) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

// buildTables tabulates F and ∇²F by Gauss–Legendre quadrature along the line
// of sight, renormalises F, then integrates the table into the quadrant table T
// and the row marginal m.
func buildTables(k Kernel) *ktables {
	t := &ktables{fl: make([]float64, 2*(nF+2))}
	gl := newGauss(20)
	for i := 0; i <= nF; i++ {
		q := math.Sqrt(float64(i) / nF)
		t.fl[2*i] = k.losIntegral(k.w, q, gl)
		t.fl[2*i+1] = k.losIntegral(k.lap, q, gl)
	}
	t.fl[2*nF], t.fl[2*nF+1] = 0, 0
	// π∫₀¹ F ds of the piecewise-linear table is π × the trapezoid sum.
	var sum float64
	for i := 0; i <= nF; i++ {
		c := 1.0
		if i == 0 || i == nF {
			c = 0.5
		}
		sum += c * t.fl[2*i]
	}
	t.fscale = 1 / (math.Pi * sum / nF)
	for i := range t.fl {
		t.fl[i] *= t.fscale
	}
	t.buildHermite()
	t.buildStrip()
	t.buildPoly(k)
	return t
}

// fxy is the tabulated projected kernel at (x, y) in units of h.
func (t *ktables) fxy(x, y float64) float64 { return t.f(x*x + y*y) }

// buildHermite fills the quadrant table from the F table: Ta and Tb by
// cumulative Gauss–Legendre integrals along the node lines, T by cumulative
// cell integrals. Cells and segments crossing the unit circle, where F has its
// weakest smoothness, are split at the circle.
func (t *ktables) buildHermite() {
	const n1 = nH + 1
	const d = 1.0 / nH
	gl := newGauss(12)
	t.herm = make([]hnode, n1*n1)
	// seg(a, y0, y1) = ∫_{y0}^{y1} F(√(a² + y²)) dy, split where a² + y² = 1.
	seg := func(a, y0, y1 float64) float64 {
		f := func(y float64) float64 { return t.fxy(a, y) }
		if a < 1 {
			yc := math.Sqrt(1 - a*a)
			if yc > y0 && yc < y1 {
				return gl.integrate(f, y0, yc)
			}
			if yc <= y0 {
				return 0
			}
		} else {
			return 0
		}
		return gl.integrate(f, y0, y1)
	}
	// line[i][j] = ∫₀^{b_j} F(a_i, y) dy.
	line := make([]float64, n1*n1)
	for i := 0; i <= nH; i++ {
		a := float64(i) * d
		var c float64
		for j := 1; j <= nH; j++ {
			c += seg(a, float64(j-1)*d, float64(j)*d)
			line[i*n1+j] = c
		}
	}
	// Cell integrals: ∫ over x in the cell of ∫ over y in the cell, the
	// inner integral by seg; the outer by Gauss split at the circle.
	cell := func(ix, jy int) float64 {
		x0, x1 := float64(ix)*d, float64(ix+1)*d
		y0, y1 := float64(jy)*d, float64(jy+1)*d
		if x0*x0+y0*y0 >= 1 {
			return 0
		}
		// The inner integral has kinks in x where the circle crosses the
		// cell's top and bottom edges: split there.
		f := func(x float64) float64 { return seg(x, y0, y1) }
		cuts := []float64{x0}
		for _, y := range []float64{y1, y0} {
			if xc := math.Sqrt(math.Max(0, 1-y*y)); xc > cuts[len(cuts)-1] && xc < x1 {
				cuts = append(cuts, xc)
			}
		}
		last := x1
		if xc := math.Sqrt(math.Max(0, 1-y0*y0)); xc < last {
			last = xc
		}
		if cuts[len(cuts)-1] < last {
			cuts = append(cuts, last)
		}
		var s float64
		for i := 1; i < len(cuts); i++ {
			s += gl.integrate(f, cuts[i-1], cuts[i])
		}
		return s
	}
	cum := make([]float64, n1*n1) // cum[jb*n1+ia] = T(a_ia, b_jb)
	for jb := 1; jb <= nH; jb++ {
		var row float64
		for ia := 1; ia <= nH; ia++ {
			row += cell(ia-1, jb-1)
			cum[jb*n1+ia] = cum[(jb-1)*n1+ia] + row
		}
	}
	scale := 0.25 / cum[nH*n1+nH]
	for jb := 0; jb <= nH; jb++ {
		for ia := 0; ia <= nH; ia++ {
			a, b := float64(ia)*d, float64(jb)*d
			t.herm[jb*n1+ia] = hnode{
				t:   cum[jb*n1+ia] * scale,
				ta:  line[ia*n1+jb] * scale, // ∂T/∂a = ∫₀ᵇ F(a, y) dy
				tb:  line[jb*n1+ia] * scale, // ∂T/∂b = ∫₀ᵃ F(x, b) dx (symmetry)
				tab: t.fxy(a, b) * scale,
			}
		}
	}
	t.herm[nH*n1+nH].t = 0.25
	t.hermF = unsafe.Slice(&t.herm[0].t, 4*len(t.herm))
	// The last column (a = 1) again, contiguous, for edge.
	t.edgeTab = make([]float64, 2*n1)
	for jb := 0; jb <= nH; jb++ {
		nd := t.herm[jb*n1+nH]
		t.edgeTab[2*jb], t.edgeTab[2*jb+1] = nd.t, nd.tb
	}
}

// buildStrip tabulates m(b) = 2∫₀^√(1−b²) F(√(u² + b²)) du at the nodes and
// Gauss points of each interval, and M by cumulative integration of m.
func (t *ktables) buildStrip() {
	gl := newGauss(16)
	marg := func(b float64) float64 {
		if b >= 1 {
			return 0
		}
		umax := math.Sqrt(1 - b*b)
		f := func(u float64) float64 { return t.fxy(u, b) }
		// Split geometrically near u = 0 for small b (branch points ±ib).
		var s float64
		lo := 0.0
		if b > 0 {
			for u := b; u < umax; u *= 2 {
				s += gl.integrate(f, lo, u)
				lo = u
			}
		}
		return 2 * (s + gl.integrate(f, lo, umax))
	}
	t.strip = make([]float64, 2*(nS+1))
	var cum float64
	for i := 0; i <= nS; i++ {
		b := float64(i) / nS
		if i > 0 {
			cum += gl.integrate(marg, b-1.0/nS, b)
		}
		t.strip[2*i] = cum
		t.strip[2*i+1] = marg(b)
	}
	sc := 0.5 / cum
	for i := range t.strip {
		t.strip[i] *= sc
	}
	t.strip[2*nS] = 0.5
}

// stripAt returns M(b), odd in b and clamped at |b| = 1: the light of the
// kernel (unit h) in the strip between 0 and b.
func (t *ktables) stripAt(b float64) float64 {
	sign := 1.0
	if b < 0 {
		b, sign = -b, -1
	}
	if b >= 1 {
		return sign * 0.5
	}
	u := b * nS
	i := int(u)
	s := u - float64(i)
	s2 := s * s
	s3 := s2 * s
	n := t.strip[2*i : 2*i+4 : 2*i+4]
	v := (2*s3-3*s2+1)*n[0] + (-2*s3+3*s2)*n[2] + ((s3-2*s2+s)*n[1]+(s3-s2)*n[3])/nS
	return sign * v
}

// hermBasis holds the cubic Hermite basis for one coordinate c ∈ [−1, 1]:
// the node interval index i, the four weights (value at node i, value at
// i+1, derivative at i and i+1, derivatives pre-scaled by the node spacing)
// and the sign of c (T is odd in each argument).
type hermBasis struct {
	i         int
	h0, h1    float64
	d0, d1    float64
	sign      float64
	saturated bool // |c| ≥ 1: exactly at the last node
}

func newHermBasis(c float64) hermBasis {
	var hb hermBasis
	hb.set(c)
	return hb
}

// set makes hb the basis of coordinate c.
func (hb *hermBasis) set(c float64) {
	// Branch-free sign: the sign of a corner offset is unpredictable.
	hb.sign = math.Copysign(1, c)
	c = math.Abs(c)
	if c >= 1 {
		hb.i, hb.h0, hb.h1, hb.d0, hb.d1, hb.saturated = nH-1, 0, 1, 0, 0, true
		return
	}
	u := c * nH
	i := int(u)
	s := u - float64(i)
	s2 := s * s
	s3 := s2 * s
	hb.i = i
	hb.h0 = 2*s3 - 3*s2 + 1
	hb.h1 = 3*s2 - 2*s3
	hb.d0 = (s3 - 2*s2 + s) * (1.0 / nH)
	hb.d1 = (s3 - s2) * (1.0 / nH)
	hb.saturated = false
}

// quadrant returns H(a, b) = ∫₀ᵃ∫₀ᵇ F dx dy for a, b given by their Hermite
// bases: odd in each argument, clamped at |a|, |b| = 1, bicubic Hermite
// between the table nodes (C¹, so sums of its mixed differences telescope).
func (t *ktables) quadrant(ha, hb *hermBasis) float64 {
	const n1 = nH + 1
	r0 := t.herm[hb.i*n1+ha.i:]
	r1 := t.herm[(hb.i+1)*n1+ha.i:]
	n00, n10 := &r0[0], &r0[1] // (ia, jb), (ia+1, jb)
	n01, n11 := &r1[0], &r1[1] // (ia, jb+1), (ia+1, jb+1)
	// Interpolate in a at rows jb and jb+1 for T and Tb.
	t0 := ha.h0*n00.t + ha.h1*n10.t + ha.d0*n00.ta + ha.d1*n10.ta
	t1 := ha.h0*n01.t + ha.h1*n11.t + ha.d0*n01.ta + ha.d1*n11.ta
	tb0 := ha.h0*n00.tb + ha.h1*n10.tb + ha.d0*n00.tab + ha.d1*n10.tab
	tb1 := ha.h0*n01.tb + ha.h1*n11.tb + ha.d0*n01.tab + ha.d1*n11.tab
	v := hb.h0*t0 + hb.h1*t1 + hb.d0*tb0 + hb.d1*tb1
	return ha.sign * hb.sign * v
}

// edge returns H(1, c) = T(1, |c|)·sign(c) for c given by its Hermite basis
// (by symmetry also H(c, 1)): the kernel's light in [0, 1] × [0, c], read
// from the 2D table's last column.
func (t *ktables) edge(hc *hermBasis) float64 {
	e := t.edgeTab[2*hc.i : 2*hc.i+4 : 2*hc.i+4]
	return hc.sign * (hc.h0*e[0] + hc.h1*e[2] + hc.d0*e[1] + hc.d1*e[3])
}

// quadrantAt is quadrant for coordinates in units of h.
func (t *ktables) quadrantAt(a, b float64) float64 {
	ha, hb := newHermBasis(a), newHermBasis(b)
	return t.quadrant(&ha, &hb)
}
