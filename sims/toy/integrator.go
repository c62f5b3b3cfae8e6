package toy

import (
	"math"
	"runtime"
	"sync"
)

// This file integrates star particles as test particles in the moving rigid
// potentials of a merger run (restricted N-body, Toomre & Toomre 1972): the
// stars feel the potentials but not each other, and do not act back on the
// centres, whose orbit is integrated beforehand (orbit.go) on the same time
// grid.

// testParticleRun describes one integration.
type testParticleRun struct {
	pots  []sphPot    // the potentials (one or two)
	orbit []bodyState // centre states at every step; orbit[k] is at t0 + k·h
	h     float64     // step, Gyr
	// birth[i] is the step at which particle i enters (non-decreasing).
	birth []int
	// init returns particle i's position and velocity (kpc, kpc/Gyr) at its
	// birth step k, given the centres there. It must be safe for concurrent use.
	init func(i, k int) (x, v [3]float64)
	// snaps are the steps to record, increasing.
	snaps []int
	flat  []flatPot // pots in the inner-loop layout, set by integrate
}

// flatPot is a sphPot of at most three Hernquist components in a fixed
// layout for the integrator's inner loop (unused components have GM = 0).
type flatPot struct {
	gm, a [3]float64 // G·M in kpc³/Gyr², scale radius in kpc
}

func newFlatPot(p sphPot) flatPot {
	if len(p) > 3 {
		panic("toy: flatPot holds at most three components")
	}
	f := flatPot{a: [3]float64{1, 1, 1}}
	for i, h := range p {
		f.gm[i], f.a[i] = gravity*h.M, h.A
	}
	return f
}

// accelOverR returns G M(<r)/r³ in Gyr⁻², as sphPot.accelOverR, with a
// single division: Σ GM_k/(r (r+a_k)²) over a common denominator.
func (f *flatPot) accelOverR(r float64) float64 {
	if r == 0 {
		return 0
	}
	x0, x1, x2 := r+f.a[0], r+f.a[1], r+f.a[2]
	q0, q1, q2 := x0*x0, x1*x1, x2*x2
	num := f.gm[0]*q1*q2 + f.gm[1]*q0*q2 + f.gm[2]*q0*q1
	return num / (r * q0 * q1 * q2)
}

// Test-particle integration parameters.
const (
	// softeningKpc softens the potentials felt by star particles: they feel
	// Φ(√(r² + ε²)), which bounds the orbital frequency in the Hernquist
	// cusps (Horizon-AGN resolves ~1 kpc; 50 pc changes nothing visible).
	softeningKpc = 0.05
	// etaOmega and etaR set a particle's sub-step within a step of the
	// centres' orbit: at most 0.1 radian of its local orbital frequency
	// ω = (Σ G M(<r)/r³)^{1/2}, and a move of at most a quarter of its
	// distance to the nearest centre.
	etaOmega, etaR = 0.1, 0.25
	// maxSubsteps caps the sub-steps per step (a power of two).
	maxSubsteps = 256
)

// accel returns the acceleration in kpc/Gyr² at x for centres at c, the
// squared local orbital frequency ω² = Σ_j G M_j(<r_j)/r_j³ in Gyr⁻², and
// the (softened) distance to the nearest centre in kpc.
func (r *testParticleRun) accel(x [3]float64, c *[2][3]float64) (a [3]float64, w2, rmin float64) {
	rmin = math.Inf(1)
	for j := range r.flat {
		f := &r.flat[j]
		d0, d1, d2 := x[0]-c[j][0], x[1]-c[j][1], x[2]-c[j][2]
		rs := math.Sqrt(d0*d0 + d1*d1 + d2*d2 + softeningKpc*softeningKpc)
		// G M(<r)/r³ over a common denominator (one division).
		x0, x1, x2 := rs+f.a[0], rs+f.a[1], rs+f.a[2]
		q0, q1, q2 := x0*x0, x1*x1, x2*x2
		g := (f.gm[0]*q1*q2 + f.gm[1]*q0*q2 + f.gm[2]*q0*q1) / (rs * q0 * q1 * q2)
		a[0] -= g * d0
		a[1] -= g * d1
		a[2] -= g * d2
		w2 += g
		rmin = min(rmin, rs)
	}
	return a, w2, rmin
}

// substeps returns the number of sub-steps (a power of two) for a particle
// with velocity v, squared local frequency w2 and nearest-centre distance
// rmin (compared in squares to avoid square roots).
func (r *testParticleRun) substeps(v [3]float64, w2, rmin float64) int {
	h2 := r.h * r.h
	q2 := math.Max(h2*w2/(etaOmega*etaOmega), h2*(v[0]*v[0]+v[1]*v[1]+v[2]*v[2])/(etaR*etaR*rmin*rmin))
	n := 1
	for float64(n*n) < q2 && n < maxSubsteps {
		n *= 2
	}
	return n
}

// integrate advances every particle from its birth step to the last snapshot
// with the kick–drift–kick leapfrog,
//
//	v ← v + a(x, t) h/2;  x ← x + v h;  v ← v + a(x, t+h) h/2,
//
// where h is the run's fixed step, split for each particle and step into
// 2^m equal sub-steps (chosen at the start of the step from its orbital
// frequency and speed; centres interpolated linearly within the step), so
// that stars deep in a bulge's cusp are followed as accurately as disc stars.
// and returns, for every snapshot, the positions and velocities of the
// particles born by then (particle i at index i). Particles are independent,
// so they are split between goroutines without changing any result.
func (r *testParticleRun) integrate() (xs, vs [][][3]float64) {
	r.flat = r.flat[:0]
	for _, p := range r.pots {
		r.flat = append(r.flat, newFlatPot(p))
	}
	n := len(r.birth)
	xs = make([][][3]float64, len(r.snaps))
	vs = make([][][3]float64, len(r.snaps))
	for s, k := range r.snaps {
		m := 0
		for m < n && r.birth[m] <= k {
			m++
		}
		xs[s] = make([][3]float64, m)
		vs[s] = make([][3]float64, m)
	}
	if len(r.snaps) == 0 {
		return xs, vs
	}
	workers := runtime.GOMAXPROCS(0)
	const minChunk = 2048
	if w := (n + minChunk - 1) / minChunk; w < workers {
		workers = w
	}
	if workers < 1 {
		workers = 1
	}
	// Blocks of particles are stepped together so that the CPU overlaps
	// their independent square roots and divisions.
	nblk := (n + blockSize - 1) / blockSize
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := nblk*w/workers, nblk*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := lo; b < hi; b++ {
				r.integrateBlock(b*blockSize, min((b+1)*blockSize, n), xs, vs)
			}
		}()
	}
	wg.Wait()
	return xs, vs
}

// blockSize is the number of particles stepped together.
const blockSize = 16

// integrateBlock integrates particles lo..hi−1 (sorted by birth step) and
// records them in xs, vs. Each particle's arithmetic is the same as if it
// were integrated alone.
func (r *testParticleRun) integrateBlock(lo, hi int, xs, vs [][][3]float64) {
	var x, v, a [blockSize][3]float64
	var w2, rmin [blockSize]float64
	nb := hi - lo
	k0 := r.birth[lo]
	last := r.snaps[len(r.snaps)-1]
	if k0 > last {
		return
	}
	si := 0
	for r.snaps[si] < k0 {
		si++
	}
	active := 0 // particles lo..lo+active−1 have been born
	for k := k0; ; k++ {
		for active < nb && r.birth[lo+active] <= k {
			j := active
			x[j], v[j] = r.init(lo+j, k)
			c := r.orbit[k].X
			a[j], w2[j], rmin[j] = r.accel(x[j], &c)
			active++
		}
		if si < len(r.snaps) && r.snaps[si] == k {
			for j := 0; j < active; j++ {
				xs[si][lo+j], vs[si][lo+j] = x[j], v[j]
			}
			si++
		}
		if k >= last {
			return
		}
		// Particles with the same number of sub-steps are stepped together
		// (one sub-step of each in turn), so that the CPU overlaps their
		// independent arithmetic; each particle's operations are unchanged.
		c0, c1 := &r.orbit[k].X, &r.orbit[k+1].X
		var nsub [blockSize]int
		maxN := 1
		for j := 0; j < active; j++ {
			nsub[j] = r.substeps(v[j], w2[j], rmin[j])
			maxN = max(maxN, nsub[j])
		}
		var mem [blockSize]int
		for n := 1; n <= maxN; n *= 2 {
			nm := 0
			for j := 0; j < active; j++ {
				if nsub[j] == n {
					mem[nm] = j
					nm++
				}
			}
			if nm == 0 {
				continue
			}
			hs := r.h / float64(n)
			hh := hs / 2
			for s := 1; s <= n; s++ {
				c := c1
				var ci [2][3]float64
				if s < n {
					f := float64(s) / float64(n)
					for jj := range 2 {
						for i := range 3 {
							ci[jj][i] = c0[jj][i] + f*(c1[jj][i]-c0[jj][i])
						}
					}
					c = &ci
				}
				for _, j := range mem[:nm] {
					xj, vj, aj := &x[j], &v[j], &a[j]
					vj[0] += aj[0] * hh
					vj[1] += aj[1] * hh
					vj[2] += aj[2] * hh
					xj[0] += vj[0] * hs
					xj[1] += vj[1] * hs
					xj[2] += vj[2] * hs
					*aj, w2[j], rmin[j] = r.accel(*xj, c)
					vj[0] += aj[0] * hh
					vj[1] += aj[1] * hh
					vj[2] += aj[2] * hh
				}
			}
		}
	}
}
