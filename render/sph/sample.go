package sph

import "math"

// Sampling polynomials: the centre samples of large particles (depositRows)
// read F and ∇²F from piecewise polynomials in q = R/h rather than from the
// q² table, so that eight pixels are evaluated at once with no table gather
// (a lookup among 16 pieces is one two-register permutation on AVX-512).
//
// In q, F's singular points are q = 0 (an R⁴ log R term: the kernels' r³
// term seen edge-on), the cubic spline's break q = 1/2 and the support edge
// q = 1 ((1 − q)^3.5 and faster); the pieces are split at all three, and
// degree 8 on 16 pieces keeps F within 1e-9 of F(0) everywhere
// (TestSamplePolynomial), the accuracy of the linear q² table it replaces.
// ∇²F is only ever needed multiplied by Pix²/(24h²) ≤ 1/384, where a far
// looser fit suffices.
const (
	nP  = 16 // pieces in q
	nPC = 9  // coefficients per piece (degree 8)
	nEC = 8  // coefficients per piece of the edge polynomial (degree 7)
)

// gcoefs are the coefficients of one particle's sample G = F + c·∇²F:
// g[m*nP+k] multiplies u^m on piece k (q ∈ [k/nP, (k+1)/nP)), where
// u = 2(nP·q − k) − 1 ∈ [−1, 1).
type gcoefs [nPC * nP]float64

// chebMono returns mono[n][m], the coefficient of u^m in the Chebyshev
// polynomial T_n(u), n, m < nc.
func chebMono(nc int) [][]float64 {
	mono := make([][]float64, nc)
	for n := range mono {
		mono[n] = make([]float64, nc)
	}
	mono[0][0] = 1
	if nc > 1 {
		mono[1][1] = 1
	}
	for n := 2; n < nc; n++ {
		for m := 0; m < nc; m++ {
			v := -mono[n-2][m]
			if m > 0 {
				v += 2 * mono[n-1][m-1]
			}
			mono[n][m] = v
		}
	}
	return mono
}

// fitPieces fits f on nP equal pieces of [0, 1] by interpolation at nc
// Chebyshev points of the first kind and writes the monomial coefficients
// in u = 2(nP·x − k) − 1 ∈ [−1, 1) coefficient-major: dst[m*nP+k]
// multiplies u^m on piece k. The monomial form is well conditioned on
// [−1, 1]: the Chebyshev coefficients decay fast, so the monomial ones stay
// small.
func fitPieces(f func(x float64) float64, nc int, dst []float64) {
	mono := chebMono(nc)
	u := make([]float64, nc)
	v := make([]float64, nc)
	for j := range u {
		u[j] = math.Cos(math.Pi * (float64(j) + 0.5) / float64(nc))
	}
	for pc := 0; pc < nP; pc++ {
		for j, uj := range u {
			v[j] = f((float64(pc) + (uj+1)/2) / nP)
		}
		mc := make([]float64, nc)
		for n := 0; n < nc; n++ {
			// a_n = (2/N) Σ_j v_j T_n(u_j), a_0 halved.
			var a float64
			for j := range u {
				a += v[j] * math.Cos(float64(n)*math.Pi*(float64(j)+0.5)/float64(nc))
			}
			a *= 2 / float64(nc)
			if n == 0 {
				a /= 2
			}
			for m := 0; m < nc; m++ {
				mc[m] += a * mono[n][m]
			}
		}
		for m := range mc {
			dst[m*nP+pc] = mc[m]
		}
	}
}

// buildPoly fits the sampling polynomials of F and ∇²F (with F's table
// scale factor) and the edge polynomial E(c) = T(1, c) = M(c)/2.
func (t *ktables) buildPoly(k Kernel) {
	gl := newGauss(20)
	fitPieces(func(q float64) float64 { return k.losIntegral(k.w, q, gl) * t.fscale }, nPC, t.polyF[:])
	fitPieces(func(q float64) float64 { return k.losIntegral(k.lap, q, gl) * t.fscale }, nPC, t.polyL[:])
	fitPieces(func(c float64) float64 { return t.stripAt(c) / 2 }, nEC, t.polyE[:])
}

// edgePoly returns E(c) = sign(c)·T(1, |c|) from the edge polynomial,
// exactly ±1/4 for |c| ≥ 1 (the scalar reference of the SIMD cell deposit).
func (t *ktables) edgePoly(c float64) float64 {
	ac := math.Abs(c)
	if ac >= 1 {
		return math.Copysign(0.25, c)
	}
	tq := ac * nP
	k := int(tq)
	u := 2*(tq-float64(k)) - 1
	r := t.polyE[(nEC-1)*nP+k]
	for m := nEC - 2; m >= 0; m-- {
		r = r*u + t.polyE[m*nP+k]
	}
	return math.Copysign(r, c)
}

// sampleCoefs sets g to the coefficients of F + c·∇²F.
func (t *ktables) sampleCoefs(g *gcoefs, c float64) {
	for i := range g {
		g[i] = t.polyF[i] + c*t.polyL[i]
	}
}

// sampleAt returns the sample polynomial g at q² = x (units of h): zero for
// x ≥ 1 (and for NaN).
func (g *gcoefs) sampleAt(x float64) float64 {
	if !(x < 1) {
		return 0
	}
	tq := math.Sqrt(x) * nP
	k := int(tq)
	u := 2*(tq-float64(k)) - 1
	r := g[(nPC-1)*nP+k]
	for m := nPC - 2; m >= 0; m-- {
		r = r*u + g[m*nP+k]
	}
	return r
}

// spanValsLen is the length of the vals scratch depositSpans needs for
// spans: the longest row's samples rounded up to a whole register, and 8
// more.
func spanValsLen(spans []rowSpan) int {
	n := 1
	for i := range spans {
		n = max(n, spans[i].n)
	}
	return n + 16
}

// rowSpan is one row of a large particle's deposit (depositRows): pixels
// i … i+n−1 of row j, whose centres lie at x offsets ux0, ux0 + step, …
// from the particle and e2 = dy² in units of h, share the row's light in
// proportion to their samples; if no sample is positive, the light goes
// whole to pixel (iFall, j).
type rowSpan struct {
	j, i, n, iFall int
	ux0, e2, light float64
}

// sampleSpan fills v[k] (k < sp.n) with the samples of sp's pixels and
// returns their sum, in pixel order.
func sampleSpan(g *gcoefs, sp *rowSpan, step float64, v []float64) float64 {
	var sum float64
	for k := range v[:sp.n] {
		ux := sp.ux0 + float64(k)*step
		s := g.sampleAt(ux*ux + sp.e2)
		v[k] = s
		sum += s
	}
	return sum
}

// depositSpansGeneric is the portable form of depositSpans: it samples each
// span into vals (at least as long as the longest span), rescales it to the
// span's light and adds it times wp to the nb-band accumulator (rows of nx
// pixels).
func depositSpansGeneric(acc []float64, nx, nb int, spans []rowSpan, g *gcoefs, step float64, vals, wp []float64) {
	w := make([]float64, nb)
	for si := range spans {
		sp := &spans[si]
		sum := sampleSpan(g, sp, step, vals)
		v := vals[:sp.n]
		i := sp.i
		scale := sp.light / sum
		if !(sum > 0) {
			// No positive sample (no pixel centre well inside the
			// kernel's chord): the row's light goes to one pixel.
			v = vals[:1]
			v[0] = 1
			i = sp.iFall
			scale = sp.light
		}
		for b, wb := range wp {
			w[b] = wb * scale
		}
		a := acc[(sp.j*nx+i)*nb : (sp.j*nx+i+len(v))*nb]
		if nb == 4 {
			addRow4(a, v, w)
			continue
		}
		for k, vk := range v {
			q := a[k*nb : (k+1)*nb]
			for b, wb := range w {
				q[b] += vk * wb
			}
		}
	}
}
