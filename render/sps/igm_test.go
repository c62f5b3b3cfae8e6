package sps

import (
	"math"
	"testing"

	"github.com/galforge/galforge/cosmo"
)

func TestMadauTransmission(t *testing.T) {
	t.Parallel()
	for _, z := range []float64{0.5, 2, 4, 6} {
		lya := 1215.67 * (1 + z)
		// Redward of Lyα(1+z): no absorber can act, exactly 1.
		for _, l := range []float64{lya, lya * 1.001, lya * 2, 1e5} {
			if got := MadauTransmission(l, z); got != 1 {
				t.Errorf("z = %v, λ = %.1f Å: T = %v, want exactly 1", z, l, got)
			}
		}
		// Just blueward: Lyα forest only, τ = 0.0036 (λ/1215.67)^3.46 (eq. 15);
		// 1e-12 is rounding.
		l := lya * (1 - 1e-9)
		want := math.Exp(-0.0036 * math.Pow(l/1215.67, 3.46))
		if got := MadauTransmission(l, z); relDiff(got, want) > 1e-12 || got >= 1 {
			t.Errorf("z = %v, λ just below Lyα: T = %v, want %v", z, got, want)
		}
		// The photoelectric term vanishes at the Lyman limit: T is continuous
		// there, with a kink (|d ln T/d ln λ| < 100 for z ≤ 6), so across a
		// 2e-10 relative step it changes by < 2e-8; 1e-6 still catches any
		// jump (a wrong term would leave τ ~ 0.1–10 at the edge).
		ll := LymanLimitAA * (1 + z)
		if a, b := MadauTransmission(ll*(1-1e-10), z), MadauTransmission(ll*(1+1e-10), z); relDiff(a, b) > 1e-6 {
			t.Errorf("z = %v: T jumps at the Lyman limit: %v → %v", z, b, a)
		}
	}
	// Madau (1995) at z = 3 just blueward of Lyα: τ_eff = 0.0036·4^3.46 =
	// 0.436, mean transmission 0.647 (the observed value at z = 3 is ≈ 0.68,
	// Faucher-Giguère et al. 2008: the model is meant to be close). 1e-3 is the
	// rounding of the quoted 0.647.
	if got := MadauTransmission(1215.67*4*(1-1e-9), 3); math.Abs(got-0.647) > 1e-3 {
		t.Errorf("z = 3 below Lyα: T = %v, want 0.647", got)
	}
	// Deep in the Lyman continuum the IGM is opaque: at z = 4, 800 Å rest,
	// τ ≈ 4.6.
	if got := MadauTransmission(800*5, 4); !(got < 0.02) {
		t.Errorf("z = 4, 800 Å rest: T = %v, want < 0.02", got)
	}
	if got := MadauTransmission(3000, 0); got != 1 {
		t.Errorf("z = 0: T = %v, want 1", got)
	}
}

// TestIGMDropout: a 40 Myr, Z = 0.02 population at z = 4 is a B-band dropout.
// The IGM dims F435W (rest 720–980 Å: Lyman series and continuum
// absorption) by more than 1 mag, F606W (which contains Lyα at 6080 Å) by a
// little, and leaves F775W and redder bands, entirely redward of Lyα,
// unchanged; the colour meets the B435-dropout criterion B − V > 1.1 of
// Giavalisco et al. (2004) / Bouwens et al. (2007).
func TestIGMDropout(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	c := cosmo.Default()
	bands := allFilters(t)
	with, err := NewPhotTable(s, bands, 4, c, true)
	if err != nil {
		t.Fatal(err)
	}
	without, err := NewPhotTable(s, bands, 4, c, false)
	if err != nil {
		t.Fatal(err)
	}
	if !with.IGM || without.IGM {
		t.Fatalf("IGM flags: %v, %v", with.IGM, without.IGM)
	}
	a, b := with.Fluxes(0.04, 0.02), without.Fluxes(0.04, 0.02)
	dim := func(i int) float64 { return ABMag(a[i]) - ABMag(b[i]) }
	if d := dim(0); !(d > 1) {
		t.Errorf("F435W dimmed by %.3f mag, want > 1", d)
	}
	if d := dim(1); !(d > 0.05 && d < 1) {
		t.Errorf("F606W dimmed by %.3f mag, want 0.05–1", d)
	}
	for i := 2; i < len(bands); i++ {
		// Exactly no attenuation; 1e-12 is the rounding of 8- vs 4-point
		// Gauss–Legendre on the same cubic pieces.
		if relDiff(a[i], b[i]) > 1e-12 {
			t.Errorf("%s: IGM changed the flux by %g relative, want 0", bands[i].Name, relDiff(a[i], b[i]))
		}
	}
	if col := ABMag(a[0]) - ABMag(a[1]); !(col > 1.1) {
		t.Errorf("F435W − F606W = %.2f, want > 1.1 (B-dropout)", col)
	}
	// At z = 0 the switch is ignored.
	z0, err := NewPhotTable(s, bands[:1], 0, c, true)
	if err != nil || z0.IGM {
		t.Errorf("z = 0 with igm: IGM = %v, err %v; want false", z0.IGM, err)
	}
}
