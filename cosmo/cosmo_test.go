package cosmo

import (
	"math"
	"testing"
)

// TestReferenceValues checks flat ΛCDM (H0 = 70, Ω_m = 0.3) against reference
// values given to 5–6 significant figures (astropy's FlatLambdaCDM without
// radiation): tolerance 1e-4 relative.
func TestReferenceValues(t *testing.T) {
	t.Parallel()
	c := Default()
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		{"d_L(z=1) Mpc", c.LuminosityDistanceMpc(1), 6607.66},
		{"kpc/arcsec(z=1)", c.KpcPerArcsec(1), 8.0087},
		{"age(z=1) Gyr", c.AgeGyr(1), 5.7516},
		{"d_L(z=2) Mpc", c.LuminosityDistanceMpc(2), 15539.59},
		{"kpc/arcsec(z=2)", c.KpcPerArcsec(2), 8.3709},
	}
	for i, cs := range cases {
		if e := math.Abs(cs.got-cs.want) / cs.want; e > 1e-4 {
			t.Errorf("case %d (%s): got %.6f, want %.6f (rel err %.2g)", i, cs.name, cs.got, cs.want, e)
		}
	}
}

// TestAgeInverse checks that ScaleFactorAtAge inverts AgeAtScaleFactor to
// rounding (1e-12 relative), and that the age agrees with a direct numerical
// integration of dt = da/(a H(a)) (1e-6: quadrature error of the check itself).
func TestAgeInverse(t *testing.T) {
	t.Parallel()
	c := FlatLCDM{H0: 67.11, OmegaM: 0.3}
	for _, a := range []float64{0.01, 0.1, 0.25, 0.5, 0.90905, 1} {
		tt := c.AgeAtScaleFactor(a)
		if back := c.ScaleFactorAtAge(tt); math.Abs(back-a) > 1e-12*a {
			t.Errorf("a = %v: t = %v Gyr, back to a = %v", a, tt, back)
		}
		// Midpoint rule in u = a^{1/2}… use fine trapezoid in a with the
		// integrable a^{1/2} behaviour at 0 removed by substitution a = s².
		n := 200000
		var sum float64
		for i := 0; i < n; i++ {
			s := (float64(i) + 0.5) / float64(n) * math.Sqrt(a)
			aa := s * s
			// dt = da / (a H) = 2 s ds / (s² H0 E)
			sum += 2 / (s * c.E(1/aa-1))
		}
		num := sum * math.Sqrt(a) / float64(n) * c.HubbleTimeGyr()
		if math.Abs(num-tt) > 1e-6*tt {
			t.Errorf("a = %v: closed form %v Gyr, numerical %v Gyr", a, tt, num)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for i, c := range []FlatLCDM{{0, 0.3}, {-70, 0.3}, {70, 0}, {70, 1.5}, {math.NaN(), 0.3}} {
		if c.Validate() == nil {
			t.Errorf("case %d (%+v): no error", i, c)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Error(err)
	}
}

// TestVirialRadius checks R_vir of a 10^12 M☉ halo at z = 0 (Δ ≈ 101 for
// Ω_m = 0.3, Bryan & Norman 1998) against the textbook ≈ 260 kpc (h = 0.7),
// to 2 %.
func TestVirialRadius(t *testing.T) {
	t.Parallel()
	c := Default()
	if d := c.DeltaVirBryanNorman(0); math.Abs(d-101.1) > 0.5 {
		t.Errorf("Δ_vir(z=0) = %v, want ≈ 101.1", d)
	}
	rho := c.CriticalDensityMsunKpc3(0)
	want := math.Cbrt(3e12 / (4 * math.Pi * 101.1 * rho))
	if r := c.VirialRadiusKpc(1e12, 0); math.Abs(r-want) > 0.02*want || r < 250 || r > 275 {
		t.Errorf("R_vir(1e12, z=0) = %v kpc, want ≈ %v", r, want)
	}
}
