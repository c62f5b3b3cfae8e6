package toy

import (
	"math"

	"github.com/galforge/galforge/sims"
)

// This file integrates the orbit of the two galaxy centres of a merger run:
// two rigid spherical potentials (sums of Hernquist spheres) that attract
// each other and lose orbital energy to Chandrasekhar dynamical friction.

// twoBody is the pair of rigid potentials. Their mutual interaction is the
// central force derived from the interaction energy of two extended
// spheres, approximated component by component as
//
//	U(r) = −G Σ_i Σ_j M_i M_j / (r + a_i + a_j),
//
// (i over the Hernquist components of galaxy 1, j over galaxy 2): the
// point-mass energy softened by the sum of the scale radii, the analogue of
// the exact result for two Plummer spheres (a² = a₁² + a₂²). It tends to
// −G M₁M₂/r at large r and stays finite when the galaxies overlap. Without
// friction the orbital energy ½M₁V₁² + ½M₂V₂² + U and the total momentum are
// conserved (up to the leapfrog's bounded error).
type twoBody struct {
	P     [2]sphPot
	M     [2]float64  // total masses, M☉
	LnLam float64     // Coulomb logarithm; 0 = no friction
	pairs []hernquist // M = M_i M_j, A = a_i + a_j
}

// bodyState is the position (kpc) and velocity (kpc/Gyr) of both centres.
type bodyState struct {
	X, V [2][3]float64
}

// separation returns |X₂ − X₁| in kpc.
func (s bodyState) separation() float64 { return norm(sub(s.X[1], s.X[0])) }

func newTwoBody(p1, p2 sphPot, lnLam float64) *twoBody {
	b := &twoBody{P: [2]sphPot{p1, p2}, M: [2]float64{p1.total(), p2.total()}, LnLam: lnLam}
	for _, c1 := range p1 {
		for _, c2 := range p2 {
			b.pairs = append(b.pairs, hernquist{M: c1.M * c2.M, A: c1.A + c2.A})
		}
	}
	return b
}

// interaction returns U(r) in M☉ (kpc/Gyr)².
func (b *twoBody) interaction(r float64) float64 {
	var u float64
	for _, p := range b.pairs {
		u -= gravity * p.M / (r + p.A)
	}
	return u
}

// energy returns the orbital energy in M☉ (kpc/Gyr)².
func (b *twoBody) energy(s bodyState) float64 {
	e := b.interaction(s.separation())
	for i := range 2 {
		e += 0.5 * b.M[i] * dot(s.V[i], s.V[i])
	}
	return e
}

// accel returns the accelerations of the two centres.
func (b *twoBody) accel(s bodyState) (a [2][3]float64) {
	d := sub(s.X[1], s.X[0])
	r := norm(d)
	if r == 0 {
		return a
	}
	// |F|/r = G Σ M_i M_j / [r (r + a_i + a_j)²]
	var f float64
	for _, p := range b.pairs {
		x := r + p.A
		f += gravity * p.M / (r * x * x)
	}
	a[0] = scale(d, f/b.M[0])
	a[1] = scale(d, -f/b.M[1])
	return a
}

// frictionRate returns γ in Gyr⁻¹ such that dynamical friction decelerates
// the relative velocity v as dv/dt = −γ v. Each galaxy moving through the
// other's mass distribution feels Chandrasekhar's (1943) drag (Binney &
// Tremaine 2008, eq. 8.13),
//
//	a = −4π G² M_t ln Λ ρ(r) [erf(X) − 2X/√π e^{−X²}] v/v³,  X = v/(√2 σ(r)),
//
// with ρ the other galaxy's density at the separation r, σ ≈ v_c(r)/√2 its
// isothermal velocity dispersion, and M_t the moving galaxy's mass within
// its tidal (Jacobi) radius (jacobiRadius), the part that stays bound to it
// while the halos overlap. The two rates are summed and applied to the
// relative motion so that total momentum is conserved.
func (b *twoBody) frictionRate(r, v float64) float64 {
	if b.LnLam == 0 || v <= 0 || r <= 0 {
		return 0
	}
	var g float64
	for host := range 2 {
		sat := 1 - host
		rho := b.P[host].density(r)
		sigma := b.P[host].vcirc(r) / math.Sqrt2
		var fx float64 // [erf(X) − 2X/√π e^{−X²}]/v³
		if sigma <= 0 {
			fx = 1 / (v * v * v)
		} else {
			x := v / (math.Sqrt2 * sigma)
			if x < 1e-3 {
				// Small-X limit 4X³/(3√π), divided by v³.
				s := math.Sqrt2 * sigma
				fx = 4 / (3 * math.SqrtPi * s * s * s)
			} else {
				fx = (math.Erf(x) - 2*x/math.SqrtPi*math.Exp(-x*x)) / (v * v * v)
			}
		}
		mt := b.P[sat].mass(jacobiRadius(r, b.P[sat], b.P[host]))
		g += 4 * math.Pi * gravity * gravity * mt * b.LnLam * rho * fx
	}
	return g
}

// jacobiRadius returns the tidal radius in kpc of the satellite potential
// sat at distance r from the centre of host, the fixed point of
// r_t = r [M_sat(<r_t) / (3 M_host(<r))]^{1/3} (the Jacobi radius of a point
// mass, Binney & Tremaine 2008, eq. 8.106), at most r.
func jacobiRadius(r float64, sat, host sphPot) float64 {
	mh := 3 * host.mass(r)
	rt := 0.5 * r
	for range 50 {
		next := r * math.Cbrt(sat.mass(rt)/mh)
		if next > r {
			next = r
		}
		if math.Abs(next-rt) < 1e-4*r {
			return next
		}
		rt = next
	}
	return rt
}

// kick advances the velocities by h Gyr with the accelerations a, then
// applies friction over h as an exact exponential damping of the relative
// velocity (stable for any γh), redistributed to conserve momentum.
func (b *twoBody) kick(s *bodyState, a [2][3]float64, h float64) {
	for i := range 2 {
		s.V[i] = add(s.V[i], scale(a[i], h))
	}
	if b.LnLam == 0 {
		return
	}
	vrel := sub(s.V[1], s.V[0])
	gam := b.frictionRate(s.separation(), norm(vrel))
	if gam == 0 {
		return
	}
	dv := scale(vrel, math.Expm1(-gam*h)) // change of the relative velocity
	mt := b.M[0] + b.M[1]
	s.V[1] = add(s.V[1], scale(dv, b.M[0]/mt))
	s.V[0] = sub(s.V[0], scale(dv, b.M[1]/mt))
}

// orbitSubsteps is the number of leapfrog sub-steps of the centres' orbit
// per step of the star particles (the orbit is cheap, and close passages of
// the compact stellar components need the finer step).
const orbitSubsteps = 10

// integrate advances s by n steps of h Gyr, each made of orbitSubsteps
// leapfrog (kick–drift–kick) sub-steps, and returns the n+1 states at the
// step times, the first being s.
func (b *twoBody) integrate(s bodyState, h float64, n int) []bodyState {
	return b.integrateUntil(s, h, n, nil)
}

// integrateUntil is integrate that stops early, after the step k at which
// stop(k, state) first returns true (stop may be nil).
func (b *twoBody) integrateUntil(s bodyState, h float64, n int, stop func(k int, s *bodyState) bool) []bodyState {
	out := make([]bodyState, 1, n+1)
	out[0] = s
	hs := h / orbitSubsteps
	a := b.accel(s)
	for k := 1; k <= n; k++ {
		for range orbitSubsteps {
			b.kick(&s, a, hs/2)
			for i := range 2 {
				s.X[i] = add(s.X[i], scale(s.V[i], hs))
			}
			a = b.accel(s)
			b.kick(&s, a, hs/2)
		}
		out = append(out, s)
		if stop != nil && stop(k, &s) {
			break
		}
	}
	return out
}

// relativeOrbitIC returns the relative position and velocity (kpc, kpc/Gyr)
// of galaxy 2 about galaxy 1 for a bound orbit in the interaction potential
// U(r)/μ (μ the reduced mass) with pericentre rp and apocentre ra, started
// at separation r0 (rp < r0 ≤ ra) on its way in. The orbit lies in the plane
// with normal n, and the start direction is d (a unit vector ⊥ n). Energy
// and angular momentum per unit reduced mass follow from the turning points:
//
//	E = [ra² Ψ(ra) − rp² Ψ(rp)]/(ra² − rp²),  L² = 2[Ψ(ra) − Ψ(rp)]/(rp⁻² − ra⁻²),
//
// with Ψ = U/μ.
func (b *twoBody) relativeOrbitIC(rp, ra, r0 float64, n, d [3]float64) (x, v [3]float64) {
	mu := b.M[0] * b.M[1] / (b.M[0] + b.M[1])
	psi := func(r float64) float64 { return b.interaction(r) / mu }
	e := (ra*ra*psi(ra) - rp*rp*psi(rp)) / (ra*ra - rp*rp)
	l2 := 2 * (psi(ra) - psi(rp)) / (1/(rp*rp) - 1/(ra*ra))
	vt := math.Sqrt(l2) / r0
	vr2 := 2*(e-psi(r0)) - vt*vt
	vr := -math.Sqrt(math.Max(vr2, 0))
	tdir := cross(n, d)
	return scale(d, r0), add(scale(d, vr), scale(tdir, vt))
}

// orbitEvents are the times that define the merger stages (sims.MergerStage).
type orbitEvents struct {
	TP1   float64 // first pericentre, Gyr
	TCoal float64 // coalescence, Gyr (NaN if not within the run)
}

// findEvents returns the first pericentre (the first local minimum of the
// separation) and the coalescence time (the start of the final stretch of
// the orbit over which the separation stays below rcoal; NaN when the orbit
// ends above it) of an orbit sampled every h Gyr from t0.
func findEvents(orbit []bodyState, t0, h, rcoal float64) orbitEvents {
	ev := orbitEvents{TP1: math.NaN(), TCoal: math.NaN()}
	r := make([]float64, len(orbit))
	for k := range orbit {
		r[k] = orbit[k].separation()
	}
	for k := 1; k+1 < len(r); k++ {
		if r[k] <= r[k-1] && r[k] < r[k+1] {
			ev.TP1 = t0 + float64(k)*h
			break
		}
	}
	if len(r) == 0 || r[len(r)-1] >= rcoal {
		return ev
	}
	k := len(r) - 1
	for k > 0 && r[k-1] < rcoal {
		k--
	}
	ev.TCoal = t0 + float64(k)*h
	return ev
}

// stageWindowGyr is the half-width of the first-passage and coalescence
// windows of sims.MergerStage.
const stageWindowGyr = 0.1

// mergerStageAt returns the merger stage at t (see sims.MergerStage).
func mergerStageAt(t float64, ev orbitEvents) sims.MergerStage {
	switch {
	case t < ev.TP1-stageWindowGyr:
		return sims.MergerPre
	case t <= ev.TP1+stageWindowGyr:
		return sims.MergerFirstPassage
	case math.IsNaN(ev.TCoal) || t < ev.TCoal-stageWindowGyr:
		return sims.MergerApocentre
	case t <= ev.TCoal+stageWindowGyr:
		return sims.MergerCoalescence
	default:
		return sims.MergerPost
	}
}
