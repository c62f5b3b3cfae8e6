//go:build !(goexperiment.simd && amd64)

package sph

// addRow4 adds v[k]·wp to the 4-band interleaved accumulator a.
func addRow4(a, v, wp []float64) { addRow4Generic(a, v, wp) }
