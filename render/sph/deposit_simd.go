//go:build goexperiment.simd && amd64

package sph

import "simd/archsimd"

// useSIMD is whether the AVX2+FMA deposit can run on this CPU.
var useSIMD = archsimd.X86.AVX2() && archsimd.X86.FMA()

// addRow4 adds v[k]·wp to the 4-band interleaved accumulator a (len 4·len(v)):
// one fused multiply-add of 4 lanes per pixel.
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
}
