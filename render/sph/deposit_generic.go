//go:build !(goexperiment.simd && amd64)

package sph

// addRow4 adds v[k]·wp to the 4-band interleaved accumulator a.
func addRow4(a, v, wp []float64) { addRow4Generic(a, v, wp) }

// addBlock4 adds v[r*ncol+k]·wp to a[r*stride+4k : r*stride+4k+4].
func addBlock4(a []float64, stride int, v []float64, ncol int, wp []float64) {
	addBlock4Generic(a, stride, v, ncol, wp)
}

// addSpans4 adds vals[sp.off+k]·sp.scale·wp to the 4-band accumulator.
func addSpans4(acc []float64, nx int, spans []span, vals, wp []float64) {
	addSpans4Generic(acc, nx, spans, vals, wp)
}
