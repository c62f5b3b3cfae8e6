//go:build !(goexperiment.simd && amd64)

package sph

// addRow4 adds v[k]·wp to the 4-band interleaved accumulator a.
func addRow4(a, v, wp []float64) { addRow4Generic(a, v, wp) }

// addBlock4 adds v[r*ncol+k]·wp to a[r*stride+4k : r*stride+4k+4].
func addBlock4(a []float64, stride int, v []float64, ncol int, wp []float64) {
	addBlock4Generic(a, stride, v, ncol, wp)
}

// depositSpans samples, rescales and deposits each span (see
// depositSpansGeneric).
func depositSpans(acc []float64, nx, nb int, spans []rowSpan, t *ktables, c float64, g *gcoefs, step float64, vals, wp []float64) {
	t.sampleCoefs(g, c)
	depositSpansGeneric(acc, nx, nb, spans, g, step, vals, wp)
}

// useAVX512 is false in this build: the AVX-512 paths are never taken.
const useAVX512 = false

func (p *projector) cellsAVX512(rec []float64, i0, ncol, j0, j1 int, wp []float64, s *scratch) {
	panic("sph: cellsAVX512 without AVX-512")
}

func (p *projector) cellsSmallAVX512(rec []float64, i0, ncol, j0, j1 int, wp []float64, s *scratch) {
	panic("sph: cellsSmallAVX512 without AVX-512")
}
