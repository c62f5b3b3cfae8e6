package sps

import (
	"errors"
	"fmt"
	"math"
)

// LsunErgS is the solar luminosity in erg/s used to convert the SSP tables:
// the value adopted by BC03 and by MIUSCAT (3.826·10³³ erg/s).
const LsunErgS = 3.826e33

// ErrBadSSP is wrapped by the errors of SSP.Validate and of the readers when
// a grid is unusable.
var ErrBadSSP = errors.New("bad SSP grid")

// SSP holds simple-stellar-population spectra on a grid of metallicities,
// ages and rest-frame wavelengths.
//
// The slices of an SSP returned by DefaultBC03 are shared between callers and
// must not be modified.
type SSP struct {
	// Name describes the model, e.g. "BC03 lr: Padova (1994) + S. Charlot (1997)".
	Name string
	// IMF describes the initial mass function, e.g. "Chabrier (2003), 0.1–100 M☉".
	IMF string
	// AgesGyr are the ages in Gyr, strictly increasing and ≥ 0 (BC03 starts at 0).
	AgesGyr []float64
	// Z are the metallicities as metal mass fractions, strictly increasing and > 0.
	Z []float64
	// WaveAA are the rest-frame wavelengths in Å, strictly increasing and > 0.
	WaveAA []float64
	// LumLsunAA holds L_λ in L☉/Å per M☉ of initial stellar mass. The spectrum of
	// metallicity iz and age ia is LumLsunAA[(iz*len(AgesGyr)+ia)*len(WaveAA):]
	// [:len(WaveAA)]; see Spectrum.
	LumLsunAA []float64
	// Sources names where the grid was read from (one entry per file).
	Sources []string
}

// Validate reports whether the grid is consistent: non-empty increasing axes,
// positive metallicities and wavelengths, non-negative ages, and finite,
// non-negative luminosities of the right count.
func (s *SSP) Validate() error {
	if s == nil {
		return fmt.Errorf("sps: %w: nil SSP", ErrBadSSP)
	}
	na, nz, nw := len(s.AgesGyr), len(s.Z), len(s.WaveAA)
	if na == 0 || nz == 0 || nw < 2 {
		return fmt.Errorf("sps: %w: %s: %d ages, %d metallicities, %d wavelengths (need ≥ 1, ≥ 1, ≥ 2)", ErrBadSSP, s.Name, na, nz, nw)
	}
	if err := increasing("AgesGyr", s.AgesGyr, 0, true); err != nil {
		return fmt.Errorf("sps: %w: %s: %v", ErrBadSSP, s.Name, err)
	}
	if s.AgesGyr[na-1] <= 0 {
		return fmt.Errorf("sps: %w: %s: no positive age", ErrBadSSP, s.Name)
	}
	if err := increasing("Z", s.Z, 0, false); err != nil {
		return fmt.Errorf("sps: %w: %s: %v", ErrBadSSP, s.Name, err)
	}
	if err := increasing("WaveAA", s.WaveAA, 0, false); err != nil {
		return fmt.Errorf("sps: %w: %s: %v", ErrBadSSP, s.Name, err)
	}
	if len(s.LumLsunAA) != na*nz*nw {
		return fmt.Errorf("sps: %w: %s: LumLsunAA has %d values, want %d×%d×%d = %d", ErrBadSSP, s.Name, len(s.LumLsunAA), nz, na, nw, na*nz*nw)
	}
	for i, v := range s.LumLsunAA {
		if !(v >= 0) || math.IsInf(v, 0) {
			iz, ia, iw := i/(na*nw), (i/nw)%na, i%nw
			return fmt.Errorf("sps: %w: %s: L_λ = %v at Z = %g, age %g Gyr, λ = %g Å", ErrBadSSP, s.Name, v, s.Z[iz], s.AgesGyr[ia], s.WaveAA[iw])
		}
	}
	return nil
}

// increasing checks that x is strictly increasing, finite, and > min (or ≥ min
// when allowEqual).
func increasing(name string, x []float64, min float64, allowEqual bool) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s[%d] = %v is not finite", name, i, v)
		}
		if v < min || (!allowEqual && v == min) {
			return fmt.Errorf("%s[%d] = %v out of range", name, i, v)
		}
		if i > 0 && !(v > x[i-1]) {
			return fmt.Errorf("%s is not strictly increasing at index %d (%v after %v)", name, i, v, x[i-1])
		}
	}
	return nil
}

// Spectrum returns the tabulated L_λ (L☉/Å per M☉ initial) of metallicity
// index iz and age index ia, on WaveAA. The slice aliases the grid. It panics
// if an index is out of range.
func (s *SSP) Spectrum(iz, ia int) []float64 {
	if iz < 0 || iz >= len(s.Z) || ia < 0 || ia >= len(s.AgesGyr) {
		panic(fmt.Sprintf("sps: Spectrum(%d, %d) out of range (%d metallicities, %d ages)", iz, ia, len(s.Z), len(s.AgesGyr)))
	}
	nw := len(s.WaveAA)
	off := (iz*len(s.AgesGyr) + ia) * nw
	return s.LumLsunAA[off : off+nw : off+nw]
}

// LumAt returns L_λ in L☉/Å per M☉ of metallicity index iz and age index ia
// at the rest wavelength waveAA (Å), interpolating linearly between the
// tabulated wavelengths; it is 0 outside WaveAA.
func (s *SSP) LumAt(iz, ia int, waveAA float64) float64 {
	return interpLinear(s.WaveAA, s.Spectrum(iz, ia), waveAA)
}

// LBol returns the bolometric luminosity in L☉ per M☉ of initial mass of
// metallicity index iz and age index ia: the integral of L_λ over the
// tabulated wavelengths (exact for the piecewise-linear spectrum, i.e. the
// trapezoidal rule).
func (s *SSP) LBol(iz, ia int) float64 {
	return trapezoid(s.WaveAA, s.Spectrum(iz, ia))
}

// SpectrumAt writes into dst (length len(WaveAA), reallocated when too short)
// the spectrum L_λ (L☉/Å per M☉ initial) at age ageGyr and metallicity Z,
// interpolated bilinearly in log10 age and log10 Z with the clamping described
// in the package documentation, and returns it.
func (s *SSP) SpectrumAt(dst []float64, ageGyr, Z float64) []float64 {
	nw := len(s.WaveAA)
	if cap(dst) < nw {
		dst = make([]float64, nw)
	}
	dst = dst[:nw]
	ages, zs := newLogAxis(s.AgesGyr), newLogAxis(s.Z)
	a0, a1, wa := ages.locate(ageGyr)
	z0, z1, wz := zs.locate(Z)
	c00, c01, c10, c11 := (1-wz)*(1-wa), (1-wz)*wa, wz*(1-wa), wz*wa
	p00, p01 := s.Spectrum(z0, a0), s.Spectrum(z0, a1)
	p10, p11 := s.Spectrum(z1, a0), s.Spectrum(z1, a1)
	for i := range dst {
		dst[i] = c00*p00[i] + c01*p01[i] + c10*p10[i] + c11*p11[i]
	}
	return dst
}

// interpLinear evaluates the piecewise-linear function through (x, y) at v;
// it is 0 outside [x[0], x[n-1]].
func interpLinear(x, y []float64, v float64) float64 {
	n := len(x)
	if n == 0 || !(v >= x[0] && v <= x[n-1]) {
		return 0
	}
	// Smallest j with x[j] ≥ v.
	lo, hi := 0, n-1
	for lo < hi {
		m := (lo + hi) / 2
		if x[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if x[lo] == v || lo == 0 {
		return y[lo]
	}
	t := (v - x[lo-1]) / (x[lo] - x[lo-1])
	return y[lo-1] + t*(y[lo]-y[lo-1])
}

// trapezoid integrates the piecewise-linear function through (x, y).
func trapezoid(x, y []float64) float64 {
	var s float64
	for i := 1; i < len(x); i++ {
		s += 0.5 * (y[i] + y[i-1]) * (x[i] - x[i-1])
	}
	return s
}

// logAxis locates values on the positive nodes of a grid axis, in natural
// logarithms (linear interpolation in ln and in log10 are the same).
type logAxis struct {
	x       []float64 // ln of the positive nodes
	inv     []float64 // inv[j] = 1/(x[j+1] − x[j])
	off     int       // grid index of x[0] (nodes ≤ 0 are skipped)
	lo, hi  float64   // x[0], x[len(x)-1]
	invStep float64   // buckets per unit of ln
	bucket  []int32   // bucket[k]: largest j ≤ len(x)-2 with x[j] ≤ lo + k/invStep − 1e-9
}

// newLogAxis builds the axis over the positive entries of the increasing
// slice nodes, which must hold at least one.
func newLogAxis(nodes []float64) logAxis {
	off := 0
	for off < len(nodes) && nodes[off] <= 0 {
		off++
	}
	x := make([]float64, len(nodes)-off)
	for i := range x {
		x[i] = math.Log(nodes[off+i])
	}
	a := logAxis{x: x, off: off}
	n := len(x)
	if n < 2 {
		return a
	}
	a.lo, a.hi = x[0], x[n-1]
	a.inv = make([]float64, n-1)
	span, minGap := a.hi-a.lo, a.hi-a.lo
	for j := range a.inv {
		a.inv[j] = 1 / (x[j+1] - x[j])
		minGap = math.Min(minGap, x[j+1]-x[j])
	}
	// Four buckets per smallest gap, so a lookup moves at most one node on and
	// rarely; at most 1<<16 buckets (the search is correct for any count).
	nb := int(math.Min(4*span/minGap, 1<<16)) + 1
	a.invStep = float64(nb) / span
	a.bucket = make([]int32, nb+1)
	// bucket[k] is the last node at or below the bucket's lower edge, less a
	// margin of 1e-9 (far above the rounding of (lx−lo)·invStep, far below the
	// node gaps), so that x[bucket[k]] ≤ lx for every lx that maps to k.
	j := 0
	for k := range a.bucket {
		edge := a.lo + float64(k)/a.invStep - 1e-9
		for j+1 < n-1 && x[j+1] <= edge {
			j++
		}
		a.bucket[k] = int32(j)
	}
	return a
}

// locate returns the grid indices i0 ≤ i1 of the nodes bracketing v and the
// weight w ∈ [0, 1] of node i1 for linear interpolation in log v. Values
// below the first positive node (v ≤ 0 included) clamp to it, values above
// the last node clamp to it; NaN gives w = NaN.
func (a *logAxis) locate(v float64) (i0, i1 int, w float64) {
	if !(v > 0) || a.inv == nil {
		return a.locateEdge(v)
	}
	lx := math.Log(v)
	if !(lx > a.lo) {
		return a.off, a.off + 1, 0
	}
	if lx >= a.hi {
		n := len(a.x)
		return a.off + n - 2, a.off + n - 1, 1
	}
	k := min(int((lx-a.lo)*a.invStep), len(a.bucket)-1)
	j := int(a.bucket[k])
	for j+2 < len(a.x) && a.x[j+1] <= lx {
		j++
	}
	return a.off + j, a.off + j + 1, (lx - a.x[j]) * a.inv[j]
}

// locateEdge handles NaN, v ≤ 0 and single-node axes for locate.
func (a *logAxis) locateEdge(v float64) (i0, i1 int, w float64) {
	i1 = a.off + 1
	if a.inv == nil {
		i1 = a.off
	}
	if math.IsNaN(v) {
		return a.off, i1, math.NaN()
	}
	return a.off, i1, 0
}
