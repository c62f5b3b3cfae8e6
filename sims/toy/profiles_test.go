package toy

import (
	"math"
	"testing"

	"github.com/galforge/galforge/sims"
)

// TestSamplerHalfMassRadius: the 3D half-mass radius of spheres sampled by
// the inverse-CDF samplers is within 2 % of the analytic value. With N
// particles the sample median radius has a standard error of
// 1/(2 p(r_h) √N), p the radius' density at r_h: 0.90 r_h/√N for Plummer
// and 1.71 r_h/√N for Hernquist, i.e. 0.14 % and 0.27 % at N = 4·10⁵, so
// 2 % is more than 7σ. The exponential disc's (projected) half-mass radius
// 1.678 R_d is checked the same way (standard error 0.8 R_d/√N).
func TestSamplerHalfMassRadius(t *testing.T) {
	t.Parallel()
	const n = 400_000
	for _, tc := range []struct {
		name   string
		sample func(u float64) float64
		want   float64
	}{
		{"plummer a=0.7", func(u float64) float64 { return samplePlummerRadius(0.7, u) }, 0.7 / math.Sqrt(math.Pow(2, 2.0/3.0)-1)},
		{"hernquist a=2", func(u float64) float64 { return sampleHernquistRadius(2, u) }, 2 * (1 + math.Sqrt2)},
		{"exponential disc Rd=3", func(u float64) float64 { return 3 * sampleExpDiscRadius(u) }, 3 * 1.6783469900166608},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := sims.NewRand(1, 2, 3)
			pos := make([][3]float64, n)
			mass := make([]float64, n)
			for i := range pos {
				pos[i] = scale(randomUnitVector(rng), tc.sample(rng.Float64()))
				mass[i] = 1
			}
			if tc.name[0] == 'e' { // a disc: project onto its plane
				for i := range pos {
					pos[i][2] = 0
					pos[i] = scale(pos[i], tc.sample(rng.Float64())/norm(pos[i]))
				}
			}
			got, _ := sims.HalfMassRadius(pos, mass, [3]float64{}, math.Inf(1))
			if math.Abs(got/tc.want-1) > 0.02 {
				t.Errorf("half-mass radius %.4f, want %.4f ± 2 %%", got, tc.want)
			}
		})
	}
}

// TestSamplerInverses: each sampler inverts its cumulative mass profile.
func TestSamplerInverses(t *testing.T) {
	t.Parallel()
	for _, u := range []float64{1e-6, 0.01, 0.3, 0.5, 0.9, 0.999} {
		if r := samplePlummerRadius(1, u); math.Abs(math.Pow(r*r/(r*r+1), 1.5)-u) > 1e-12 {
			t.Errorf("Plummer: M(<%v) ≠ %v", r, u)
		}
		if r := sampleHernquistRadius(1, u); math.Abs(r*r/((r+1)*(r+1))-u) > 1e-12 {
			t.Errorf("Hernquist: M(<%v) ≠ %v", r, u)
		}
		if x := sampleExpDiscRadius(u); math.Abs(expDiscMassFraction(x)-u) > 1e-12 {
			t.Errorf("exponential disc: M(<%v) = %v ≠ %v", x, expDiscMassFraction(x), u)
		}
		if z := sampleSech2Height(u); math.Abs((1+math.Tanh(z))/2-u) > 1e-12 {
			t.Errorf("sech²: F(%v) ≠ %v", z, u)
		}
	}
	if x := sampleExpDiscRadius(0.5); math.Abs(x-expDiscHalfMass) > 1e-12 {
		t.Errorf("exponential disc half-mass radius %v, want %v", x, expDiscHalfMass)
	}
}

// TestJeansPlummer: the tabulated isotropic Jeans dispersion of a
// self-gravitating Plummer sphere matches the analytic
// σ²(r) = G M / (6 √(r² + a²)) to 1 % (trapezoidal rule on 512 log-spaced
// points out to 10³ a, where the neglected outer integral is < 10⁻⁹ of the
// total).
func TestJeansPlummer(t *testing.T) {
	t.Parallel()
	const m, a = 1e10, 0.5
	mass := func(r float64) float64 { return m * math.Pow(r*r/(r*r+a*a), 1.5) }
	j := newJeansTable(func(r float64) float64 { return plummerDensity(a, r) }, mass, 1e-3*a, 1e3*a, 512)
	for _, r := range []float64{0.01, 0.1, 0.5, 1, 5, 20} {
		want := math.Sqrt(gravity * m / (6 * math.Sqrt(r*r+a*a)))
		if got := j.at(r); math.Abs(got/want-1) > 0.01 {
			t.Errorf("σ(%v kpc) = %v kpc/Gyr, want %v", r, got, want)
		}
	}
}

// TestPotentials checks the Hernquist sums and the integrator's layout
// against each other and against finite differences of Φ.
func TestPotentials(t *testing.T) {
	t.Parallel()
	p := sphPot{{M: 1e12, A: 30}, {M: 1e10, A: 0.5}, {M: 3e10, A: 2}}
	f := newFlatPot(p)
	for _, r := range []float64{0.01, 0.3, 3, 30, 300} {
		g := p.accelOverR(r)
		if gf := f.accelOverR(r); math.Abs(gf/g-1) > 1e-12 {
			t.Errorf("r = %v: flat layout gives %v, sum %v", r, gf, g)
		}
		h := 1e-5 * r
		dphi := (p.phi(r+h) - p.phi(r-h)) / (2 * h)
		if math.Abs(dphi/(g*r)-1) > 1e-6 {
			t.Errorf("r = %v: dΦ/dr = %v, G M(<r)/r² = %v", r, dphi, g*r)
		}
		if vc := p.vcirc(r); math.Abs(vc*vc/(g*r*r)-1) > 1e-12 {
			t.Errorf("r = %v: v_c² ≠ r·g", r)
		}
	}
	if m := p.mass(1e9); math.Abs(m/p.total()-1) > 1e-6 {
		t.Errorf("mass at infinity %v, total %v", m, p.total())
	}
}

// TestBasis: disc frames are orthonormal and right-handed.
func TestBasis(t *testing.T) {
	t.Parallel()
	rng := sims.NewRand(7)
	for range 100 {
		b := newBasis(randomUnitVector(rng))
		vs := [][3]float64{b.E1, b.E2, b.N}
		for i := range vs {
			for j := range vs {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(dot(vs[i], vs[j])-want) > 1e-12 {
					t.Fatalf("basis %v not orthonormal", b)
				}
			}
		}
		if c := cross(b.E1, b.E2); norm(sub(c, b.N)) > 1e-12 {
			t.Fatalf("basis %v not right-handed", b)
		}
	}
}
