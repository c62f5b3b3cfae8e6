package sph

import (
	"math"
	"sync"
)

// The mip pyramid. A particle's row deposit costs about one sample per pixel
// it covers, ∝ h², while its image is smooth on the scale of a pixel once h
// spans many of them. So particles with h ≥ mipMinH pixels are projected, with
// the same methods, onto a grid of pixels 2^l times larger (level l, where
// their h is between mipMinH/2 and mipMinH pixels, or beyond on the coarsest
// level), and each level's image is prolonged onto the next finer grid by a
// conservative sixth-order interpolation of pixel integrals (prolongAdd).
// Every child pair sums to its parent, so light is conserved exactly as on
// the fine grid; a prolonged pixel differs from the exact pixel integral by
// the coarse level's own (2^l·Pix/h)⁴ remainder plus the interpolation's,
// within 16·(2^l·Pix/h)⁴ of the kernel's peak (TestMipProfile; at most
// 1.6e-3 of it, at the centre of a Wendland C2 kernel of h = 16 pixels),
// about what the direct deposit already leaves at h = 4–5 pixels.

// mipMinH is the smoothing length, in pixels, from which a particle goes to
// the next coarser level.
const mipMinH = 16.0

// mipMinSide is the smallest number of pixels along either side of a coarse
// level.
const mipMinSide = 8

// mipLists are the particles of each mip level, reused through mipPool.
type mipLists struct {
	idx   []int32 // the particles, level by level, each level in index order
	start []int   // level l is idx[start[l]:start[l+1]]
	lev   []uint8
}

var mipPool = sync.Pool{New: func() any { return new(mipLists) }}

// level returns the particles of level l.
func (m *mipLists) level(l int) []int32 { return m.idx[m.start[l]:m.start[l+1]] }

// split returns the number L of coarse levels needed for smoothing lengths h
// (kpc) on g and, when L > 0, sorts the particles into levels: level l < L
// takes h/Pix in [mipMinH·2^(l−1), mipMinH·2^l) (level 0 from 0, and
// particles with a NaN h, which the projection skips), the coarsest every
// larger h. L is 0 when no particle has h ≥ mipMinH pixels; levels are added
// only while halving the grid keeps whole pixels and at least mipMinSide of
// them per side.
func (m *mipLists) split(g Grid, h []float64) int {
	maxH := 0.0
	for _, v := range h {
		if v > maxH && !math.IsInf(v, 1) { // NaN compares false
			maxH = v
		}
	}
	inv := 1 / g.Pix
	nl := 0
	for maxH*inv >= mipMinH*float64(int(1)<<nl) && (g.NX>>nl)%2 == 0 && (g.NY>>nl)%2 == 0 && min(g.NX, g.NY)>>(nl+1) >= mipMinSide {
		nl++
	}
	if nl == 0 {
		return 0
	}
	if len(h) > math.MaxInt32 {
		panic("sph: more than 2³¹ particles")
	}
	if cap(m.lev) < len(h) {
		m.lev = make([]uint8, len(h))
		m.idx = make([]int32, len(h))
	}
	m.lev, m.idx = m.lev[:len(h)], m.idx[:len(h)]
	m.start = append(m.start[:0], make([]int, nl+3)...) // levels 0…nl, and room for the sort
	for i, v := range h {
		hp, l := v*inv, 0
		for l < nl && hp >= mipMinH*float64(int(1)<<l) { // false for NaN
			l++
		}
		m.lev[i] = uint8(l)
		m.start[l+2]++
	}
	for l := 2; l < len(m.start); l++ {
		m.start[l] += m.start[l-1]
	}
	// Counting sort, stable: start[l+1] is level l's next free slot.
	for i, l := range m.lev {
		m.idx[m.start[l+1]] = int32(i)
		m.start[l+1]++
	}
	return nl
}

// prolongAdd adds to each fine image (2·ncy rows of 2·ncx pixels) the
// prolongation of the matching coarse image (ncy × ncx): each coarse pixel's
// light is split between its 2×2 children by prolong1 along x, then along y.
func prolongAdd(fine, coarse [][]float64, ncx, ncy, workers int) {
	parallelRange(len(coarse), workers, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			prolongBand(fine[b], coarse[b], ncx, ncy)
		}
	})
}

// prolongBand is prolongAdd for one band.
func prolongBand(f, c []float64, ncx, ncy int) {
	nfx := 2 * ncx
	tmp := make([]float64, ncy*nfx) // x-prolonged rows
	d := make([]float64, nfx)
	for j := range ncy {
		prolong1(tmp[j*nfx:(j+1)*nfx], c[j*ncx:(j+1)*ncx])
	}
	// Along y, a row at a time: child rows 2j and 2j+1 get row_j/2 ∓ d,
	// with d from rows j−3 … j+3 as in prolong1.
	row := func(j int) []float64 { return tmp[j*nfx : (j+1)*nfx] }
	for j := range ncy {
		c1, c2, c3 := stencil(j, ncy)
		lo, hi := row(max(j-1, 0)), row(min(j+1, ncy-1))
		for i := range d {
			d[i] = c1 * (hi[i] - lo[i])
		}
		if c2 != 0 {
			lo, hi := row(j-2), row(j+2)
			for i := range d {
				d[i] += c2 * (hi[i] - lo[i])
			}
		}
		if c3 != 0 {
			lo, hi := row(j-3), row(j+3)
			for i := range d {
				d[i] += c3 * (hi[i] - lo[i])
			}
		}
		f0, f1 := f[2*j*nfx:(2*j+1)*nfx], f[(2*j+1)*nfx:(2*j+2)*nfx]
		for i, v := range row(j) {
			di := clampHalf(d[i], v)
			f0[i] += v/2 - di
			f1[i] += v/2 + di
		}
	}
}

// prolong1 splits each of the n values of src (light in cells of width 1)
// between two children, dst[2k] = src[k]/2 − d_k and dst[2k+1] = src[k]/2 +
// d_k, where d_k is half the difference between the right and left halves'
// mean values of the polynomial whose cell averages are src[k−3 … k+3]
// (stencil): d = (201(s₊₁ − s₋₁) − 44(s₊₂ − s₋₂) + 5(s₊₃ − s₋₃))/2048. The
// children sum to their parent, and for cell averages of any polynomial of
// degree ≤ 6 they are exact. Near an end the stencil drops to the fourth-
// and second-order ones, and in the end cells to the one-sided linear one.
// |d| is capped at |src[k]|/2, so that a child never takes the opposite sign
// of its parent (the polynomial overshoots where a kernel's edge meets empty
// pixels).
func prolong1(dst, src []float64) {
	n := len(src)
	for k, v := range src {
		c1, c2, c3 := stencil(k, n)
		d := c1 * (src[min(k+1, n-1)] - src[max(k-1, 0)])
		if c2 != 0 {
			d += c2 * (src[k+2] - src[k-2])
		}
		if c3 != 0 {
			d += c3 * (src[k+3] - src[k-3])
		}
		d = clampHalf(d, v)
		dst[2*k] = v/2 - d
		dst[2*k+1] = v/2 + d
	}
}

// clampHalf returns d limited to ±|v|/2.
func clampHalf(d, v float64) float64 {
	a := math.Abs(v) / 2
	return max(-a, min(a, d))
}

// stencil returns the coefficients of d for cell k of n (see prolong1):
// d = c₁·(s₊₁ − s₋₁) + c₂·(s₊₂ − s₋₂) + c₃·(s₊₃ − s₋₃), where in an end
// cell the missing neighbour is the cell itself (one-sided, s₊₁ − s₀ or
// s₀ − s₋₁). All are 0 for n = 1.
func stencil(k, n int) (c1, c2, c3 float64) {
	switch e := min(k, n-1-k); {
	case n == 1:
		return 0, 0, 0
	case e >= 3: // sixth order: exact for polynomials of degree ≤ 6
		return 201.0 / 2048, -44.0 / 2048, 5.0 / 2048
	case e == 2: // fourth order
		return 22.0 / 256, -3.0 / 256, 0
	case e == 1: // second order
		return 1.0 / 16, 0, 0
	default: // the end cells: the one-sided linear slope, d = Δs/8
		return 1.0 / 8, 0, 0
	}
}
