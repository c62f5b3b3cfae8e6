package sps

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/galforge/galforge/cosmo"
)

// Physical constants and unit conversions.
const (
	// SpeedOfLightAAs is c in Å/s.
	SpeedOfLightAAs = 2.99792458e18
	// ABZeroPointJy is the flux density of AB magnitude 0, in Jy (Oke & Gunn 1983).
	ABZeroPointJy = 3631.0
	// MicroJyCGS is one µJy in erg s⁻¹ cm⁻² Hz⁻¹.
	MicroJyCGS = 1e-29
	// MpcCm is one megaparsec in cm.
	MpcCm = cosmo.MpcKm * 1e5
	// AbsoluteMagDistanceMpc is the distance of a source at redshift 0: 10 pc.
	AbsoluteMagDistanceMpc = 1e-5
)

// ErrNotCovered is wrapped when a band reaches beyond the wavelengths of a
// spectrum at the requested redshift.
var ErrNotCovered = errors.New("band not covered by the spectrum")

// maxUncovered is the largest fraction of a band's ∫ T dλ/λ that may fall
// outside the spectrum (where it counts as zero flux) before photometry fails.
const maxUncovered = 1e-3

// ABMag returns the AB magnitude of a flux density in µJy:
// m = −2.5 log10(f_ν / 3631 Jy) (≈ 23.9 − 2.5 log10 f_ν[µJy]). It is +Inf for
// f_ν = 0 and NaN for f_ν < 0.
func ABMag(fnuMicroJy float64) float64 {
	return -2.5 * math.Log10(fnuMicroJy*1e-6/ABZeroPointJy)
}

// MicroJyFromAB returns the flux density in µJy of AB magnitude m.
func MicroJyFromAB(m float64) float64 {
	return ABZeroPointJy * 1e6 * math.Pow(10, -0.4*m)
}

// LuminosityDistanceMpc returns the distance used for photometry at
// redshift z: 10 pc (1e-5 Mpc) at z = 0, c.LuminosityDistanceMpc(z) for
// z > 0. It fails for z < 0, non-finite z, or an invalid cosmology.
func LuminosityDistanceMpc(z float64, c cosmo.FlatLCDM) (float64, error) {
	switch {
	case math.IsNaN(z) || math.IsInf(z, 0) || z < 0:
		return 0, fmt.Errorf("sps: redshift %v: must be finite and ≥ 0", z)
	case z == 0:
		return AbsoluteMagDistanceMpc, nil
	}
	if err := c.Validate(); err != nil {
		return 0, fmt.Errorf("sps: %w", err)
	}
	return c.LuminosityDistanceMpc(z), nil
}

// MeanFnu returns the photon-counting band average of f_ν,
// ⟨f_ν⟩ = ∫ f_λ T λ dλ / (c ∫ T dλ/λ), in erg s⁻¹ cm⁻² Hz⁻¹, of the
// observed-frame spectrum f_λ (erg s⁻¹ cm⁻² Å⁻¹) tabulated at waveAA (Å,
// increasing), linear between samples and zero outside them. The integral is
// exact for the piecewise-linear f_λ and T. It panics if the slices differ
// in length.
func (f Filter) MeanFnu(waveAA, flam []float64) float64 {
	if len(waveAA) != len(flam) {
		panic(fmt.Sprintf("sps: MeanFnu: %d wavelengths but %d values", len(waveAA), len(flam)))
	}
	return integrateProduct(waveAA, flam, f, nil, nil, 1) / (SpeedOfLightAAs * f.momentInvLambda())
}

// ObservedFnuMicroJy returns the band-averaged observed flux density ⟨f_ν⟩
// in µJy, through filter f, of a source at redshift z (10 pc at z = 0) whose
// rest-frame luminosity density is lumLsunAA (L☉/Å) at waveRestAA (Å,
// increasing), linear between samples: f_λ(λ_obs) = L☉ L_λ(λ_obs/(1+z)) /
// (4π d_L² (1+z)), optionally attenuated by MadauTransmission when igm is
// true. This is direct synthetic photometry of one spectrum; for many
// particles use a PhotTable. It fails when more than 0.1 % of the band
// (weighted by dλ/λ) lies outside the redshifted spectrum.
func ObservedFnuMicroJy(waveRestAA, lumLsunAA []float64, f Filter, z float64, c cosmo.FlatLCDM, igm bool) (float64, error) {
	if len(waveRestAA) != len(lumLsunAA) || len(waveRestAA) < 2 {
		return 0, fmt.Errorf("sps: ObservedFnuMicroJy: %d wavelengths and %d luminosities (need equal, ≥ 2)", len(waveRestAA), len(lumLsunAA))
	}
	if err := increasing("wavelength", waveRestAA, 0, false); err != nil {
		return 0, fmt.Errorf("sps: ObservedFnuMicroJy: %v", err)
	}
	if err := f.Validate(); err != nil {
		return 0, err
	}
	dMpc, err := LuminosityDistanceMpc(z, c)
	if err != nil {
		return 0, err
	}
	s := 1 + z
	if err := checkCoverage(f, s*waveRestAA[0], s*waveRestAA[len(waveRestAA)-1], "spectrum", z); err != nil {
		return 0, err
	}
	d := dMpc * MpcCm
	k := LsunErgS / (4 * math.Pi * d * d * s)
	wave := make([]float64, len(waveRestAA))
	flam := make([]float64, len(waveRestAA))
	for i := range wave {
		wave[i] = s * waveRestAA[i]
		flam[i] = k * lumLsunAA[i]
	}
	var trans func(float64) float64
	var edges []float64
	nsub := 1
	if igm && z > 0 {
		trans = newMadau(z).transmission
		edges = madauEdgesAA(z)
		nsub = 16
	}
	num := integrateProduct(wave, flam, f, trans, edges, nsub)
	return num / (SpeedOfLightAAs * f.momentInvLambda()) / MicroJyCGS, nil
}

// checkCoverage fails when more than maxUncovered of the band's ∫ T dλ/λ
// lies outside [lo, hi] (observed Å).
func checkCoverage(f Filter, lo, hi float64, what string, z float64) error {
	total := f.momentInvLambda()
	out := f.invLambdaBetween(math.Inf(-1), lo) + f.invLambdaBetween(hi, math.Inf(1))
	if out > maxUncovered*total {
		return fmt.Errorf("sps: band %s (%.0f–%.0f Å): %w: the %s covers %.0f–%.0f Å observed at z = %g, leaving %.1f %% of the band outside",
			f.Name, f.WaveAA[0], f.WaveAA[len(f.WaveAA)-1], ErrNotCovered, what, lo, hi, z, 100*out/total)
	}
	return nil
}

// invLambdaBetween returns ∫ T dλ/λ over [x0, x1] ∩ the curve's range.
func (f Filter) invLambdaBetween(x0, x1 float64) float64 {
	var s float64
	x, t := f.WaveAA, f.Throughput
	for i := 1; i < len(x); i++ {
		a, b := math.Max(x[i-1], x0), math.Min(x[i], x1)
		if !(b > a) {
			continue
		}
		ta := lerp(x[i-1], x[i], t[i-1], t[i], a)
		tb := lerp(x[i-1], x[i], t[i-1], t[i], b)
		s += segmentInvLambda(a, b, ta, tb)
	}
	return s
}

// lerp evaluates at v the line through (xa, ya) and (xb, yb).
func lerp(xa, xb, ya, yb, v float64) float64 {
	return ya + (v-xa)*(yb-ya)/(xb-xa)
}

// breakPoints returns the sorted, distinct points of the grids (and extra)
// inside [lo, hi], with lo and hi included.
func breakPoints(lo, hi float64, grids ...[]float64) []float64 {
	n := 2
	for _, g := range grids {
		n += len(g)
	}
	pts := make([]float64, 0, n)
	pts = append(pts, lo, hi)
	for _, g := range grids {
		for _, v := range g {
			if v > lo && v < hi {
				pts = append(pts, v)
			}
		}
	}
	sort.Float64s(pts)
	out := pts[:1]
	for _, v := range pts[1:] {
		if v > out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// segment advances *j so that x[*j] ≤ v < x[*j+1] (x increasing, v inside).
func segment(x []float64, j *int, v float64) {
	for *j+2 < len(x) && x[*j+1] <= v {
		*j++
	}
}

// integrateProduct returns ∫ s(λ) T(λ) E(λ) λ dλ, with s the piecewise-linear
// function through (wave, val) (zero outside), T the filter and E = trans (1
// when nil), by composite Simpson's rule with nsub panels on every interval
// between the merged break points of both grids and extra. For E ≡ 1 the
// integrand is a cubic on each interval and nsub = 1 is exact.
func integrateProduct(wave, val []float64, f Filter, trans func(float64) float64, extra []float64, nsub int) float64 {
	fw, ft := f.WaveAA, f.Throughput
	lo := math.Max(wave[0], fw[0])
	hi := math.Min(wave[len(wave)-1], fw[len(fw)-1])
	if !(hi > lo) {
		return 0
	}
	pts := breakPoints(lo, hi, wave, fw, extra)
	var sum float64
	js, jf := 0, 0
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		m := 0.5 * (a + b)
		segment(wave, &js, m)
		segment(fw, &jf, m)
		// The interval's own pieces of s, T (and E, which may jump at a and
		// b: it is evaluated a hair inside, 1e-9 of the interval) give the
		// one-sided limits at the ends.
		eps := 1e-9 * (b - a)
		g := func(x float64) float64 {
			v := lerp(wave[js], wave[js+1], val[js], val[js+1], x) *
				lerp(fw[jf], fw[jf+1], ft[jf], ft[jf+1], x) * x
			if trans != nil {
				v *= trans(math.Min(math.Max(x, a+eps), b-eps))
			}
			return v
		}
		h := (b - a) / float64(nsub)
		for p := 0; p < nsub; p++ {
			x0 := a + float64(p)*h
			x1 := x0 + h
			if p == nsub-1 {
				x1 = b
			}
			sum += (x1 - x0) / 6 * (g(x0) + 4*g(0.5*(x0+x1)) + g(x1))
		}
	}
	return sum
}
