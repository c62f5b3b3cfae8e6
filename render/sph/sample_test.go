package sph

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSamplePolynomial(t *testing.T) {
	t.Parallel()
	// The piecewise polynomials against the line-of-sight quadrature they
	// were fitted to, on a fine grid in q that includes every piece's ends
	// (the singular points q = 0, 1/2, 1 among them). F: within 1.5e-9 of
	// F(0) (measured 9.7e-10; the q² table it replaces errs by ~1e-9 near
	// q = 0). ∇²F, whose (1 − q)^1.5 edge no polynomial follows closely:
	// within 5e-4 of F(0) (measured 3.4e-4); it enters the samples times
	// Pix²/(24h²), so for h ≥ 4 pixels its error is ≤ 2e-5·(Pix/h)² of F(0),
	// under 1 % of the fourth-order pixel-averaging remainder (Pix/h)⁴ up
	// to h ≈ 20 pixels and equal to it near h ≈ 200 pixels, where the 1e-9
	// of F dominates anyway.
	gl := newGauss(20)
	for _, k := range kernels {
		tb := k.tables()
		f0 := tb.f(0)
		var gF, gL gcoefs
		tb.sampleCoefs(&gF, 0)
		for i := range gL {
			gL[i] = tb.polyL[i]
		}
		var worstF, worstL float64
		for i := 0; i <= 4000; i++ {
			q := float64(i) / 4000
			wantF := k.losIntegral(k.w, q, gl) * tb.fscale
			wantL := k.losIntegral(k.lap, q, gl) * tb.fscale
			gotF, gotL := gF.sampleAt(q*q), gL.sampleAt(q*q)
			if q == 1 {
				wantF, wantL = 0, 0
			}
			worstF = max(worstF, math.Abs(gotF-wantF)/f0)
			worstL = max(worstL, math.Abs(gotL-wantL)/f0)
		}
		if worstF > 1.5e-9 || worstL > 5e-4 {
			t.Errorf("%v: sampling polynomial errors F %.2g, ∇²F %.2g of F(0), want ≤ 1.5e-9, 5e-4", k, worstF, worstL)
		}
		t.Logf("%v: worst |poly − quadrature|/F(0): F %.2g, ∇²F %.2g", k, worstF, worstL)
		if gF.sampleAt(1) != 0 || gF.sampleAt(2) != 0 || gF.sampleAt(math.NaN()) != 0 {
			t.Errorf("%v: sample not zero outside the support", k)
		}
	}
}

func TestDepositSpansMatchesGeneric(t *testing.T) {
	t.Parallel()
	// The SIMD span deposit (where built) against the portable loop: the
	// same samples up to rounding (FMA, reciprocal square root with Newton
	// steps, lane-wise sums), so 1e-13 of the largest pixel.
	rng := rand.New(rand.NewPCG(5, 6))
	tb := CubicSpline.tables()
	const nx, ny = 64, 40
	var g gcoefs
	for trial := range 20 {
		hp := 4 + 60*rng.Float64()
		px := 10 + 44*rng.Float64()
		tb.sampleCoefs(&g, 1/(24*hp*hp))
		var spans []rowSpan
		for j := 0; j < ny; j++ {
			dy := (float64(j) + 0.5 - 20) / hp
			if dy*dy >= 1 {
				continue
			}
			xw := hp * math.Sqrt(1-dy*dy)
			ia, ib := max(ceilInt(px-0.5-xw), 0), min(floorInt(px-0.5+xw), nx-1)
			n := max(ib-ia+1, 0)
			if trial == 0 && j == 20 {
				n = 0 // the fall-back pixel
			}
			spans = append(spans, rowSpan{j: j, i: ia, n: n, iFall: 7, ux0: (float64(ia) + 0.5 - px) / hp, e2: dy * dy, light: rng.Float64()})
		}
		wp := []float64{1, 2, 0.5, 3}
		// depositSpans needs accSlack values past the image.
		got, want := make([]float64, nx*ny*4+accSlack), make([]float64, nx*ny*4+accSlack)
		vals := make([]float64, spanValsLen(spans))
		var g2 gcoefs
		depositSpans(got, nx, 4, spans, tb, 1/(24*hp*hp), &g2, 1/hp, vals, wp)
		depositSpansGeneric(want, nx, 4, spans, &g, 1/hp, vals, wp)
		var peak, worst float64
		for i := range want {
			peak = max(peak, math.Abs(want[i]))
			worst = max(worst, math.Abs(got[i]-want[i]))
		}
		if worst > 1e-13*peak {
			t.Errorf("trial %d (h = %.2f pix): worst |SIMD − generic| %.3g of peak %.3g", trial, hp, worst, peak)
		}
	}
}

func TestEdgePolynomial(t *testing.T) {
	t.Parallel()
	// E(c) = T(1, c) = M(c)/2 from its polynomial against the strip table
	// (Hermite error ≪ 1e-10): within 1e-9 (measured 3e-10, at the cubic
	// spline's first piece), and exactly ±1/4 beyond the support.
	for _, k := range kernels {
		tb := k.tables()
		var worst float64
		for i := 0; i <= 4000; i++ {
			c := float64(i) / 4000
			worst = max(worst, math.Abs(tb.edgePoly(c)-tb.stripAt(c)/2), math.Abs(tb.edgePoly(-c)+tb.stripAt(c)/2))
		}
		if worst > 1e-9 {
			t.Errorf("%v: edge polynomial error %.2g, want ≤ 1e-9", k, worst)
		}
		if tb.edgePoly(1) != 0.25 || tb.edgePoly(-3) != -0.25 {
			t.Errorf("%v: E(±1) ≠ ±1/4", k)
		}
	}
}

func TestCellsSmallMatchesCells(t *testing.T) {
	t.Parallel()
	if !useAVX512 {
		t.Skip("no AVX-512 cell deposit in this build")
	}
	// A footprint of at most 3×3 pixels may be deposited by either
	// AVX-512 cell routine, depending on how the stripes cut it (which
	// depends on the number of workers): both must give the same values
	// (the same bits, up to the sign of zero).
	rng := rand.New(rand.NewPCG(7, 8))
	const nx, ny = 16, 16
	tb := CubicSpline.tables()
	g := Grid{NX: nx, NY: ny, Pix: 1}
	var s scratch
	tested := 0
	for trial := 0; trial < 4000; trial++ {
		hp := 0.3 + 1.3*rng.Float64()
		px, py := 1+14*rng.Float64(), 1+14*rng.Float64()
		if trial%7 == 0 { // cut by the grid's edges
			px, py = 15*rng.Float64()-0.5, 16.5*rng.Float64()-0.5
		}
		i0, i1 := clampFloor(px-hp, 0, nx-1), clampFloor(px+hp, 0, nx-1)
		j0, j1 := clampFloor(py-hp, 0, ny-1), clampFloor(py+hp, 0, ny-1)
		ncol := i1 - i0 + 1
		if ncol > 3 || j1-j0 > 2 {
			continue
		}
		tested++
		rec := []float64{px, py, hp, 1, 2, 0.5, 3}
		var got, want []float64
		for k, small := range []bool{true, false} {
			p := &projector{g: g, t: tb, nb: 4, inv: 1, buffers: &buffers{acc: make([]float64, nx*ny*4+accSlack)}}
			if small {
				p.cellsSmallAVX512(rec, i0, ncol, j0, j1, rec[3:], &s)
			} else {
				p.cellsAVX512(rec, i0, ncol, j0, j1, rec[3:], &s)
			}
			if k == 0 {
				got = p.acc
			} else {
				want = p.acc
			}
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && got[i] != want[i] {
				t.Fatalf("trial %d (p = %.3f, %.3f, h = %.3f): value %d: %v, want %v", trial, px, py, hp, i, got[i], want[i])
			}
		}
	}
	if tested < 1000 {
		t.Fatalf("only %d footprints of ≤ 3×3 pixels", tested)
	}
}
