//go:build goexperiment.simd && amd64

package sph

import (
	"math"
	"math/bits"
	"simd/archsimd"
)

// useSIMD is whether the AVX2+FMA deposit can run on this CPU.
var useSIMD = archsimd.X86.AVX2() && archsimd.X86.FMA()

// addRow4 adds v[k]·wp to the 4-band interleaved accumulator a (len 4·len(v)):
// one fused multiply-add of 4 lanes per pixel. It clears the upper halves of
// the AVX registers before returning: Go's scalar floating point is SSE, which
// otherwise pays a false dependency on them (measured: the whole projection
// ran 2× slower without it).
func addRow4(a, v, wp []float64) {
	if !useSIMD {
		addRow4Generic(a, v, wp)
		return
	}
	wv := archsimd.LoadFloat64x4(wp[:4])
	a = a[:4*len(v)]
	for k, vk := range v {
		q := a[4*k : 4*k+4]
		archsimd.BroadcastFloat64x4(vk).MulAdd(wv, archsimd.LoadFloat64x4(q)).Store(q)
	}
	archsimd.ClearAVXUpperBits()
}

// addBlock4 adds v[r*ncol+k]·wp to a[r*stride+4k : r*stride+4k+4].
func addBlock4(a []float64, stride int, v []float64, ncol int, wp []float64) {
	if !useSIMD {
		addBlock4Generic(a, stride, v, ncol, wp)
		return
	}
	wv := archsimd.LoadFloat64x4(wp[:4])
	for r := 0; r*ncol < len(v); r++ {
		ar := a[r*stride : r*stride+4*ncol]
		for k, vk := range v[r*ncol : (r+1)*ncol] {
			q := ar[4*k : 4*k+4]
			archsimd.BroadcastFloat64x4(vk).MulAdd(wv, archsimd.LoadFloat64x4(q)).Store(q)
		}
	}
	archsimd.ClearAVXUpperBits()
}

// useAVX512 is whether the AVX-512 (F, DQ, …) span deposit can run.
var useAVX512 = archsimd.X86.AVX512()

var (
	iota8 = [8]float64{0, 1, 2, 3, 4, 5, 6, 7}
	// pairPerm[p] spreads pixels 2p and 2p+1 of 8 samples over the 4 bands
	// of two interleaved pixels.
	pairPerm = [4][8]uint64{
		{0, 0, 0, 0, 1, 1, 1, 1},
		{2, 2, 2, 2, 3, 3, 3, 3},
		{4, 4, 4, 4, 5, 5, 5, 5},
		{6, 6, 6, 6, 7, 7, 7, 7},
	}
	// sumPerm are the butterflies of a horizontal sum of 8 lanes.
	sumPerm = [3][8]uint64{
		{4, 5, 6, 7, 0, 1, 2, 3},
		{2, 3, 0, 1, 6, 7, 4, 5},
		{1, 0, 3, 2, 5, 4, 7, 6},
	}
)

// depositSpans samples each span's pixels (G = F + c·∇²F, eight pixels at
// a time), rescales them to the span's light and adds them times wp to the
// nb-band accumulator acc (rows of nx pixels). vals is scratch of at least
// the longest span's length + 16; g is scratch for the sample
// polynomial's coefficients.
func depositSpans(acc []float64, nx, nb int, spans []rowSpan, t *ktables, c float64, g *gcoefs, step float64, vals, wp []float64) {
	if !useAVX512 || nb != 4 {
		t.sampleCoefs(g, c)
		depositSpansGeneric(acc, nx, nb, spans, g, step, vals, wp)
		return
	}
	// The 16 pieces' coefficients of u^m, F + c·∇²F, pieces 0–7 in l_m
	// (registers), 8–15 in g (memory: read as operands of the
	// two-register permutation that picks each lane's coefficient, which
	// leaves registers for the rest of the loop instead of spilling).
	t.sampleCoefsAVX512(g, c)
	l0 := archsimd.LoadFloat64x8(g[0*nP : 0*nP+8])
	l1 := archsimd.LoadFloat64x8(g[1*nP : 1*nP+8])
	l2 := archsimd.LoadFloat64x8(g[2*nP : 2*nP+8])
	l3 := archsimd.LoadFloat64x8(g[3*nP : 3*nP+8])
	l4 := archsimd.LoadFloat64x8(g[4*nP : 4*nP+8])
	l5 := archsimd.LoadFloat64x8(g[5*nP : 5*nP+8])
	l6 := archsimd.LoadFloat64x8(g[6*nP : 6*nP+8])
	l7 := archsimd.LoadFloat64x8(g[7*nP : 7*nP+8])
	l8 := archsimd.LoadFloat64x8(g[8*nP : 8*nP+8])
	kv0 := archsimd.LoadFloat64x8Array(&iota8)
	stepv := archsimd.BroadcastFloat64x8(step)
	one := archsimd.BroadcastFloat64x8(1)
	mone := archsimd.BroadcastFloat64x8(-1)
	tiny := archsimd.BroadcastFloat64x8(1e-300)
	c516 := archsimd.BroadcastFloat64x8(-5.0 / 16)
	c38 := archsimd.BroadcastFloat64x8(3.0 / 8)
	mhalf := archsimd.BroadcastFloat64x8(-0.5)
	np := archsimd.BroadcastFloat64x8(nP)
	two := archsimd.BroadcastFloat64x8(2)
	eight := archsimd.BroadcastFloat64x8(8)
	w4 := archsimd.LoadFloat64x4(wp[:4])
	var w8 archsimd.Float64x8
	w8 = w8.SetLo(w4).SetHi(w4)
	var zero archsimd.Float64x8
	p0 := archsimd.LoadUint64x8Array(&pairPerm[0])
	p1 := archsimd.LoadUint64x8Array(&pairPerm[1])
	p2 := archsimd.LoadUint64x8Array(&pairPerm[2])
	p3 := archsimd.LoadUint64x8Array(&pairPerm[3])
	hi := func(m int) archsimd.Float64x8 { return archsimd.LoadFloat64x8(g[m*nP+8 : m*nP+16]) }
	s4 := archsimd.LoadUint64x8Array(&sumPerm[0])
	s2 := archsimd.LoadUint64x8Array(&sumPerm[1])
	s1 := archsimd.LoadUint64x8Array(&sumPerm[2])
	for si := range spans {
		sp := &spans[si]
		n := sp.n
		e2 := archsimd.BroadcastFloat64x8(sp.e2)
		ux0 := archsimd.BroadcastFloat64x8(sp.ux0)
		kv := kv0
		var sumv archsimd.Float64x8
		for k := 0; k < n; k += 8 {
			ux := kv.MulAdd(stepv, ux0) // ux0 + k·step
			kv = kv.Add(eight)
			x := ux.MulAdd(ux, e2)
			in := x.Less(one)
			if n-k < 8 {
				in = in.And(archsimd.Mask64x8FromBits(0xff >> (8 - (n - k))))
			}
			// q = √x from a 14-bit reciprocal square root y and one
			// third-order step: with t = x·y and r = t·y − 1 (|r| < 2⁻¹³),
			// √x = t·(1 − r/2 + 3r²/8 − 5r³/16 + O(r⁴)). Lanes with
			// x ≥ 1 are masked off below.
			x = x.Max(tiny)
			y := x.ReciprocalSqrt()
			tt := x.Mul(y)
			r := tt.MulAdd(y, mone)
			pr := r.MulAdd(c516, c38).MulAdd(r, mhalf)
			tq := tt.Mul(r).MulAdd(pr, tt).Mul(np)
			idx := tq.ConvertToUint64()
			u := tq.FloorScaledResidue(0).MulAdd(two, mone)
			// Estrin's scheme: a short dependency chain.
			u2 := u.Mul(u)
			u4 := u2.Mul(u2)
			a0 := l1.ConcatPermute(hi(1), idx).MulAdd(u, l0.ConcatPermute(hi(0), idx))
			a1 := l3.ConcatPermute(hi(3), idx).MulAdd(u, l2.ConcatPermute(hi(2), idx))
			a2 := l5.ConcatPermute(hi(5), idx).MulAdd(u, l4.ConcatPermute(hi(4), idx))
			a3 := l7.ConcatPermute(hi(7), idx).MulAdd(u, l6.ConcatPermute(hi(6), idx))
			b0 := a1.MulAdd(u2, a0)
			b1 := l8.ConcatPermute(hi(8), idx).MulAdd(u4, a3.MulAdd(u2, a2))
			r = b1.MulAdd(u4, b0)
			r = r.Masked(in)
			r.Store(vals[k : k+8])
			sumv = sumv.Add(r)
		}
		// The sum in every lane, and the scale, without scalar floating
		// point: legacy-SSE scalar instructions on dirty upper AVX-512
		// state cost a false dependency each (measured: the whole
		// projection 1.8× slower with a scalar sum here).
		sumv = sumv.Add(sumv.Permute(s4))
		sumv = sumv.Add(sumv.Permute(s2))
		sumv = sumv.Add(sumv.Permute(s1))
		light := archsimd.BroadcastFloat64x8(sp.light)
		i := sp.i
		scale := light.Div(sumv)
		if sumv.Greater(zero).ToBits() == 0 {
			// No positive sample: the row's light goes to one pixel.
			one.Store(vals[0:8])
			n, i, scale = 1, sp.iFall, light
		}
		sw := w8.Mul(scale)
		// acc has accSlack values beyond the image, so the last chunk's
		// loads stay in bounds; its stores are masked to the span.
		a := acc[(sp.j*nx+i)*4 : (sp.j*nx+i+n)*4+accSlack]
		k := 0
		for ; k+8 <= n; k += 8 {
			v := archsimd.LoadFloat64x8(vals[k : k+8])
			q := a[4*k : 4*k+32]
			v.Permute(p0).MulAdd(sw, archsimd.LoadFloat64x8(q[0:8])).Store(q[0:8])
			v.Permute(p1).MulAdd(sw, archsimd.LoadFloat64x8(q[8:16])).Store(q[8:16])
			v.Permute(p2).MulAdd(sw, archsimd.LoadFloat64x8(q[16:24])).Store(q[16:24])
			v.Permute(p3).MulAdd(sw, archsimd.LoadFloat64x8(q[24:32])).Store(q[24:32])
		}
		if k < n {
			// The last 1–7 pixels: every pair register is loaded and
			// stored under a mask of 4 lanes per remaining pixel, with no
			// branch on the count (the loaded values past the span are
			// not stored back).
			bits := uint32(1)<<(4*(n-k)) - 1
			v := archsimd.LoadFloat64x8(vals[k : k+8])
			q := a[4*k : 4*k+32]
			v.Permute(p0).MulAdd(sw, archsimd.LoadFloat64x8(q[0:8])).StoreArrayMasked((*[8]float64)(q[0:8]), archsimd.Mask64x8FromBits(uint8(bits)))
			v.Permute(p1).MulAdd(sw, archsimd.LoadFloat64x8(q[8:16])).StoreArrayMasked((*[8]float64)(q[8:16]), archsimd.Mask64x8FromBits(uint8(bits>>8)))
			v.Permute(p2).MulAdd(sw, archsimd.LoadFloat64x8(q[16:24])).StoreArrayMasked((*[8]float64)(q[16:24]), archsimd.Mask64x8FromBits(uint8(bits>>16)))
			v.Permute(p3).MulAdd(sw, archsimd.LoadFloat64x8(q[24:32])).StoreArrayMasked((*[8]float64)(q[24:32]), archsimd.Mask64x8FromBits(uint8(bits>>24)))
		}
	}
	archsimd.ClearAVXUpperBits()
}

var (
	// pat0145 selects lanes 0, 1, 4, 5: the value (not derivative) slots of
	// a Hermite row pair (t, ta, tb, tab at nodes ia and ia+1).
	pat0145 = archsimd.Mask64x8FromBits(0b00110011)
	// shift1 moves lane e+1 to lane e (lane 7 reads the second operand).
	shift1 = [8]uint64{1, 2, 3, 4, 5, 6, 7, 8}
	// acolPerm[e] builds (h0, d0, h0, d0, h1, d1, h1, d1) of lane e from
	// (h0 | d0) and (h1 | d1) register pairs.
	acolPerm [8][8]uint64
	// lanePerm[k] broadcasts lane k.
	lanePerm [8][8]uint64
)

func init() {
	for e := range acolPerm {
		for k := range 8 {
			acolPerm[e][k] = uint64(e + 8*(k&1))
			lanePerm[e][k] = uint64(e)
		}
	}
}

// hermiteBasis8 returns, for coordinates c, the sign of c, |c|, the table
// node index i (clamped to nH−1, so |c| ≥ 1 gives the last node with
// h0 = 0, h1 = 1, d0 = d1 = 0) and the cubic Hermite weights (hermBasis.set
// lane by lane), and E(c) from the edge polynomial (±1/4 for |c| ≥ 1).
func hermiteBasis8(c archsimd.Float64x8, pe *[nEC * nP]float64) (sgn, ac archsimd.Float64x8, i archsimd.Int64x8, h0, h1, d0, d1, e archsimd.Float64x8) {
	one := archsimd.BroadcastFloat64x8(1)
	signBit := archsimd.BroadcastInt64x8(math.MinInt64)
	cb := c.AsInt64x8()
	sgn = cb.And(signBit).Or(one.AsInt64x8()).AsFloat64x8()
	ac = cb.AndNot(signBit).AsFloat64x8()
	acc := ac.Min(one)
	u := acc.Mul(archsimd.BroadcastFloat64x8(nH))
	i = u.ConvertToInt64().Min(archsimd.BroadcastInt64x8(nH - 1))
	s := u.Sub(i.ConvertToFloat64())
	s2 := s.Mul(s)
	s3 := s2.Mul(s)
	two, three := archsimd.BroadcastFloat64x8(2), archsimd.BroadcastFloat64x8(3)
	h1 = s2.Mul(three).Sub(s3.Mul(two))
	h0 = one.Sub(h1)
	inv := archsimd.BroadcastFloat64x8(1.0 / nH)
	d1 = s3.Sub(s2).Mul(inv)
	d0 = s3.Sub(s2.Mul(two)).Add(s).Mul(inv)
	// E(|c|): piece k = ⌊16|c|⌋, u = 2·frac − 1, degree 7 (Estrin).
	tq := acc.Mul(archsimd.BroadcastFloat64x8(nP))
	idx := tq.ConvertToUint64()
	w := tq.FloorScaledResidue(0).MulAdd(two, one.Neg())
	cf := func(m int) archsimd.Float64x8 {
		return archsimd.LoadFloat64x8(pe[m*nP:m*nP+8]).ConcatPermute(archsimd.LoadFloat64x8(pe[m*nP+8:m*nP+16]), idx)
	}
	w2 := w.Mul(w)
	w4 := w2.Mul(w2)
	a0 := cf(1).MulAdd(w, cf(0))
	a1 := cf(3).MulAdd(w, cf(2))
	a2 := cf(5).MulAdd(w, cf(4))
	a3 := cf(7).MulAdd(w, cf(6))
	ev := a3.MulAdd(w2, a2).MulAdd(w4, a1.MulAdd(w2, a0))
	ev = ev.IfElse(ac.Less(one), archsimd.BroadcastFloat64x8(0.25))
	e = ev.Mul(sgn)
	return
}

// cellsAVX512 is depositCells for 4 bands and columns i0 … i0+ncol−1
// (ncol ≤ 7) of the footprint, eight
// column corners per register: corner values H are computed a row of
// corners at a time (the bicubic quadrant table only at corners inside the
// kernel's disc, one pair of 512-bit loads per corner), differenced into
// pixel integrals and added to the accumulator without leaving the vector
// registers. Corner coordinates are computed from the absolute pixel
// edges, so a corner's value does not depend on the stripe that computes it.
func (p *projector) cellsAVX512(rec []float64, i0, ncol, j0, j1 int, wp []float64, s *scratch) {
	t := p.t
	nx := p.g.NX
	nrc := j1 - j0 + 2 // corner rows
	// Every scalar input becomes a vector before the first 512-bit
	// operation: from there on no scalar floating point (see
	// depositSpans). px, py, hp come from the particle's record in one
	// 256-bit load (as scalars, the compiler spills them and reloads them
	// with legacy-SSE loads: 2× slower), 1/h is a vector division
	// (correctly rounded, as the portable code's), and the integer offsets
	// convert in vectors.
	one := archsimd.BroadcastFloat64x8(1)
	var rv archsimd.Float64x8
	rv = rv.SetLo(archsimd.LoadFloat64x4(rec[:4]))
	pxv := rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[0]))
	pyv := rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[1]))
	ihv := one.Div(rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[2])))
	ci0 := archsimd.BroadcastInt64x8(int64(i0)).ConvertToFloat64()
	cj0 := archsimd.BroadcastInt64x8(int64(j0)).ConvertToFloat64()
	iota := archsimd.LoadFloat64x8Array(&iota8)
	quarter := archsimd.BroadcastFloat64x8(0.25)
	eight := archsimd.BroadcastFloat64x8(8)
	var zero archsimd.Float64x8

	// Column corners e = 0 … ncol, from the absolute column edges.
	a := iota.Add(ci0).Sub(pxv).Mul(ihv)
	sa, _, ci, ch0, ch1, cd0, cd1, colE := hermiteBasis8(a, &t.polyE)
	a2 := a.Mul(a)
	ci.StoreArray(&s.cidx)
	for e := 0; e <= ncol; e++ {
		ix := archsimd.LoadUint64x8Array(&acolPerm[e])
		x0 := ch0.ConcatPermute(cd0, ix) // h0, d0, h0, d0, …
		x1 := ch1.ConcatPermute(cd1, ix)
		x0.IfElse(archsimd.Mask64x8FromBits(0x0f), x1).Store(s.acol[8*e : 8*e+8])
	}
	// Row corners c = 0 … nrc−1 (up to 10: two registers).
	rows := iota.Add(cj0)
	for o := 0; o < nrc; o += 8 {
		b := rows.Sub(pyv).Mul(ihv)
		rows = rows.Add(eight)
		sb, ab, ri, rh0, rh1, rd0, rd1, rowE := hermiteBasis8(b, &t.polyE)
		b.Mul(b).Store(s.rb2[o : o+8])
		sb.Store(s.rsb[o : o+8])
		ab.Store(s.rab[o : o+8])
		ri.StoreArray((*[8]int64)(s.ridx[o : o+8]))
		rh0.Store(s.rh0[o : o+8])
		rh1.Store(s.rh1[o : o+8])
		rd0.Store(s.rd0[o : o+8])
		rd1.Store(s.rd1[o : o+8])
		rowE.Store(s.rE[o : o+8])
	}
	w4 := archsimd.LoadFloat64x4(wp[:4])
	var w8 archsimd.Float64x8
	w8 = w8.SetLo(w4).SetHi(w4)
	sh1 := archsimd.LoadUint64x8Array(&shift1)
	s4 := archsimd.LoadUint64x8Array(&sumPerm[0])
	s2 := archsimd.LoadUint64x8Array(&sumPerm[1])
	s1 := archsimd.LoadUint64x8Array(&sumPerm[2])
	hermF := t.hermF
	var hprev archsimd.Float64x8
	for c := 0; c < nrc; c++ {
		sbv := archsimd.BroadcastFloat64x8(s.rsb[c])
		var hrow archsimd.Float64x8
		if archsimd.BroadcastFloat64x8(s.rab[c]).Less(one).ToBits() == 0 {
			// Outside the kernel's y extent: H(a, ±1) = ±E(a).
			hrow = colE.Mul(sbv)
		} else {
			rowE := archsimd.BroadcastFloat64x8(s.rE[c])
			// Outside the disc (and, exactly, outside the x extent):
			// sign(b)E(a) + sign(a)E(b) − sign(a)sign(b)/4.
			hrow = colE.Mul(sbv).Add(sa.Mul(rowE.Sub(quarter.Mul(sbv))))
			in := a2.Add(archsimd.BroadcastFloat64x8(s.rb2[c])).Less(one)
			bits := in.ToBits() & uint8(1<<(ncol+1)-1)
			if bits != 0 {
				b0 := archsimd.BroadcastFloat64x8(s.rh0[c]).IfElse(pat0145, archsimd.BroadcastFloat64x8(s.rd0[c]))
				b1 := archsimd.BroadcastFloat64x8(s.rh1[c]).IfElse(pat0145, archsimd.BroadcastFloat64x8(s.rd1[c]))
				jb := int(s.ridx[c])
				r0 := hermF[jb*4*(nH+1) : (jb+1)*4*(nH+1)]
				r1 := hermF[(jb+1)*4*(nH+1) : (jb+2)*4*(nH+1)]
				var tv archsimd.Float64x8
				for bb := bits; bb != 0; bb &= bb - 1 {
					e := bits8TrailingZeros(bb)
					o := 4 * int(s.cidx[e])
					v := archsimd.LoadFloat64x8(r0[o : o+8]).Mul(b0)
					v = archsimd.LoadFloat64x8(r1[o:o+8]).MulAdd(b1, v)
					v = v.Mul(archsimd.LoadFloat64x8(s.acol[8*e : 8*e+8]))
					v = v.Add(v.Permute(s4))
					v = v.Add(v.Permute(s2))
					v = v.Add(v.Permute(s1))
					tv = v.IfElse(archsimd.Mask64x8FromBits(1<<e), tv)
				}
				hrow = tv.Mul(sa).Mul(sbv).IfElse(in, hrow)
			}
		}
		if c > 0 {
			d := hrow.Sub(hprev)
			wrow := d.ConcatPermute(zero, sh1).Sub(d) // lane e: pixel e of row j0+c−1
			q := p.acc[((j0+c-1)*nx+i0)*4 : ((j0+c-1)*nx+i0+ncol)*4]
			k := 0
			for ; k+2 <= ncol; k += 2 {
				qk := q[4*k : 4*k+8]
				wrow.Permute(archsimd.LoadUint64x8Array(&pairPerm[k/2])).MulAdd(w8, archsimd.LoadFloat64x8(qk)).Store(qk)
			}
			if k < ncol {
				qk := q[4*k : 4*k+4]
				wrow.Permute(archsimd.LoadUint64x8Array(&pairPerm[k/2])).GetLo().MulAdd(w4, archsimd.LoadFloat64x4(qk)).Store(qk)
			}
		}
		hprev = hrow
	}
	archsimd.ClearAVXUpperBits()
}

// bits8TrailingZeros returns the index of the lowest set bit of b ≠ 0.
func bits8TrailingZeros(b uint8) int { return bits.TrailingZeros8(b) }

// sampleCoefsAVX512 is sampleCoefs in 512-bit vectors.
func (t *ktables) sampleCoefsAVX512(g *gcoefs, c float64) {
	cv := archsimd.BroadcastFloat64x8(c)
	for o := 0; o < len(g); o += 8 {
		archsimd.LoadFloat64x8(t.polyL[o:o+8]).MulAdd(cv, archsimd.LoadFloat64x8(t.polyF[o:o+8])).Store(g[o : o+8])
	}
}

var (
	// corner4 lays out a footprint of up to 4×4 corners: lanes 0–3 hold
	// column corners 0–3, lanes 4–7 row corners 0–3.
	corner4 = [8]float64{0, 1, 2, 3, 0, 1, 2, 3}
	// colOf4 spreads column corners 0–3 over both halves of a register;
	// rowsOf4[R] gives lanes 0–3 row corner 2R and lanes 4–7 row corner
	// 2R+1 (from lanes 4–7).
	colOf4  = [8]uint64{0, 1, 2, 3, 0, 1, 2, 3}
	rowsOf4 = [2][8]uint64{{4, 4, 4, 4, 5, 5, 5, 5}, {6, 6, 6, 6, 7, 7, 7, 7}}
	// nextRow4 pairs corner rows (1 | 2) from registers (0, 1 | 2, 3);
	// hiRow4 moves lanes 4–7 to 0–3; nextCol4 moves lane e+1 to lane e
	// within each half.
	nextRow4 = [8]uint64{4, 5, 6, 7, 8, 9, 10, 11}
	hiRow4   = [8]uint64{4, 5, 6, 7, 4, 5, 6, 7}
	nextCol4 = [8]uint64{1, 2, 3, 3, 5, 6, 7, 7}
)

// cellsSmallAVX512 is cellsAVX512 for footprints of at most 3×3 pixels
// (ncol ≤ 3, j1 − j0 ≤ 2): the whole grid of up to 4×4 corners sits in two
// registers, one hermiteBasis8 call serves the column and the row corners,
// and the pixels are deposited with masked stores, without the per-row
// loop. Every corner value and pixel integral is computed with the same
// operations as in cellsAVX512, so the two give bit-identical pixels (a
// particle may take either path depending on the stripe partition).
func (p *projector) cellsSmallAVX512(rec []float64, i0, ncol, j0, j1 int, wp []float64, s *scratch) {
	t := p.t
	nx := p.g.NX
	nrc := j1 - j0 + 2 // corner rows, ≤ 4
	one := archsimd.BroadcastFloat64x8(1)
	var rv archsimd.Float64x8
	rv = rv.SetLo(archsimd.LoadFloat64x4(rec[:4]))
	pxv := rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[0]))
	pyv := rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[1]))
	ihv := one.Div(rv.Permute(archsimd.LoadUint64x8Array(&lanePerm[2])))
	lo4 := archsimd.Mask64x8FromBits(0x0f)
	base := archsimd.BroadcastInt64x8(int64(i0)).ConvertToFloat64().IfElse(lo4, archsimd.BroadcastInt64x8(int64(j0)).ConvertToFloat64())
	c := archsimd.LoadFloat64x8Array(&corner4).Add(base).Sub(pxv.IfElse(lo4, pyv)).Mul(ihv)
	sgn, ac, ci, h0, h1, d0, d1, ev := hermiteBasis8(c, &t.polyE)
	ci.StoreArray(&s.cidx)
	c2 := c.Mul(c)
	colIdx := archsimd.LoadUint64x8Array(&colOf4)
	sa, ea, a2 := sgn.Permute(colIdx), ev.Permute(colIdx), c2.Permute(colIdx)
	quarter := archsimd.BroadcastFloat64x8(0.25)
	hermF := t.hermF
	s4 := archsimd.LoadUint64x8Array(&sumPerm[0])
	s2 := archsimd.LoadUint64x8Array(&sumPerm[1])
	s1 := archsimd.LoadUint64x8Array(&sumPerm[2])
	// Lanes of real corners: columns e ≤ ncol, rows < nrc.
	colBits := uint8(1)<<(ncol+1) - 1
	var hr [2]archsimd.Float64x8
	for R := range 2 {
		ri := archsimd.LoadUint64x8Array(&rowsOf4[R])
		sb, eb := sgn.Permute(ri), ev.Permute(ri)
		// As cellsAVX512: ±E(a) outside the kernel's y extent, the
		// outside-the-disc formula within it, the table inside the disc.
		hy := ea.Mul(sb)
		hrow := hy.Add(sa.Mul(eb.Sub(quarter.Mul(sb)))).IfElse(ac.Permute(ri).Less(one), hy)
		rowBits := uint8(0)
		if 2*R < nrc {
			rowBits = colBits
		}
		if 2*R+1 < nrc {
			rowBits |= colBits << 4
		}
		in := a2.Add(c2.Permute(ri)).Less(one)
		bits := in.ToBits() & rowBits
		if bits != 0 {
			var tv archsimd.Float64x8
			for bb := bits; bb != 0; bb &= bb - 1 {
				l := bits8TrailingZeros(bb)
				e, cr := l&3, 4+2*R+l>>2 // column lane, row lane
				rl := archsimd.LoadUint64x8Array(&lanePerm[cr])
				b0 := h0.Permute(rl).IfElse(pat0145, d0.Permute(rl))
				b1 := h1.Permute(rl).IfElse(pat0145, d1.Permute(rl))
				ix := archsimd.LoadUint64x8Array(&acolPerm[e])
				acol := h0.ConcatPermute(d0, ix).IfElse(lo4, h1.ConcatPermute(d1, ix))
				jb := int(s.cidx[cr])
				o := jb*4*(nH+1) + 4*int(s.cidx[e])
				v := archsimd.LoadFloat64x8(hermF[o : o+8]).Mul(b0)
				v = archsimd.LoadFloat64x8(hermF[o+4*(nH+1):o+4*(nH+1)+8]).MulAdd(b1, v)
				v = v.Mul(acol)
				v = v.Add(v.Permute(s4))
				v = v.Add(v.Permute(s2))
				v = v.Add(v.Permute(s1))
				tv = v.IfElse(archsimd.Mask64x8FromBits(1<<l), tv)
			}
			hrow = tv.Mul(sa).Mul(sb).IfElse(in.And(archsimd.Mask64x8FromBits(rowBits)), hrow)
		}
		hr[R] = hrow
	}
	// Pixel rows 0 | 1 from corner rows (1 − 0 | 2 − 1), pixel row 2 from
	// 3 − 2; then columns e+1 − e. Lane e (+4) is pixel e of its row.
	nc := archsimd.LoadUint64x8Array(&nextCol4)
	d01 := hr[0].ConcatPermute(hr[1], archsimd.LoadUint64x8Array(&nextRow4)).Sub(hr[0])
	d2 := hr[1].Permute(archsimd.LoadUint64x8Array(&hiRow4)).Sub(hr[1])
	w01 := d01.Permute(nc).Sub(d01)
	w2 := d2.Permute(nc).Sub(d2)
	w4 := archsimd.LoadFloat64x4(wp[:4])
	var w8 archsimd.Float64x8
	w8 = w8.SetLo(w4).SetHi(w4)
	// Pixels 0–1 of a row in one register (4 lanes each), pixel 2 in the
	// low half of another; masked to the footprint's columns.
	m01 := archsimd.Mask64x8FromBits(uint8(uint16(0xff) >> (8 - 4*min(ncol, 2))))
	m2bits := uint8(0)
	if ncol == 3 {
		m2bits = 0x0f
	}
	m2 := archsimd.Mask64x8FromBits(m2bits)
	// The register's pixel 3 lies past the footprint (masked), perhaps
	// past the row, inside acc's slack at the very end.
	for r := 0; r < nrc-1; r++ {
		wr, pp := w01, 0 // row 0: lanes 0–3 of w01
		switch r {
		case 1:
			pp = 2 // lanes 4–7 of w01
		case 2:
			wr = w2
		}
		q := p.acc[((j0+r)*nx+i0)*4 : ((j0+r)*nx+i0)*4+16]
		wr.Permute(archsimd.LoadUint64x8Array(&pairPerm[pp])).MulAdd(w8, archsimd.LoadFloat64x8(q[0:8])).StoreArrayMasked((*[8]float64)(q[0:8]), m01)
		wr.Permute(archsimd.LoadUint64x8Array(&pairPerm[pp+1])).MulAdd(w8, archsimd.LoadFloat64x8(q[8:16])).StoreArrayMasked((*[8]float64)(q[8:16]), m2)
	}
	archsimd.ClearAVXUpperBits()
}
