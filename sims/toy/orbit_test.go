package toy

import (
	"math"
	"sort"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// testPair returns the potentials of the first default merger run.
func testPair(t testing.TB) (*mergerRun, []mergerParticle) {
	t.Helper()
	c := DefaultConfig()
	c.NParticles = 2000
	run, ps, err := newMergerRun(c, cosmo.Default(), testSeed, Plan(c)[c.NCompaction], true)
	if err != nil {
		t.Fatal(err)
	}
	return run, ps
}

// startState returns the default run's first orbit state.
func startState(run *mergerRun) bodyState { return run.orbit[0] }

// TestTwoBodyEnergy: without friction the orbit of the two centres conserves
// energy and momentum, and the initial conditions give the requested
// turning points. The test orbit (the default run's potentials, pericentre
// 10 kpc, apocentre 80 kpc) makes several passages in 5 Gyr; the leapfrog
// (10 sub-steps per 1 Myr step) keeps |ΔE/E| below 1e-5 (it is symplectic,
// so the error stays bounded), and momentum is conserved to rounding (the
// interaction is central and pairwise).
func TestTwoBodyEnergy(t *testing.T) {
	t.Parallel()
	run, _ := testPair(t)
	b := newTwoBody(run.bodies.P[0], run.bodies.P[1], 0)
	const rp, ra = 10.0, 80.0
	x, v := b.relativeOrbitIC(rp, ra, ra, [3]float64{0, 0, 1}, [3]float64{1, 0, 0})
	m1, m2 := b.M[0], b.M[1]
	var s0 bodyState
	s0.X[0], s0.X[1] = scale(x, -m2/(m1+m2)), scale(x, m1/(m1+m2))
	s0.V[0], s0.V[1] = scale(v, -m2/(m1+m2)), scale(v, m1/(m1+m2))
	orbit := b.integrate(s0, run.h, 5000)
	e0 := b.energy(s0)
	if !(e0 < 0) {
		t.Fatalf("orbit energy %v: not bound", e0)
	}
	var worst float64
	passages := 0
	rmin, rmax := math.Inf(1), 0.0
	for k := range orbit {
		worst = math.Max(worst, math.Abs(b.energy(orbit[k])/e0-1))
		r := orbit[k].separation()
		rmin, rmax = math.Min(rmin, r), math.Max(rmax, r)
		if k > 0 && k+1 < len(orbit) {
			r0, r2 := orbit[k-1].separation(), orbit[k+1].separation()
			if r < r0 && r <= r2 {
				passages++
			}
		}
	}
	if worst > 1e-5 {
		t.Errorf("max |ΔE/E| = %.3g over 5 Gyr, want < 1e-5", worst)
	}
	if passages < 3 {
		t.Errorf("%d pericentres in 5 Gyr: the test orbit should have several", passages)
	}
	// Turning points: sampled every 1 Myr, so within ~1 %.
	if math.Abs(rmin/rp-1) > 0.01 || math.Abs(rmax/ra-1) > 0.01 {
		t.Errorf("separation spans [%.3f, %.3f] kpc, want [%v, %v]", rmin, rmax, rp, ra)
	}
	pScale := b.M[0] * norm(s0.V[0])
	for _, s := range []bodyState{orbit[len(orbit)/2], orbit[len(orbit)-1]} {
		p := add(scale(s.V[0], b.M[0]), scale(s.V[1], b.M[1]))
		if norm(p) > 1e-9*pScale {
			t.Errorf("total momentum %v, want 0 (scale %.3g)", p, pScale)
		}
	}
	t.Logf("max |ΔE/E| = %.2g, %d pericentres, separation in [%.3f, %.3f] kpc", worst, passages, rmin, rmax)
}

// TestFrictionCoalesces: with dynamical friction the same orbit loses
// energy and the centres coalesce within the run, after a first pericentre
// and a return from apocentre.
func TestFrictionCoalesces(t *testing.T) {
	t.Parallel()
	run, _ := testPair(t)
	c := DefaultConfig().Merger
	b := run.bodies
	s0 := startState(run)
	orbit := b.integrate(s0, run.h, int(c.MaxDurationGyr/run.h))
	ev := findEvents(orbit, 0, run.h, c.CoalescenceRadiusKpc)
	if math.IsNaN(ev.TCoal) || math.IsNaN(ev.TP1) {
		t.Fatalf("no coalescence within %v Gyr: events %+v", c.MaxDurationGyr, ev)
	}
	if !(ev.TCoal-ev.TP1 >= minApocentreGyr) {
		t.Errorf("coalescence %.3f Gyr only %.3f Gyr after the first pericentre", ev.TCoal, ev.TCoal-ev.TP1)
	}
	if r := orbit[len(orbit)-1].separation(); r > 0.1*c.CoalescenceRadiusKpc {
		t.Errorf("final separation %.3g kpc: the centres did not settle", r)
	}
	if e0, e1 := b.energy(orbit[0]), b.energy(orbit[len(orbit)-1]); !(e1 < e0) {
		t.Errorf("energy %v → %v: friction must dissipate", e0, e1)
	}
	// Momentum is still conserved: friction acts on the relative motion.
	p := add(scale(orbit[len(orbit)-1].V[0], b.M[0]), scale(orbit[len(orbit)-1].V[1], b.M[1]))
	if norm(p) > 1e-9*b.M[0]*norm(s0.V[0]) {
		t.Errorf("total momentum %v with friction, want 0", p)
	}
	// The run's own events agree with this integration.
	if math.Abs(run.ev.TCoal-run.tStart-ev.TCoal) > 1e-9 || math.Abs(run.ev.TP1-run.tStart-ev.TP1) > 1e-9 {
		t.Errorf("run events %+v (from %v), integration %+v", run.ev, run.tStart, ev)
	}
	t.Logf("first pericentre %.3f Gyr, coalescence %.3f Gyr after the start", ev.TP1, ev.TCoal)
}

// TestTestParticleEnergy: in the static potential of an isolated galaxy
// every test particle's energy ½v² + Φ (softened Φ) is an integral of
// motion. Over 0.5 Gyr with the default 1 Myr step and adaptive sub-steps,
// the leapfrog error is below 1e-3 for the median star (measured ≈ 2e-5)
// and 3 % for the 99th percentile (measured ≈ 1.4 %: bulge stars on radial
// orbits through the cusp, where changing sub-steps break symplecticity).
func TestTestParticleEnergy(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.NParticles = 3000
	run, ps, err := newMergerRun(c, cosmo.Default(), testSeed, Plan(c)[c.NCompaction+c.NMerger], false)
	if err != nil {
		t.Fatal(err)
	}
	pot := run.gal[0].pot
	steps := 500
	var n0 int
	for n0 < len(ps) && ps[n0].birth == 0 {
		n0++
	}
	tp := &testParticleRun{pots: []sphPot{pot}, orbit: run.orbit[:steps+1], h: run.h,
		birth: make([]int, n0), snaps: []int{0, steps}}
	tp.init = func(i, k int) (x, v [3]float64) { return ps[i].dx, ps[i].dv }
	xs, vs := tp.integrate()
	rel := make([]float64, n0)
	for i := 0; i < n0; i++ {
		e0 := 0.5*dot(vs[0][i], vs[0][i]) + pot.phi(math.Hypot(norm(xs[0][i]), softeningKpc))
		e1 := 0.5*dot(vs[1][i], vs[1][i]) + pot.phi(math.Hypot(norm(xs[1][i]), softeningKpc))
		rel[i] = math.Abs(e1/e0 - 1)
	}
	med, p99 := quantile(rel, 0.5), quantile(rel, 0.99)
	t.Logf("|ΔE/E| over %d steps: median %.2g, 99th percentile %.2g", steps, med, p99)
	if med > 1e-3 || p99 > 0.03 {
		t.Errorf("|ΔE/E| median %.3g (want < 1e-3), 99th percentile %.3g (want < 0.03)", med, p99)
	}
	if len(xs[1]) != n0 {
		t.Errorf("%d particles out of %d", len(xs[1]), n0)
	}
}

// TestIntegratorBookkeeping: particles born during a run enter at their
// birth step and appear in exactly the snapshots at or after it, each once,
// and integrating in blocks and goroutines gives the same result as one
// particle at a time.
func TestIntegratorBookkeeping(t *testing.T) {
	t.Parallel()
	pot := sphPot{{M: 1e12, A: 30}, {M: 1e10, A: 1}}
	n := 3*blockSize + 5
	birth := make([]int, n)
	for i := range birth {
		birth[i] = i * 7 // enters at step 7i
	}
	orbit := make([]bodyState, 400)
	mk := func() *testParticleRun {
		return &testParticleRun{pots: []sphPot{pot}, orbit: orbit, h: 0.001, birth: birth,
			snaps: []int{0, 50, 133, 399},
			init: func(i, k int) (x, v [3]float64) {
				// A circular orbit in the softened potential.
				r := 2 + float64(i)
				vc := r * math.Sqrt(pot.accelOverR(math.Hypot(r, softeningKpc)))
				return [3]float64{r, 0, 0}, [3]float64{0, vc, 0}
			}}
	}
	xs, vs := mk().integrate()
	for s, k := range []int{0, 50, 133, 399} {
		want := 0
		for _, b := range birth {
			if b <= k {
				want++
			}
		}
		if len(xs[s]) != want || len(vs[s]) != want {
			t.Errorf("snapshot at step %d holds %d particles, want %d", k, len(xs[s]), want)
		}
		for i := range xs[s] {
			// A particle started on a circular orbit stays at its radius to
			// the leapfrog's O((Ωh)²) epicycle: Ωh ≈ 0.07 at r = 2 kpc,
			// measured ≤ 2e-3.
			if r := norm(xs[s][i]); math.Abs(r/(2+float64(i))-1) > 5e-3 {
				t.Errorf("step %d particle %d at r = %v, want %v", k, i, r, 2+float64(i))
			}
		}
	}
	// One particle alone gives the same numbers.
	solo := mk()
	solo.birth = birth[:1]
	xs1, _ := solo.integrate()
	if xs1[3][0] != xs[3][0] {
		t.Errorf("particle 0 alone at %v, in the block at %v", xs1[3][0], xs[3][0])
	}
}

func quantile(x []float64, q float64) float64 {
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	return y[int(q*float64(len(y)-1))]
}

// TestMergerStageAt checks the stage boundaries of sims.MergerStage.
func TestMergerStageAt(t *testing.T) {
	t.Parallel()
	ev := orbitEvents{TP1: 1, TCoal: 2}
	for _, tc := range []struct {
		t    float64
		want sims.MergerStage
	}{
		{0.5, sims.MergerPre}, {0.899, sims.MergerPre}, {0.9, sims.MergerFirstPassage}, {1.1, sims.MergerFirstPassage},
		{1.101, sims.MergerApocentre}, {1.899, sims.MergerApocentre}, {1.9, sims.MergerCoalescence},
		{2.1, sims.MergerCoalescence}, {2.101, sims.MergerPost},
	} {
		if got := mergerStageAt(tc.t, ev); got != tc.want {
			t.Errorf("stage at %v = %s, want %s", tc.t, got, tc.want)
		}
	}
}

// TestJacobiRadius: for a point-mass-like satellite far from its host the
// tidal radius is r (m/3M)^{1/3}.
func TestJacobiRadius(t *testing.T) {
	t.Parallel()
	host := sphPot{{M: 1e12, A: 1e-3}}
	sat := sphPot{{M: 1e10, A: 1e-3}}
	r := 100.0
	want := r * math.Cbrt(1e10/3e12)
	if got := jacobiRadius(r, sat, host); math.Abs(got/want-1) > 1e-3 {
		t.Errorf("Jacobi radius %v kpc, want %v", got, want)
	}
}
