//go:build goexperiment.simd && amd64

package sph

import "simd/archsimd"

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

// addSpans4 adds vals[sp.off+k]·sp.scale·wp to the 4-band accumulator acc
// (rows of nx pixels) at pixel (sp.i+k, sp.j) for every span.
func addSpans4(acc []float64, nx int, spans []span, vals, wp []float64) {
	if !useSIMD {
		addSpans4Generic(acc, nx, spans, vals, wp)
		return
	}
	wv := archsimd.LoadFloat64x4(wp[:4])
	for _, sp := range spans {
		sw := wv.Mul(archsimd.BroadcastFloat64x4(sp.scale))
		a := acc[(sp.j*nx+sp.i)*4 : (sp.j*nx+sp.i+sp.n)*4]
		for k, vk := range vals[sp.off : sp.off+sp.n] {
			q := a[4*k : 4*k+4]
			archsimd.BroadcastFloat64x4(vk).MulAdd(sw, archsimd.LoadFloat64x4(q)).Store(q)
		}
	}
	archsimd.ClearAVXUpperBits()
}
