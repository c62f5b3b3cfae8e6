package toy

import (
	"math"
	"math/rand/v2"
)

// This file holds the density profiles of the built-in galaxies: inverse-CDF
// samplers for particle positions, enclosed masses and potentials, and the
// isotropic Jeans velocity dispersion. Lengths are kpc, masses M☉.

// samplePlummerRadius returns the radius of a Plummer (1911) sphere of scale
// radius a holding the mass fraction u ∈ [0, 1): M(<r)/M = r³/(r²+a²)^{3/2},
// inverted as r = a / sqrt(u^{−2/3} − 1). The half-mass radius is
// a/sqrt(2^{2/3} − 1) ≈ 1.305 a.
func samplePlummerRadius(a, u float64) float64 {
	if u <= 0 {
		return 0
	}
	return a / math.Sqrt(math.Pow(u, -2.0/3.0)-1)
}

// plummerHalfMassFactor is r_half/a of a Plummer sphere.
var plummerHalfMassFactor = 1 / math.Sqrt(math.Pow(2, 2.0/3.0)-1)

// plummerDensity returns the Plummer density (up to the normalisation M) at r
// for scale a: 3/(4π a³) (1 + r²/a²)^{−5/2}.
func plummerDensity(a, r float64) float64 {
	x := 1 + r*r/(a*a)
	return 3 / (4 * math.Pi * a * a * a) / (x * x * math.Sqrt(x))
}

// sampleHernquistRadius returns the radius of a Hernquist (1990) sphere of
// scale radius a holding the mass fraction u ∈ [0, 1): M(<r)/M = r²/(r+a)²,
// inverted as r = a √u/(1 − √u). The half-mass radius is (1+√2) a.
func sampleHernquistRadius(a, u float64) float64 {
	s := math.Sqrt(u)
	return a * s / (1 - s)
}

// hernquistHalfMassFactor is r_half/a of a Hernquist sphere.
const hernquistHalfMassFactor = 1 + math.Sqrt2

// expDiscMassFraction returns the mass fraction of a thin exponential disc
// within x scale lengths: 1 − (1+x) e^{−x}.
func expDiscMassFraction(x float64) float64 { return 1 - (1+x)*math.Exp(-x) }

// expDiscHalfMass is the half-mass radius of an exponential disc in scale
// lengths (the root of 1 − (1+x)e^{−x} = ½), ≈ 1.678.
const expDiscHalfMass = 1.6783469900166608

// sampleExpDiscRadius returns the cylindrical radius in scale lengths of an
// exponential disc Σ ∝ e^{−R/R_d} holding the mass fraction u ∈ [0, 1), by
// Newton iteration on 1 − (1+x)e^{−x} = u (safeguarded by bisection).
func sampleExpDiscRadius(u float64) float64 {
	if u <= 0 {
		return 0
	}
	if u >= 1 {
		u = 1 - 1e-16
	}
	lo, hi := 0.0, 60.0
	x := 1.678 // half-mass radius as the starting point
	for it := 0; it < 100; it++ {
		f := expDiscMassFraction(x) - u
		if f > 0 {
			hi = x
		} else {
			lo = x
		}
		if math.Abs(f) < 1e-14 {
			break
		}
		d := x * math.Exp(-x) // d/dx of the mass fraction
		nx := x - f/d
		if !(nx > lo && nx < hi) || d == 0 {
			nx = 0.5 * (lo + hi)
		}
		if math.Abs(nx-x) < 1e-14*(1+x) {
			x = nx
			break
		}
		x = nx
	}
	return x
}

// sampleSech2Height returns the height in units of h of a vertical
// sech²(z/h) profile holding the mass fraction u ∈ (0, 1) below z:
// z = h atanh(2u − 1).
func sampleSech2Height(u float64) float64 {
	const eps = 1e-12
	u = math.Min(math.Max(u, eps), 1-eps)
	return math.Atanh(2*u - 1)
}

// randomUnitVector returns a direction uniform on the sphere.
func randomUnitVector(rng *rand.Rand) [3]float64 {
	z := 2*rng.Float64() - 1
	phi := 2 * math.Pi * rng.Float64()
	s := math.Sqrt(1 - z*z)
	return [3]float64{s * math.Cos(phi), s * math.Sin(phi), z}
}

// basis is an orthonormal frame (E1, E2, N): N is a disc's spin axis and E1,
// E2 span its plane.
type basis struct{ E1, E2, N [3]float64 }

// newBasis returns a right-handed frame with N = n (a unit vector).
func newBasis(n [3]float64) basis {
	// Any vector not parallel to n gives E1 by Gram–Schmidt.
	ref := [3]float64{1, 0, 0}
	if math.Abs(n[0]) > 0.9 {
		ref = [3]float64{0, 1, 0}
	}
	d := dot(ref, n)
	e1 := [3]float64{ref[0] - d*n[0], ref[1] - d*n[1], ref[2] - d*n[2]}
	e1 = scale(e1, 1/norm(e1))
	e2 := cross(n, e1)
	return basis{E1: e1, E2: e2, N: n}
}

// toWorld returns x E1 + y E2 + z N.
func (b basis) toWorld(x, y, z float64) [3]float64 {
	return [3]float64{
		x*b.E1[0] + y*b.E2[0] + z*b.N[0],
		x*b.E1[1] + y*b.E2[1] + z*b.N[1],
		x*b.E1[2] + y*b.E2[2] + z*b.N[2],
	}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func norm(a [3]float64) float64   { return math.Sqrt(dot(a, a)) }
func scale(a [3]float64, s float64) [3]float64 {
	return [3]float64{a[0] * s, a[1] * s, a[2] * s}
}
func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// hernquist is a Hernquist (1990, ApJ 356, 359) sphere of total mass M M☉
// and scale radius A kpc: ρ = M a / (2π r (r+a)³), M(<r) = M r²/(r+a)²,
// Φ = −G M/(r+a).
type hernquist struct{ M, A float64 }

// sphPot is a spherical potential made of Hernquist components sharing a
// centre (dark halo, bulge, disc stand-in).
type sphPot []hernquist

// mass returns the mass in M☉ within r kpc.
func (p sphPot) mass(r float64) float64 {
	var m float64
	for _, h := range p {
		x := r / (r + h.A)
		m += h.M * x * x
	}
	return m
}

// total returns the total mass in M☉.
func (p sphPot) total() float64 {
	var m float64
	for _, h := range p {
		m += h.M
	}
	return m
}

// phi returns the potential in (kpc/Gyr)² at r kpc.
func (p sphPot) phi(r float64) float64 {
	var f float64
	for _, h := range p {
		f -= gravity * h.M / (r + h.A)
	}
	return f
}

// density returns the density in M☉/kpc³ at r kpc (r > 0).
func (p sphPot) density(r float64) float64 {
	var d float64
	for _, h := range p {
		x := r + h.A
		d += h.M * h.A / (2 * math.Pi * r * x * x * x)
	}
	return d
}

// accelOverR returns G M(<r)/r³ in Gyr⁻², so the acceleration at offset dx
// from the centre is −accelOverR(|dx|)·dx. It is finite at r = 0.
func (p sphPot) accelOverR(r float64) float64 {
	var g float64
	for _, h := range p {
		x := r + h.A
		g += h.M / (r * x * x)
	}
	if r == 0 {
		return 0
	}
	return gravity * g
}

// vcirc returns the circular speed sqrt(G M(<r)/r) in kpc/Gyr.
func (p sphPot) vcirc(r float64) float64 {
	if r <= 0 {
		return 0
	}
	return math.Sqrt(gravity * p.mass(r) / r)
}

// jeansTable tabulates the isotropic Jeans velocity dispersion σ(r) of a
// tracer of density ρ_t(r) in a spherical mass distribution M(<r),
//
//	σ²(r) = 1/ρ_t(r) ∫_r^∞ ρ_t(r') G M(<r')/r'² dr'
//
// (Binney & Tremaine 2008, eq. 4.216 with β = 0), on a logarithmic grid
// integrated with the trapezoidal rule from the outside in.
type jeansTable struct {
	lnR, sigma []float64
}

// newJeansTable builds the table between rmin and rmax kpc with n points; σ
// is in the velocity unit of G·M/r (kpc/Gyr here).
func newJeansTable(rho, mass func(r float64) float64, rmin, rmax float64, n int) jeansTable {
	t := jeansTable{lnR: make([]float64, n), sigma: make([]float64, n)}
	l0, l1 := math.Log(rmin), math.Log(rmax)
	integrand := make([]float64, n)
	for i := range n {
		lr := l0 + (l1-l0)*float64(i)/float64(n-1)
		r := math.Exp(lr)
		t.lnR[i] = lr
		// dr = r dln r
		integrand[i] = rho(r) * gravity * mass(r) / (r * r) * r
	}
	var acc float64
	dl := (l1 - l0) / float64(n-1)
	for i := n - 1; i >= 0; i-- {
		if i < n-1 {
			acc += 0.5 * (integrand[i] + integrand[i+1]) * dl
		}
		r := math.Exp(t.lnR[i])
		if d := rho(r); d > 0 {
			t.sigma[i] = math.Sqrt(acc / d)
		}
	}
	return t
}

// at returns σ(r), clamped to the table's ends.
func (t jeansTable) at(r float64) float64 {
	n := len(t.lnR)
	if r <= 0 {
		return t.sigma[0]
	}
	lr := math.Log(r)
	if lr <= t.lnR[0] {
		return t.sigma[0]
	}
	if lr >= t.lnR[n-1] {
		return t.sigma[n-1]
	}
	f := (lr - t.lnR[0]) / (t.lnR[n-1] - t.lnR[0]) * float64(n-1)
	i := int(f)
	if i >= n-1 {
		i = n - 2
	}
	w := f - float64(i)
	return t.sigma[i]*(1-w) + t.sigma[i+1]*w
}

// nfwMassFraction returns M(<r)/M_vir of an NFW (Navarro, Frenk & White
// 1997) halo of concentration c at x = r/R_vir.
func nfwMassFraction(c, x float64) float64 {
	mu := func(y float64) float64 { return math.Log1p(y) - y/(1+y) }
	return mu(c*x) / mu(c)
}

// hernquistScaleForNFW returns the Hernquist scale radius a that matches an
// NFW halo of scale radius rs and concentration c in the inner profile,
// a = r_s sqrt(2[ln(1+c) − c/(1+c)]) (Springel, Di Matteo & Hernquist 2005,
// MNRAS 361, 776, eq. 2).
func hernquistScaleForNFW(rs, c float64) float64 {
	return rs * math.Sqrt(2*(math.Log1p(c)-c/(1+c)))
}
