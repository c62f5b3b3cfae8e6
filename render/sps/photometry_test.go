package sps

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/galforge/galforge/cosmo"
)

func TestABMag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fnuMicroJy, mag float64
		tol             float64
	}{
		{3631e6, 0, 1e-12},         // the definition: 3631 Jy is AB = 0
		{3631e6 * 1e-8, 20, 1e-12}, // 3631 Jy·10^(−0.4·20)
		// "m_AB = 23.9 − 2.5 log10(f_ν/µJy)": 23.9 is 2.5 log10(3631e6)
		// = 23.90006 rounded, hence 1e-4.
		{1, 23.9, 1e-4},
		// Oke & Gunn (1983): m = −2.5 log10 f_ν[cgs] − 48.60; f_ν = 1 cgs =
		// 1e29 µJy. 3631 Jy is their zero point to 5e-5 mag.
		{1 / MicroJyCGS, -48.60, 1e-4},
	}
	for i, c := range cases {
		if got := ABMag(c.fnuMicroJy); math.Abs(got-c.mag) > c.tol {
			t.Errorf("case %d: ABMag(%g µJy) = %.6f, want %v", i, c.fnuMicroJy, got, c.mag)
		}
		if got := MicroJyFromAB(c.mag); c.tol < 1e-6 && relDiff(got, c.fnuMicroJy) > 1e-12 {
			t.Errorf("case %d: MicroJyFromAB(%v) = %g µJy, want %g", i, c.mag, got, c.fnuMicroJy)
		}
	}
}

// flatFnuSpectrum returns a rest-frame L_λ (L☉/Å) on a log grid from 500 to
// 30000 Å whose observed f_ν at redshift z (distance dMpc) is fnuCGS at every
// wavelength: L_ν = 4π d² f_ν/(1+z) is constant, L_λ = L_ν c/λ².
func flatFnuSpectrum(fnuCGS, z, dMpc float64) (wave, lum []float64) {
	d := dMpc * MpcCm
	lnu := 4 * math.Pi * d * d * fnuCGS / (1 + z)
	const dln = 2e-4
	for l := math.Log(500); l <= math.Log(30000); l += dln {
		w := math.Exp(l)
		wave = append(wave, w)
		lum = append(lum, lnu*SpeedOfLightAAs/(w*w)/LsunErgS)
	}
	return wave, lum
}

// TestFlatFnuIsSameABInEveryBand: a source with flat f_ν = 3631 Jy·10^(−8)
// must be AB = 20 in every band, at z = 0 (10 pc) and at z = 2: the band
// average of a constant is that constant whatever the band, and redshifting
// by (1+z) in wavelength and dividing by 4π d_L²(1+z) maps a flat L_ν to a
// flat f_ν. The spectrum is linear between samples Δlnλ = 2e-4 apart, which
// biases f_ν of the 1/λ² shape by < 3e-8 relative (3e-8 mag), so 1e-4 mag
// tests the redshift bookkeeping (a missing 1+z would be 1.2 mag at z = 2).
func TestFlatFnuIsSameABInEveryBand(t *testing.T) {
	t.Parallel()
	c := cosmo.Default()
	fnu := ABZeroPointJy * 1e-23 * 1e-8
	for _, z := range []float64{0, 2} {
		d, err := LuminosityDistanceMpc(z, c)
		if err != nil {
			t.Fatal(err)
		}
		wave, lum := flatFnuSpectrum(fnu, z, d)
		for _, f := range allFilters(t) {
			got, err := ObservedFnuMicroJy(wave, lum, f, z, c, false)
			if err != nil {
				t.Fatal(err)
			}
			if m := ABMag(got); math.Abs(m-20) > 1e-4 {
				t.Errorf("z = %v, %s: AB = %.6f, want 20.0000", z, f.Name, m)
			}
		}
	}
}

// TestFlatFlambdaPivotIdentity: for a flat f_λ the photon-counting mean is
// ⟨f_ν⟩ = f_λ λ_p²/c exactly (the definition of the pivot wavelength). Both
// sides are exact integrals of the linear curves, so 1e-12 is rounding.
func TestFlatFlambdaPivotIdentity(t *testing.T) {
	t.Parallel()
	const flam = 1e-18
	for _, f := range allFilters(t) {
		w := []float64{1000, 30000}
		got := f.MeanFnu(w, []float64{flam, flam})
		p := f.PivotAA()
		if want := flam * p * p / SpeedOfLightAAs; relDiff(got, want) > 1e-12 {
			t.Errorf("%s: ⟨f_ν⟩ = %.15g, f_λ λ_p²/c = %.15g", f.Name, got, want)
		}
	}
}

// TestPowerLawRedshiftScaling: for L_λ ∝ λ^β the observed band flux scales
// as (1+z)^(−β−1)/d_L² at fixed band. β = −1.3 (not the flat-f_ν −2) makes
// the (1+z) bookkeeping and the distance show separately. The power law is
// linear between samples Δlnλ = 1e-4 apart: the relative bias,
// β(β−1)Δlnλ²/8 ≈ 4e-9, is the same at both redshifts up to 1e-9, hence 1e-8.
func TestPowerLawRedshiftScaling(t *testing.T) {
	t.Parallel()
	const beta = -1.3
	var wave, lum []float64
	for l := math.Log(1000); l <= math.Log(20000); l += 1e-4 {
		wave = append(wave, math.Exp(l))
		lum = append(lum, math.Pow(math.Exp(l)/5000, beta))
	}
	c := cosmo.Default()
	f := mustFilter(t, "F160W")
	z1, z2 := 0.5, 1.5
	f1, err1 := ObservedFnuMicroJy(wave, lum, f, z1, c, false)
	f2, err2 := ObservedFnuMicroJy(wave, lum, f, z2, c, false)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	d1, d2 := c.LuminosityDistanceMpc(z1), c.LuminosityDistanceMpc(z2)
	want := math.Pow((1+z2)/(1+z1), -beta-1) * (d1 * d1) / (d2 * d2)
	if got := f2 / f1; relDiff(got, want) > 1e-8 {
		t.Errorf("flux ratio z=%v/z=%v: got %.10g, want %.10g", z2, z1, got, want)
	}
}

// TestDirectPhotometryIndependent integrates f_λ T λ and T/λ with a plain
// trapezoidal rule on a 0.25 Å grid, written out here from the formulas of
// the package documentation, for a BC03 spectrum at z = 0.5 and z = 1.
// The trapezoidal error (h²/12 times the second derivative per step, the
// kinks of the linear curves included) is below 1e-7 relative here (2e-8
// seen); allow 1e-6.
func TestDirectPhotometryIndependent(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	c := cosmo.Default()
	ia := nearestIndex(s.AgesGyr, 0.5)
	spec := s.Spectrum(3, ia)
	for _, z := range []float64{0.5, 1} {
		dcm := c.LuminosityDistanceMpc(z) * 3.0856775814913673e24
		for _, name := range []string{"F606W", "F160W"} {
			f := mustFilter(t, name)
			var num, den float64
			const h = 0.25
			for x := f.WaveAA[0]; x+h <= f.WaveAA[len(f.WaveAA)-1]; x += h {
				g := func(l float64) (float64, float64) {
					flam := LsunErgS * s.LumAt(3, ia, l/(1+z)) / (4 * math.Pi * dcm * dcm * (1 + z))
					return flam * f.At(l) * l, f.At(l) / l
				}
				a1, b1 := g(x)
				a2, b2 := g(x + h)
				num += 0.5 * h * (a1 + a2)
				den += 0.5 * h * (b1 + b2)
			}
			want := num / den / SpeedOfLightAAs / 1e-29
			got, err := ObservedFnuMicroJy(s.WaveAA, spec, f, z, c, false)
			if err != nil {
				t.Fatal(err)
			}
			if relDiff(got, want) > 1e-6 {
				t.Errorf("z = %v, %s: got %.8g µJy, trapezoid %.8g", z, name, got, want)
			}
		}
	}
}

func TestPhotometryErrors(t *testing.T) {
	t.Parallel()
	c := cosmo.Default()
	f := mustFilter(t, "F160W")
	w, l := []float64{1000, 20000}, []float64{1, 1}
	cases := []struct {
		name  string
		z     float64
		c     cosmo.FlatLCDM
		w, l  []float64
		want  string
		isErr error
	}{
		{"negative z", -0.1, c, w, l, "redshift", nil},
		{"NaN z", math.NaN(), c, w, l, "redshift", nil},
		{"bad cosmology", 1, cosmo.FlatLCDM{H0: 0, OmegaM: 0.3}, w, l, "H0", nil},
		{"lengths", 1, c, w, l[:1], "luminosities", nil},
		{"not covered", 0, c, []float64{3000, 9000}, l, "F160W", ErrNotCovered},
		{"unordered", 0, c, []float64{20000, 1000}, l, "increasing", nil},
	}
	for i, cs := range cases {
		_, err := ObservedFnuMicroJy(cs.w, cs.l, f, cs.z, cs.c, false)
		if err == nil || !strings.Contains(err.Error(), cs.want) || (cs.isErr != nil && !errors.Is(err, cs.isErr)) {
			t.Errorf("case %d (%s): got %v, want an error with %q", i, cs.name, err, cs.want)
		}
	}
	if d, err := LuminosityDistanceMpc(0, cosmo.FlatLCDM{}); err != nil || d != 1e-5 {
		t.Errorf("z = 0: got %v Mpc, %v; want 1e-5 (10 pc) whatever the cosmology", d, err)
	}
}
