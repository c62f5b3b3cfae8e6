package toy

import (
	"fmt"
	"math"
	"sort"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// This file builds the compaction (VELA-like) family: a galaxy growing from
// z_start to z_end whose star-formation history follows its halo along the
// stellar-to-halo mass relation, with an extended clumpy star-forming disc,
// a wet-compaction event at t_c (a compact central starburst, the "blue
// nugget", and the contraction of the stars already there), then inside-out
// quenching of the centre (the nugget ages into a red nugget) while star
// formation continues in an outer disc or ring (Dekel & Burkert 2014;
// Zolotov et al. 2015; Tacchella et al. 2016).
//
// The whole star-particle population up to z_end is drawn once; a snapshot
// at time t holds the particles formed by t, so a particle keeps its
// formation time, birth radius, metallicity and identity through every later
// snapshot, and only its age, mass, orbital phase, the contraction and the
// vertical heating change.

// Structural constants of the compaction family.
const (
	// discThicknessRatio is z0/R_d of the sech²(z/z0) vertical profile
	// (exponential scale height ≈ z0/2 ≈ 0.2 R_d: thick high-redshift discs,
	// Elmegreen & Elmegreen 2006, ApJ 650, 644).
	discThicknessRatio = 0.4
	// heatingTimeGyr sets vertical heating: heights grow as sqrt(1 + age/τ).
	heatingTimeGyr = 2.0
	// discSigmaYoung is σ/v_c of newborn disc stars (v/σ ≈ 5, Förster
	// Schreiber et al. 2009, ApJ 706, 1364); it grows as sqrt(1 + age/1 Gyr)
	// up to discSigmaMax.
	discSigmaYoung, discSigmaMax = 0.2, 0.6
	// clumpBinGyr is the time bin of clump formation: every bin has
	// clumpsPerBin giant clumps at positions drawn from the disc.
	clumpBinGyr  = 0.1
	clumpsPerBin = 4
	// clumpHalfMassKpc is the 3D half-mass radius of a clump (a Plummer
	// sphere; VELA clumps are a few hundred pc, Mandelker et al. 2014, MNRAS
	// 443, 3675).
	clumpHalfMassKpc = 0.2
	// clumpLifeGyr is how long a clump's stars stay bound together before
	// they shear out with the disc's differential rotation (Mandelker et al.
	// 2017, MNRAS 464, 635: clump lifetimes of ~100–200 Myr).
	clumpLifeGyr = 0.15
	// quenchSpeedKpcGyr is the speed in kpc/Gyr at which the quenched
	// central region grows after t_c (inside-out quenching, Tacchella et al.
	// 2016, MNRAS 458, 242); it starts at twice the nugget radius.
	quenchSpeedKpcGyr = 1.5
	// sizeScatterDex is the per-galaxy scatter in dex about the mass–size
	// relation (van der Wel et al. 2014 measure 0.16–0.19 dex for late types).
	sizeScatterDex = 0.15
	// growthScatterDex is the per-galaxy scatter in dex of the halo growth
	// rate α.
	growthScatterDex = 0.1
	// minSnapshotStars: snapshots before the last with fewer particles are
	// skipped (the first steps at z ≈ 7 may hold almost none).
	minSnapshotStars = 20
	// nuggetMaxReRatio caps the nugget's half-mass radius at this fraction of
	// the disc's effective radius at t_c.
	nuggetMaxReRatio = 0.3
	// historyPoints is the number of grid points of tabulated histories.
	historyPoints = 4096
)

// compactionModel is one compaction galaxy's history.
type compactionModel struct {
	cos                      cosmo.FlatLCDM
	cfg                      CompactionConfig
	tFirst, tStart, tEnd, dt float64
	nSteps                   int // the grid is tStart + k·dt, k = 0..nSteps
	halo                     haloGrowth
	sizeDex                  float64
	spin                     basis
	smooth                   *tabulatedHistory // SHMR-driven formed mass
	burst                    burstHistory      // the blue nugget
	total                    *tabulatedHistory // smooth + burst
	tc, window               float64
	nuggetR, nuggetA         float64 // half-mass radius and Plummer scale of the nugget, kpc
	seed                     uint64
	id                       int64
}

// newCompactionModel draws the galaxy-level properties (halo mass and
// growth, size offset, orientation, t_c) of galaxy spec.
func newCompactionModel(c Config, cos cosmo.FlatLCDM, seed uint64, spec Spec) (*compactionModel, error) {
	cc := c.Compaction
	m := &compactionModel{cos: cos, cfg: cc, seed: seed, id: spec.ID}
	m.tFirst = cos.AgeGyr(zFirstStars)
	m.tStart = cos.AgeGyr(cc.ZStart)
	m.tEnd = cos.AgeGyr(cc.ZEnd)
	m.nSteps = int(math.Round((m.tEnd - m.tStart) / cc.DtGyr))
	if m.nSteps < 1 {
		return nil, fmt.Errorf("toy: galaxy %d: simulate.compaction.dt_gyr = %v is longer than the run (%.3g Gyr from z_start to z_end)",
			spec.ID, cc.DtGyr, m.tEnd-m.tStart)
	}
	m.dt = (m.tEnd - m.tStart) / float64(m.nSteps)

	rng := sims.NewRand(seed, uint64(spec.ID), streamGalaxy)
	logMh := cc.LogMhaloMin + (cc.LogMhaloMax-cc.LogMhaloMin)*rng.Float64()
	mh := math.Pow(10, logMh)
	m.halo = haloGrowth{MRef: mh, ZRef: cc.ZEnd,
		Alpha: meanGrowthAlpha(cos, mh) * math.Pow(10, growthScatterDex*rng.NormFloat64())}
	m.sizeDex = sizeScatterDex * rng.NormFloat64()
	m.spin = newBasis(randomUnitVector(rng))
	dexC := cc.CompactionScatterDex * rng.NormFloat64()

	// Formed mass of the smooth component: the SHMR stellar mass along the
	// halo's growth divided by (1 − f_ret) so that the current mass tracks
	// the relation.
	shmr := newTabulatedHistory(func(t float64) float64 {
		z := cos.RedshiftAtAge(t)
		return stellarMassMoster13(m.halo.massAt(z), z) / (1 - returnFractionTypical)
	}, m.tFirst, m.tEnd, historyPoints)

	// t_c: when the (current) stellar mass reaches 10^(log_mstar_compaction
	// ± scatter), or half the final mass for galaxies that never get there;
	// kept far enough from the ends for the run to sample every phase, and
	// placed on the time grid (a shift of at most dt/2).
	target := math.Pow(10, cc.LogMstarCompaction+dexC) / (1 - returnFractionTypical)
	if half := 0.5 * shmr.cum(m.tEnd); target > half {
		target = half
	}
	tc := shmr.inv(target)
	w := m.windowAt(tc)
	lo, hi := m.tStart+w/2+2*m.dt, m.tEnd-w/2-2*m.dt
	if lo > hi {
		tc = 0.5 * (m.tStart + m.tEnd)
	} else {
		tc = math.Min(math.Max(tc, lo), hi)
	}
	k := math.Round((tc - m.tStart) / m.dt)
	m.tc = m.tStart + k*m.dt
	m.window = m.windowAt(m.tc)

	// After the event the disc forms stars at post_sfr_fraction of the
	// SHMR-driven rate, the drop spread over the quarter window after t_c.
	m.smooth = shmr.modulated(func(t float64) float64 {
		return 1 - (1-cc.PostSFRFraction)*smoothStep((t-m.tc-m.window/8)/(m.window/8))
	})

	// The nugget: a burst rising over the first half of the window, peaking
	// at t_c and fading over the second half.
	m.burst = burstHistory{M: cc.NuggetMassFraction * m.smooth.cum(m.tc), TPeak: m.tc,
		Sigma: m.window / 4, Tau: m.window / 8}
	m.total = newTabulatedHistory(func(t float64) float64 { return m.smooth.cum(t) + m.burst.cum(t) },
		m.tFirst, m.tEnd, historyPoints)
	// The nugget's half-mass radius: nugget_radius_kpc, but no more than
	// nuggetMaxReRatio of the disc's R_e at t_c, so that it is compact
	// relative to small high-redshift discs too.
	m.nuggetR = math.Min(cc.NuggetRadiusKpc, nuggetMaxReRatio*m.discScale(m.tc)*expDiscHalfMass)
	m.nuggetA = m.nuggetR / plummerHalfMassFactor
	return m, nil
}

// windowAt returns the compaction window 0.15 t_H(t) in Gyr (Huertas-Company
// et al. 2018).
func (m *compactionModel) windowAt(t float64) float64 {
	return 0.15 * m.cos.HubbleTimeAtGyr(m.cos.RedshiftAtAge(t))
}

// burstRate returns the nugget's star-formation rate in M☉/Gyr at t.
func (m *compactionModel) burstRate(t float64) float64 {
	b := m.burst
	if b.M == 0 {
		return 0
	}
	wg, we := b.weights()
	if t <= b.TPeak {
		x := (t - b.TPeak) / b.Sigma
		return b.M / (wg + we) * math.Exp(-0.5*x*x)
	}
	return b.M / (wg + we) * math.Exp(-(t-b.TPeak)/b.Tau)
}

// mstar returns the approximate current stellar mass in M☉ at t (formed
// mass × (1 − typical return fraction)), used by the scaling relations.
func (m *compactionModel) mstar(t float64) float64 {
	return math.Max((1-returnFractionTypical)*m.total.cum(t), 1e5)
}

// discScale returns the exponential scale length R_d in kpc of the disc at
// t: the late-type mass–size relation with the galaxy's offset, R_d = R_e/1.678.
func (m *compactionModel) discScale(t float64) float64 {
	z := m.cos.RedshiftAtAge(t)
	return lateTypeReKpc(m.mstar(t), z) * math.Pow(10, m.sizeDex) / expDiscHalfMass
}

// zeta returns the contraction factor of pre-existing radii at t: 1 before
// the compaction window, falling smoothly to cfg.Contraction over its first
// half (the gas inflow that feeds the nugget deepens the potential) and
// staying there: the stars present at t_c stay compact.
func (m *compactionModel) zeta(t float64) float64 {
	return 1 - (1-m.cfg.Contraction)*smoothStep((t-m.tc+m.window/4)/(m.window/4))
}

// smoothStep is 0 below −1, 1 above 1 and a cubic in between.
func smoothStep(x float64) float64 {
	x = math.Min(math.Max((x+1)/2, 0), 1)
	return x * x * (3 - 2*x)
}

// quenchRadius returns the radius in kpc inside which no disc stars form at
// t (0 before t_c).
func (m *compactionModel) quenchRadius(t float64) float64 {
	if t <= m.tc {
		return 0
	}
	return 2*m.nuggetR + quenchSpeedKpcGyr*(t-m.tc)
}

// compParticle is one star particle of a compaction galaxy, as drawn at
// birth.
type compParticle struct {
	tf   float64 // formation time, Gyr
	comp uint8
	// Disc and clump stars: birth cylindrical radius, azimuth and height in
	// the disc frame (kpc, rad, kpc); clump stars also their clump's radius.
	rb, phib, zb, rClump float64
	// Nugget stars: position in kpc (world frame).
	pos [3]float64
	g   [3]float64 // unit Gaussian velocity deviates
	Z   float64    // metallicity
}

// population draws every particle formed by z_end, sorted by formation time.
func (m *compactionModel) population(n int) ([]compParticle, float64) {
	rng := sims.NewRand(m.seed, uint64(m.id), streamParticles)
	mTot := m.total.cum(m.tEnd)
	mp := mTot / float64(n)
	tfs := sampleFormationTimes(m.total, 0, mTot, n, rng)
	preEnd := m.tc - m.window/2
	clumps := map[int][2]float64{} // clump index → (R, φ) at birth; a cache only
	clumpAt := func(bin, j int) [2]float64 {
		key := bin*clumpsPerBin + j
		if c, ok := clumps[key]; ok {
			return c
		}
		r := sims.NewRand(m.seed, uint64(m.id), streamClumps, uint64(bin), uint64(j))
		tb := m.tFirst + (float64(bin)+0.5)*clumpBinGyr
		c := [2]float64{m.discScale(tb) * sampleExpDiscRadius(r.Float64()), 2 * math.Pi * r.Float64()}
		clumps[key] = c
		return c
	}
	aClump := clumpHalfMassKpc / plummerHalfMassFactor
	ps := make([]compParticle, n)
	for i, tf := range tfs {
		p := &ps[i]
		p.tf = tf
		// A fixed number of draws per particle keeps the stream aligned.
		uc, u1, u2, u3, u4 := rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()
		dir := randomUnitVector(rng)
		p.g = [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		gz := rng.NormFloat64()
		z := m.cos.RedshiftAtAge(tf)
		rd := m.discScale(tf)
		re := rd * expDiscHalfMass
		rs, rb := m.smooth.rate(tf), m.burstRate(tf)
		switch {
		case rb > 0 && uc*(rs+rb) < rb:
			p.comp = sims.CompNugget
			r := samplePlummerRadius(m.nuggetA, u1)
			p.pos = scale(dir, r)
			p.Z = metallicity(m.mstar(tf), z, r-re, gz)
		case tf < preEnd && u4 < m.cfg.ClumpFraction:
			p.comp = sims.CompClump
			bin := int((tf - m.tFirst) / clumpBinGyr)
			c := clumpAt(bin, int(u1*clumpsPerBin))
			off := scale(dir, samplePlummerRadius(aClump, u2))
			x := c[0]*math.Cos(c[1]) + off[0]
			y := c[0]*math.Sin(c[1]) + off[1]
			p.rb, p.phib, p.zb, p.rClump = math.Hypot(x, y), math.Atan2(y, x), off[2], c[0]
			p.Z = metallicity(m.mstar(tf), z, p.rb-re, gz)
		default:
			p.comp = sims.CompDisc
			u := u1
			if rq := m.quenchRadius(tf); rq > 0 {
				f := expDiscMassFraction(rq / rd)
				u = f + u*(1-f)
			}
			p.rb = rd * sampleExpDiscRadius(u)
			p.phib = 2 * math.Pi * u2
			p.zb = discThicknessRatio * rd * sampleSech2Height(u3)
			p.Z = metallicity(m.mstar(tf), z, p.rb-re, gz)
		}
	}
	return ps, mp
}

// massProfile is the spherically averaged enclosed mass of a snapshot: its
// star particles plus the NFW dark halo.
type massProfile struct {
	r, cum      []float64 // sorted particle radii and the mass within each
	mh, rvir, c float64
}

func newMassProfile(r, mass []float64, mh, rvir, c float64) *massProfile {
	idx := make([]int, len(r))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return r[idx[a]] < r[idx[b]] })
	p := &massProfile{r: make([]float64, len(r)), cum: make([]float64, len(r)), mh: mh, rvir: rvir, c: c}
	var acc float64
	for k, i := range idx {
		acc += mass[i]
		p.r[k], p.cum[k] = r[i], acc
	}
	return p
}

// mass returns the mass in M☉ within r kpc.
func (p *massProfile) mass(r float64) float64 {
	var ms float64
	if k := sort.SearchFloat64s(p.r, r); k > 0 {
		ms = p.cum[k-1]
	}
	return ms + p.mh*nfwMassFraction(p.c, r/p.rvir)
}

// vcirc returns the circular speed in kpc/Gyr at r kpc.
func (p *massProfile) vcirc(r float64) float64 {
	if r <= 0 {
		return 0
	}
	return math.Sqrt(gravity * p.mass(r) / r)
}

// simulateCompaction returns the snapshots of one compaction galaxy.
func simulateCompaction(c Config, cos cosmo.FlatLCDM, seed uint64, spec Spec) ([]*sims.Galaxy, error) {
	m, err := newCompactionModel(c, cos, seed, spec)
	if err != nil {
		return nil, err
	}
	ps, mp := m.population(c.NParticles)
	tfs := make([]float64, len(ps))
	for i := range ps {
		tfs[i] = ps[i].tf
	}
	var out []*sims.Galaxy
	for _, k := range m.snapshotSteps() {
		t := m.tStart + float64(k)*m.dt
		if k == m.nSteps {
			t = m.tEnd
		}
		// Particles are sorted by formation time: those formed by t are a prefix.
		n := sort.Search(len(tfs), func(i int) bool { return tfs[i] > t })
		if n < minSnapshotStars && k != m.nSteps {
			continue
		}
		g := newSnapshot(cos, spec, len(out), t, seed)
		m.fillSnapshot(g, ps[:n], mp)
		out = append(out, g)
	}
	return out, nil
}

// snapshotSteps returns the grid steps kept as snapshots.
func (m *compactionModel) snapshotSteps() []int {
	var ks []int
	for k := 0; k <= m.nSteps; k++ {
		t := m.tStart + float64(k)*m.dt
		keep := (m.nSteps-k)%m.cfg.SnapshotStride == 0
		if m.cfg.KeepCompactionWindow && math.Abs(t-m.tc) <= m.window/2+m.dt*(1+1e-9) {
			keep = true
		}
		if keep {
			ks = append(ks, k)
		}
	}
	return ks
}

// fillSnapshot places the particles ps (all formed by g.TimeGyr) and fills
// the truth.
func (m *compactionModel) fillSnapshot(g *sims.Galaxy, ps []compParticle, mp float64) {
	t := g.TimeGyr
	z := g.Redshift
	n := len(ps)
	allocStars(g, n)
	s := &g.Stars
	zt := m.zeta(t)

	// Radii first: they do not depend on the orbital phase, and they fix the
	// enclosed mass and so the rotation.
	R := make([]float64, n)
	Z := make([]float64, n)
	rs := make([]float64, n)
	for i := range ps {
		p := &ps[i]
		age := t - p.tf
		s.FormationTimeGyr[i] = p.tf
		s.AgeGyr[i] = age
		s.InitialMassMsun[i] = mp
		s.MassMsun[i] = mp * (1 - returnFraction(age))
		s.Metallicity[i] = p.Z
		s.Component[i] = p.comp
		if p.comp == sims.CompNugget {
			rs[i] = norm(p.pos)
			continue
		}
		f := zt / m.zeta(p.tf)
		R[i] = p.rb * f
		Z[i] = p.zb * f * math.Sqrt(1+age/heatingTimeGyr)
		rs[i] = math.Hypot(R[i], Z[i])
	}
	mh := m.halo.massAt(z)
	rvir := m.cos.VirialRadiusKpc(mh, z)
	prof := newMassProfile(rs, s.MassMsun, mh, rvir, concentrationDM14(mh, z, m.cos.H0/100))
	omega := func(r float64) float64 {
		if r <= 0 {
			return 0
		}
		return prof.vcirc(r) / r
	}
	aN := m.nuggetA
	jeans := newJeansTable(func(r float64) float64 { return plummerDensity(aN, r) }, prof.mass,
		1e-3*aN, 1e3*aN, 256)

	for i := range ps {
		p := &ps[i]
		age := s.AgeGyr[i]
		var pos, vel [3]float64
		switch p.comp {
		case sims.CompNugget:
			pos = p.pos
			vel = scale(p.g, jeans.at(rs[i]))
		default:
			phi := p.phib + omega(R[i])*age
			if p.comp == sims.CompClump {
				// Bound to the clump (rotating with its centre) for the
				// clump's lifetime, then sheared with the disc.
				bound := math.Min(age, clumpLifeGyr)
				rc := p.rClump * zt / m.zeta(p.tf)
				phi = p.phib + omega(rc)*bound + omega(R[i])*(age-bound)
			}
			cp, sp := math.Cos(phi), math.Sin(phi)
			pos = m.spin.toWorld(R[i]*cp, R[i]*sp, Z[i])
			vc := prof.vcirc(R[i])
			sig := vc * math.Min(discSigmaYoung*math.Sqrt(1+age), discSigmaMax)
			vel = m.spin.toWorld(-vc*sp+sig*p.g[0], vc*cp+sig*p.g[1], sig*p.g[2])
		}
		s.PosKpc[i] = pos
		s.VelKms[i] = scale(vel, 1/kmsToKpcGyr)
	}

	tr := &g.Truth
	tr.MhaloMsun = mh
	tr.RvirKpc = rvir
	tr.TCompactionGyr = m.tc
	tr.Phase = sims.PhaseAt(t, m.tc, m.window)
	sims.MeasureTruth(g)
}
