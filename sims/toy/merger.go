package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// This file builds the merger (Horizon-AGN-like) family and the isolated
// controls: one or two disc + bulge galaxies of star particles in rigid
// potentials (a Hernquist dark halo, the bulge and a Hernquist stand-in for
// the disc), on a bound near-parabolic orbit of random orientation that
// decays by dynamical friction until the centres coalesce. The stars are
// test particles (integrator.go); discs keep forming stars in their planes,
// and a central starburst peaks at coalescence.

// Structural constants of merger galaxies.
const (
	// mergerDiscThickness is z0/R_d of the sech² vertical profile (thinner
	// than the compaction discs so that tidal tails stay thin).
	mergerDiscThickness = 0.2
	// mergerDiscSigma is σ/v_c of newborn disc stars; older stars are hotter,
	// σ/v_c = 0.1 sqrt(1 + age/1 Gyr), at most mergerDiscSigmaMax.
	mergerDiscSigma, mergerDiscSigmaMax = 0.1, 0.3
	// bulgeMassCut truncates bulge sampling at this mass fraction (r < 198 a).
	bulgeMassCut = 0.99
	// bulgeMinReRatio is the smallest bulge effective radius as a fraction
	// of the disc's (bulges of z ≈ 1–2 discs have R_e ≈ 1 kpc, Lang et al.
	// 2014, ApJ 788, 11; the early-type mass–size relation alone would make
	// small bulges of tens of pc).
	bulgeMinReRatio = 0.2
	// hernquistReFactor is R_e/a of a Hernquist profile in projection
	// (Hernquist 1990, eq. 38).
	hernquistReFactor = 1.8153
	// burstHalfMassKpc is the 3D half-mass radius of the merger-driven
	// starburst (a Plummer sphere about the primary's centre).
	burstHalfMassKpc = 0.3
	// burstSigmaGyr and burstTauGyr shape the burst: it rises over ~0.1 Gyr
	// to a peak at coalescence and decays over 0.1 Gyr (Cox et al. 2008,
	// MNRAS 384, 386; Di Matteo et al. 2007, A&A 468, 61).
	burstSigmaGyr, burstTauGyr = 0.1, 0.1
	// postMergerQuenchGyr is the e-folding time of disc star formation after
	// coalescence (gas consumed by the burst or expelled).
	postMergerQuenchGyr = 0.3
	// orbitRetries is how many times an orbit that does not coalesce in time,
	// coalesces on its first passage or reaches it too soon is retried with a
	// smaller or larger pericentre or a larger starting separation before
	// giving up.
	orbitRetries = 12
	// coalescenceHoldGyr is the shortest time the separation must stay below
	// the coalescence radius for the galaxies to count as coalesced.
	coalescenceHoldGyr = 0.3
	// minApocentreGyr: the first pericentre and coalescence must be at least
	// this far apart so that the apocentre stage exists.
	minApocentreGyr = 0.3
	// minApproachGyr: the first pericentre must come at least this long after
	// the start so that the pre-merger stage exists.
	minApproachGyr = 0.15
)

// mergerGalaxy is one galaxy of a merger run (or an isolated control).
type mergerGalaxy struct {
	mh, mstar, bt float64 // halo mass, SHMR stellar mass (M☉), bulge fraction
	halo          haloGrowth
	sizeDex       float64
	spin          basis
	history       *tabulatedHistory // mass formed before the run
	rdNow         float64           // disc scale length at the start, kpc
	pot           sphPot            // rigid potential, set by buildPotential
	bulgeA        float64           // bulge Hernquist scale, kpc
	compDisc      uint8             // component label of its disc stars
	compBulge     uint8             // component label of its bulge stars
}

// drawMergerGalaxy draws a galaxy with halo mass mh at zs (the SHMR gives
// its stellar mass) from rng.
func drawMergerGalaxy(cos cosmo.FlatLCDM, mc MergerConfig, mh, zs float64, rng *rand.Rand) *mergerGalaxy {
	g := &mergerGalaxy{mh: mh, mstar: stellarMassMoster13(mh, zs)}
	g.bt = mc.BulgeFractionMin + (mc.BulgeFractionMax-mc.BulgeFractionMin)*rng.Float64()
	g.halo = haloGrowth{MRef: mh, ZRef: zs, Alpha: meanGrowthAlpha(cos, mh) * math.Pow(10, growthScatterDex*rng.NormFloat64())}
	g.sizeDex = sizeScatterDex * rng.NormFloat64()
	g.spin = newBasis(randomUnitVector(rng))
	tStart := cos.AgeGyr(zs)
	g.history = newTabulatedHistory(func(t float64) float64 {
		z := cos.RedshiftAtAge(t)
		return stellarMassMoster13(g.halo.massAt(z), z) / (1 - returnFractionTypical)
	}, cos.AgeGyr(zFirstStars), tStart, historyPoints)
	g.rdNow = g.discScale(cos, tStart)
	return g
}

// discScale returns the galaxy's disc scale length in kpc at t ≤ the start
// (inside-out growth along the late-type mass–size relation).
func (g *mergerGalaxy) discScale(cos cosmo.FlatLCDM, t float64) float64 {
	m := math.Max((1-returnFractionTypical)*g.history.cum(t), 1e5)
	return lateTypeReKpc(m, cos.RedshiftAtAge(t)) * math.Pow(10, g.sizeDex) / expDiscHalfMass
}

// mergerParticle is a star particle of a merger run as drawn at birth.
type mergerParticle struct {
	tf     float64 // formation time, Gyr
	birth  int     // integrator step at which it enters
	host   int     // 0: relative to the primary's centre, 1: the secondary's
	comp   uint8
	mi, Z  float64    // initial mass (M☉), metallicity
	bulge  bool       // drawn as a bulge star (secondaries label everything CompSecondary)
	dx, dv [3]float64 // offset from the host centre at birth (kpc, kpc/Gyr)
}

// mergerRun is the set-up and orbit of one run.
type mergerRun struct {
	cos       cosmo.FlatLCDM
	cfg       MergerConfig
	merger    bool
	gal       []*mergerGalaxy
	tStart, h float64
	steps     int // the run ends at tStart + steps·h
	orbit     []bodyState
	ev        orbitEvents
	bodies    *twoBody
	massRatio float64 // stellar, larger/smaller, at the start
	mp        float64 // nominal initial mass of a particle, M☉
}

// simulateMerger returns the snapshots of a merger run (merger = true) or an
// isolated control.
func simulateMerger(c Config, cos cosmo.FlatLCDM, seed uint64, spec Spec, merger bool) ([]*sims.Galaxy, error) {
	run, ps, err := newMergerRun(c, cos, seed, spec, merger)
	if err != nil {
		return nil, err
	}
	snaps := run.snapshotSteps()
	tp := &testParticleRun{orbit: run.orbit, h: run.h, snaps: snaps, birth: make([]int, len(ps))}
	for _, g := range run.gal {
		tp.pots = append(tp.pots, g.pot)
	}
	for i := range ps {
		tp.birth[i] = ps[i].birth
	}
	tp.init = func(i, k int) (x, v [3]float64) {
		p := &ps[i]
		s := &run.orbit[k]
		return add(s.X[p.host], p.dx), add(s.V[p.host], p.dv)
	}
	xs, vs := tp.integrate()
	out := make([]*sims.Galaxy, len(snaps))
	for si, k := range snaps {
		t := run.tStart + float64(k)*run.h
		g := newSnapshot(cos, spec, si, t, seed)
		run.fillSnapshot(g, ps, xs[si], vs[si], k)
		out[si] = g
	}
	return out, nil
}

// newMergerRun draws the galaxies, their potentials and orbit, and every
// star particle of the run (sorted by birth step), with their phase-space
// offsets from their host centre at birth.
func newMergerRun(c Config, cos cosmo.FlatLCDM, seed uint64, spec Spec, merger bool) (*mergerRun, []mergerParticle, error) {
	mc := c.Merger
	run := &mergerRun{cos: cos, cfg: mc, merger: merger, h: mc.DtMyr / 1000}
	run.tStart = cos.AgeGyr(mc.ZStart)
	if tEndMax := cos.AgeGyr(0); run.tStart+mc.MaxDurationGyr > tEndMax || run.tStart+mc.IsolatedDurationGyr > tEndMax {
		return nil, nil, fmt.Errorf("toy: galaxy %d: a run from z = %v lasting simulate.merger.max_duration_gyr = %v Gyr (or isolated_duration_gyr = %v) would end after z = 0",
			spec.ID, mc.ZStart, mc.MaxDurationGyr, mc.IsolatedDurationGyr)
	}
	rng := sims.NewRand(seed, uint64(spec.ID), streamGalaxy)
	logMh := mc.LogMhaloMin + (mc.LogMhaloMax-mc.LogMhaloMin)*rng.Float64()
	g1 := drawMergerGalaxy(cos, mc, math.Pow(10, logMh), mc.ZStart, rng)
	g1.compDisc, g1.compBulge = sims.CompDisc, sims.CompBulge
	run.gal = []*mergerGalaxy{g1}
	if merger {
		q := math.Exp(math.Log(mc.MassRatioMin) + (math.Log(mc.MassRatioMax)-math.Log(mc.MassRatioMin))*rng.Float64())
		mh2 := haloMassForStellarMass(g1.mstar/q, mc.ZStart)
		g2 := drawMergerGalaxy(cos, mc, mh2, mc.ZStart, rng)
		g2.compDisc, g2.compBulge = sims.CompSecondary, sims.CompSecondary
		run.gal = append(run.gal, g2)
	}

	// The rigid potentials come from a fixed-size model sample of each
	// galaxy's stars (so they and the orbit do not depend on n_particles);
	// the orbit then fixes the run's length and so the particle budget.
	mrng := sims.NewRand(seed, uint64(spec.ID), streamModel)
	for gi, g := range run.gal {
		g.setBulgeScale(run, mrng)
		run.buildPotential(g, run.sampleExisting(g, gi, modelParticles, g.history.cum(run.tStart), mrng))
	}
	if err := run.setOrbit(rng, spec); err != nil {
		return nil, nil, err
	}
	mp := run.particleMass(c.NParticles)
	run.mp = mp

	// Particles present at the start, then those born during the run.
	prng := sims.NewRand(seed, uint64(spec.ID), streamParticles)
	pre := make([][]mergerParticle, len(run.gal))
	for gi, g := range run.gal {
		mf := g.history.cum(run.tStart)
		pre[gi] = run.sampleExisting(g, gi, max(int(math.Round(mf/mp)), 1), mf, prng)
		run.setVelocities(g, pre[gi], prng)
	}
	brng := sims.NewRand(seed, uint64(spec.ID), streamBirths)
	born := run.births(mp, brng)
	var ps []mergerParticle
	for _, p := range pre {
		ps = append(ps, p...)
	}
	ps = append(ps, born...)
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].birth < ps[b].birth })

	// Stellar mass ratio at the start from the particles.
	if merger {
		var m [2]float64
		for i := range pre {
			for _, p := range pre[i] {
				m[i] += p.mi * (1 - returnFraction(run.tStart-p.tf))
			}
		}
		run.massRatio = m[0] / m[1]
		if run.massRatio < 1 {
			run.massRatio = 1 / run.massRatio
		}
	}
	return run, ps, nil
}

// modelParticles is the size of the model sample that sets the potentials.
const modelParticles = 2048

// particleMass returns the initial mass in M☉ of one particle: the mass
// formed by the end of the run (before the start, in the discs during it and
// in the burst) divided by n.
func (run *mergerRun) particleMass(n int) float64 {
	var m float64
	for gi, g := range run.gal {
		m += g.history.cum(run.tStart) + run.discHistory(gi).cum(run.tEnd())
	}
	if run.merger {
		m += run.burst().cum(run.tEnd())
	}
	return m / float64(n)
}

// tEnd returns the time of the run's last step in Gyr.
func (run *mergerRun) tEnd() float64 { return run.tStart + float64(run.steps)*run.h }

// discHistory returns the star formation of galaxy gi's disc during the run:
// its rate at the start, decaying after coalescence in mergers.
func (run *mergerRun) discHistory(gi int) linearDecayHistory {
	h := linearDecayHistory{SFR: run.gal[gi].history.rate(run.tStart), T0: run.tStart, TQ: math.Inf(1), Tau: math.Inf(1)}
	if run.merger {
		h.TQ, h.Tau = run.ev.TCoal, postMergerQuenchGyr
	}
	return h
}

// burst returns the merger-driven central starburst: a mass
// burst_mass_fraction × the secondary's stellar mass, peaking at coalescence.
func (run *mergerRun) burst() burstHistory {
	return burstHistory{M: run.cfg.BurstMassFraction * run.gal[1].mstar, TPeak: run.ev.TCoal, Sigma: burstSigmaGyr, Tau: burstTauGyr}
}

// setBulgeScale sets g.bulgeA from the current mass of its oldest bt stars
// (estimated from a sample of formation times): the early-type mass–size
// relation, but no smaller than bulgeMinReRatio of the disc's R_e.
func (g *mergerGalaxy) setBulgeScale(run *mergerRun, rng *rand.Rand) {
	mf := g.history.cum(run.tStart)
	tfs := sampleFormationTimes(g.history, 0, mf, modelParticles, rng)
	nb := int(math.Round(g.bt * modelParticles))
	var mb float64
	for _, tf := range tfs[:nb] {
		mb += mf / modelParticles * (1 - returnFraction(run.tStart-tf))
	}
	reB := math.Max(earlyTypeReKpc(math.Max(mb, 1e6), run.cfg.ZStart)*math.Pow(10, g.sizeDex),
		bulgeMinReRatio*g.rdNow*expDiscHalfMass)
	g.bulgeA = reB / hernquistReFactor
}

// sampleExisting draws np particles carrying the mass mf formed by galaxy gi
// before the run (mf = its history's mass at the start) (positions about its centre; velocities are set by
// setVelocities). The oldest bt of them form the bulge (a Hernquist sphere,
// truncated at bulgeMassCut), the rest the disc, each disc star at a radius
// drawn from the disc's scale length when it formed (inside-out growth).
func (run *mergerRun) sampleExisting(g *mergerGalaxy, gi, np int, mf float64, rng *rand.Rand) []mergerParticle {
	tfs := sampleFormationTimes(g.history, 0, mf, np, rng)
	nb := int(math.Round(g.bt * float64(np)))
	ps := make([]mergerParticle, np)
	for i, tf := range tfs {
		p := &ps[i]
		p.tf, p.host, p.mi = tf, gi, mf/float64(np)
		u1, u2, u3 := rng.Float64(), rng.Float64(), rng.Float64()
		dir := randomUnitVector(rng)
		gz := rng.NormFloat64()
		z := run.cos.RedshiftAtAge(tf)
		mAt := math.Max((1-returnFractionTypical)*g.history.cum(tf), 1e5)
		if i < nb {
			p.comp, p.bulge = g.compBulge, true
			r := sampleHernquistRadius(g.bulgeA, bulgeMassCut*u1)
			p.dx = scale(dir, r)
			p.Z = metallicity(mAt, z, 0, gz)
			continue
		}
		p.comp = g.compDisc
		rd := g.discScale(run.cos, tf)
		R := rd * sampleExpDiscRadius(u1)
		phi := 2 * math.Pi * u2
		zz := mergerDiscThickness * rd * sampleSech2Height(u3)
		p.dx = g.spin.toWorld(R*math.Cos(phi), R*math.Sin(phi), zz)
		p.Z = metallicity(mAt, z, R-rd*expDiscHalfMass, gz)
	}
	return ps
}

// buildPotential sets g.pot: a Hernquist dark halo matched to the NFW halo
// of g's virial mass (Springel et al. 2005; halo mass = virial mass − stars),
// the Hernquist bulge and a Hernquist sphere with the disc's current mass and
// 3D half-mass radius standing in for the disc.
func (run *mergerRun) buildPotential(g *mergerGalaxy, ps []mergerParticle) {
	zs := run.cfg.ZStart
	var mb, md float64
	var pos [][3]float64
	var wd []float64
	for _, p := range ps {
		m := p.mi * (1 - returnFraction(run.tStart-p.tf))
		if p.bulge {
			mb += m
			continue
		}
		md += m
		pos = append(pos, p.dx)
		wd = append(wd, m)
	}
	mdm := math.Max(g.mh-mb-md, 0.1*g.mh)
	c := concentrationDM14(g.mh, zs, run.cos.H0/100)
	rvir := run.cos.VirialRadiusKpc(g.mh, zs)
	g.pot = sphPot{{M: mdm, A: hernquistScaleForNFW(rvir/c, c)}}
	if mb > 0 {
		g.pot = append(g.pot, hernquist{M: mb, A: g.bulgeA})
	}
	if md > 0 {
		rh, _ := sims.HalfMassRadius(pos, wd, [3]float64{}, math.Inf(1))
		g.pot = append(g.pot, hernquist{M: md, A: rh / hernquistHalfMassFactor})
	}
}

// setVelocities gives the particles present at the start their velocities
// about their host: disc stars rotate at the circular speed of the host's
// potential with a dispersion growing with age; bulge stars are isotropic
// with the Jeans dispersion of a Hernquist tracer in that potential.
func (run *mergerRun) setVelocities(g *mergerGalaxy, ps []mergerParticle, rng *rand.Rand) {
	a := g.bulgeA
	jeans := newJeansTable(func(r float64) float64 { return hernquist{M: 1, A: a}.density(r) }, g.pot.mass,
		1e-3*a, 1e3*a, 256)
	for i := range ps {
		p := &ps[i]
		gs := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		if p.bulge {
			p.dv = scale(gs, jeans.at(norm(p.dx)))
			continue
		}
		p.dv = discVelocity(g, p.dx, run.tStart-p.tf, gs)
	}
}

// density returns the density in M☉/kpc³ of one Hernquist sphere at r kpc.
func (h hernquist) density(r float64) float64 { return sphPot{h}.density(r) }

// discVelocity returns the velocity about g's centre of a disc star at
// offset dx of age ageGyr: circular rotation about g's spin axis plus an
// isotropic dispersion σ/v_c = 0.1 sqrt(1 + age/1 Gyr) (≤ 0.3), from unit
// Gaussian deviates gs.
func discVelocity(g *mergerGalaxy, dx [3]float64, ageGyr float64, gs [3]float64) [3]float64 {
	vc := g.pot.vcirc(norm(dx))
	inPlane := sub(dx, scale(g.spin.N, dot(dx, g.spin.N)))
	var phiHat [3]float64
	if r := norm(inPlane); r > 0 {
		phiHat = scale(cross(g.spin.N, inPlane), 1/r)
	}
	sig := vc * math.Min(mergerDiscSigma*math.Sqrt(1+math.Max(ageGyr, 0)), mergerDiscSigmaMax)
	return add(scale(phiHat, vc), scale(gs, sig))
}

// setOrbit draws the orbit of the two centres and integrates it with
// dynamical friction until coalescence (merger runs), or keeps a single
// centre at rest (isolated runs), and sets the run's length.
func (run *mergerRun) setOrbit(rng *rand.Rand, spec Spec) error {
	mc := run.cfg
	if !run.merger {
		run.steps = int(math.Round(mc.IsolatedDurationGyr / run.h))
		run.orbit = make([]bodyState, run.steps+1)
		run.ev = orbitEvents{TP1: math.NaN(), TCoal: math.NaN()}
		return nil
	}
	g1, g2 := run.gal[0], run.gal[1]
	run.bodies = newTwoBody(g1.pot, g2.pot, mc.CoulombLog)
	rp := mc.PericentreMinKpc + (mc.PericentreMaxKpc-mc.PericentreMinKpc)*rng.Float64()
	e := mc.EccentricityMin + (mc.EccentricityMax-mc.EccentricityMin)*rng.Float64()
	n := randomUnitVector(rng)
	psi := 2 * math.Pi * rng.Float64() // start direction within the orbital plane
	d := newBasis(n).toWorld(math.Cos(psi), math.Sin(psi), 0)
	nMax := int(math.Round(mc.MaxDurationGyr / run.h))
	// Coalescence: the separation stays below the coalescence radius for at
	// least hold steps (the remnant phase, and no less than coalescenceHoldGyr).
	hold := int(math.Ceil(math.Max(mc.PostCoalescenceGyr, coalescenceHoldGyr) / run.h))
	m1, m2 := run.bodies.M[0], run.bodies.M[1]
	rMin := 1.5 * mc.CoalescenceRadiusKpc
	sep := mc.InitialSeparationKpc
	for try := 0; try < orbitRetries; try++ {
		ra := math.Max(rp*(1+e)/(1-e), sep)
		r0 := math.Min(sep, ra)
		x, v := run.bodies.relativeOrbitIC(rp, ra, r0, n, d)
		var s bodyState
		s.X[0], s.X[1] = scale(x, -m2/(m1+m2)), scale(x, m1/(m1+m2))
		s.V[0], s.V[1] = scale(v, -m2/(m1+m2)), scale(v, m1/(m1+m2))
		// Integrate until the centres have stayed within the coalescence
		// radius for hold steps (or the maximum duration).
		below := 0
		orbit := run.bodies.integrateUntil(s, run.h, nMax, func(k int, s *bodyState) bool {
			if s.separation() < mc.CoalescenceRadiusKpc {
				below++
			} else {
				below = 0
			}
			return below > hold
		})
		ev := findEvents(orbit, run.tStart, run.h, mc.CoalescenceRadiusKpc)
		if below <= hold {
			ev.TCoal = math.NaN() // still apart, or not yet settled
		}
		switch {
		case math.IsNaN(ev.TP1) || math.IsNaN(ev.TCoal):
			// Too slow: a closer passage loses more energy.
			rp = math.Max(0.7*rp, rMin)
		case ev.TCoal-ev.TP1 < minApocentreGyr:
			// Coalesced on the first passage: pass further out.
			rp = math.Min(1.4*rp, 0.5*sep)
		case ev.TP1-run.tStart < minApproachGyr:
			// First passage too soon for a pre-merger stage: start further out.
			sep *= 1.5
		default:
			run.ev = ev
			run.steps = min(int(math.Round((ev.TCoal+mc.PostCoalescenceGyr-run.tStart)/run.h)), len(orbit)-1)
			run.orbit = orbit[:run.steps+1]
			return nil
		}
	}
	return fmt.Errorf("toy: galaxy %d: the orbit did not coalesce within simulate.merger.max_duration_gyr = %v Gyr after %d tries (raise it or coulomb_log)",
		spec.ID, mc.MaxDurationGyr, orbitRetries)
}

// births draws the particles formed during the run, of initial mass about
// mp M☉: continuing star formation in each disc (discHistory, at the
// galaxy's disc scale length at the start and in its plane) and, in mergers,
// the central starburst about the primary's centre (burst).
func (run *mergerRun) births(mp float64, rng *rand.Rand) []mergerParticle {
	tEnd := run.tEnd()
	var out []mergerParticle
	for gi, g := range run.gal {
		h := run.discHistory(gi)
		mtot := h.cum(tEnd)
		np := int(math.Round(mtot / mp))
		if np == 0 {
			continue
		}
		re := g.rdNow * expDiscHalfMass
		for _, tf := range sampleFormationTimes(h, 0, mtot, np, rng) {
			u1, u2, u3 := rng.Float64(), rng.Float64(), rng.Float64()
			gs := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			gz := rng.NormFloat64()
			R := g.rdNow * sampleExpDiscRadius(u1)
			phi := 2 * math.Pi * u2
			zz := mergerDiscThickness * g.rdNow * sampleSech2Height(u3)
			p := mergerParticle{tf: tf, birth: run.birthStep(tf), host: gi, comp: g.compDisc, mi: mtot / float64(np)}
			p.dx = g.spin.toWorld(R*math.Cos(phi), R*math.Sin(phi), zz)
			p.dv = discVelocity(g, p.dx, 0, gs)
			p.Z = metallicity(g.mstar, run.cos.RedshiftAtAge(tf), R-re, gz)
			out = append(out, p)
		}
	}
	if !run.merger {
		return out
	}
	g1, g2 := run.gal[0], run.gal[1]
	b := run.burst()
	mtot := b.cum(tEnd)
	np := int(math.Round(mtot / mp))
	if np == 0 {
		return out
	}
	a := burstHalfMassKpc / plummerHalfMassFactor
	mass := func(r float64) float64 { return g1.pot.mass(r) + g2.pot.mass(r) }
	jeans := newJeansTable(func(r float64) float64 { return plummerDensity(a, r) }, mass, 1e-3*a, 1e3*a, 256)
	for _, tf := range sampleFormationTimes(b, 0, mtot, np, rng) {
		u := rng.Float64()
		dir := randomUnitVector(rng)
		gs := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		gz := rng.NormFloat64()
		r := samplePlummerRadius(a, u)
		p := mergerParticle{tf: tf, birth: run.birthStep(tf), host: 0, comp: sims.CompBurst, mi: mtot / float64(np)}
		p.dx = scale(dir, r)
		p.dv = scale(gs, jeans.at(r))
		p.Z = metallicity(g1.mstar+g2.mstar, run.cos.RedshiftAtAge(tf), 0, gz)
		out = append(out, p)
	}
	return out
}

// birthStep returns the first step k with t_k = tStart + k·h ≥ tf (0 for
// stars formed before the run), so a particle enters the integration at its
// formation time rounded up to the step grid and is in every snapshot at
// t_k ≥ tf.
func (run *mergerRun) birthStep(tf float64) int {
	if tf <= run.tStart {
		return 0
	}
	k := int(math.Ceil((tf - run.tStart) / run.h))
	for k > 0 && run.tStart+float64(k-1)*run.h >= tf {
		k--
	}
	for run.tStart+float64(k)*run.h < tf {
		k++
	}
	if k > run.steps {
		k = run.steps
	}
	return k
}

// snapshotSteps returns the steps of the snapshots: n regularly spaced
// (first at the start, last at the end) and, in mergers, one more in the
// middle of each stage window that none of them falls in.
func (run *mergerRun) snapshotSteps() []int {
	n := run.cfg.NSnapshots
	if !run.merger {
		n = run.cfg.IsolatedSnapshots
	}
	seen := map[int]bool{}
	var ks []int
	addStep := func(k int) {
		k = min(max(k, 0), run.steps)
		if !seen[k] {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	if n == 1 {
		addStep(run.steps)
	}
	for j := 0; j < n && n > 1; j++ {
		addStep(int(math.Round(float64(j) * float64(run.steps) / float64(n-1))))
	}
	if run.merger {
		tEnd := run.tStart + float64(run.steps)*run.h
		ev := run.ev
		w := stageWindowGyr
		windows := []struct {
			st     sims.MergerStage
			lo, hi float64
		}{
			{sims.MergerPre, run.tStart, ev.TP1 - w},
			{sims.MergerFirstPassage, ev.TP1 - w, ev.TP1 + w},
			{sims.MergerApocentre, ev.TP1 + w, ev.TCoal - w},
			{sims.MergerCoalescence, ev.TCoal - w, ev.TCoal + w},
			{sims.MergerPost, ev.TCoal + w, tEnd},
		}
		for _, win := range windows {
			covered := false
			for _, k := range ks {
				if mergerStageAt(run.tStart+float64(k)*run.h, ev) == win.st {
					covered = true
					break
				}
			}
			if covered || !(win.hi > win.lo) {
				continue
			}
			k := int(math.Round((0.5*(win.lo+win.hi) - run.tStart) / run.h))
			if mergerStageAt(run.tStart+float64(k)*run.h, ev) == win.st {
				addStep(k)
			}
		}
	}
	sort.Ints(ks)
	return ks
}

// fillSnapshot fills g from the particles' state at step k (x, v: the
// particles born by then), centred on the primary's centre.
func (run *mergerRun) fillSnapshot(g *sims.Galaxy, ps []mergerParticle, x, v [][3]float64, k int) {
	t := g.TimeGyr
	n := len(x)
	allocStars(g, n)
	s := &g.Stars
	c := run.orbit[k].X[0]
	vc := run.orbit[k].V[0]
	g.CentreKpc = c
	g.BulkVelKms = scale(vc, 1/kmsToKpcGyr)
	for i := 0; i < n; i++ {
		p := &ps[i]
		age := t - p.tf
		s.PosKpc[i] = sub(x[i], c)
		s.VelKms[i] = scale(sub(v[i], vc), 1/kmsToKpcGyr)
		s.FormationTimeGyr[i] = p.tf
		s.AgeGyr[i] = age
		s.InitialMassMsun[i] = p.mi
		s.MassMsun[i] = p.mi * (1 - returnFraction(age))
		s.Metallicity[i] = p.Z
		s.Component[i] = p.comp
	}
	tr := &g.Truth
	mh := run.gal[0].mh
	if run.merger {
		if t >= run.ev.TCoal {
			mh += run.gal[1].mh
		}
		tr.MergerStage = mergerStageAt(t, run.ev)
		tr.MassRatio = run.massRatio
		tr.TToCoalescenceGyr = run.ev.TCoal - t
		tr.SeparationKpc = run.orbit[k].separation()
	}
	tr.MhaloMsun = mh
	tr.RvirKpc = run.cos.VirialRadiusKpc(mh, g.Redshift)
	sims.MeasureTruth(g)
}
