package toy

import (
	"math"
	"sort"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// TestCompactionTrend: for every default compaction galaxy, the 3D
// half-mass radius drops through compaction: the median Re3D of the
// snapshots in the compaction window is below 0.8 × that of the last
// snapshot before the window. (The default model shrinks it by ≈ 30–45 %:
// the nugget adds ~0.6 of the mass formed so far inside 0.3 kpc and the
// older stars contract by 0.7; 0.8 leaves room for galaxy-to-galaxy
// differences while failing if either mechanism is lost.)
func TestCompactionTrend(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	cos := cosmo.Default()
	for _, sp := range Plan(DefaultConfig()) {
		if sp.Family != sims.FamilyCompaction {
			continue
		}
		gs := gals[sp.ID]
		var before float64
		var in []float64
		for _, g := range gs {
			tr := g.Truth
			w := 0.15 * cos.HubbleTimeAtGyr(cos.RedshiftAtAge(tr.TCompactionGyr))
			if want := sims.PhaseAt(g.TimeGyr, tr.TCompactionGyr, w); tr.Phase != want {
				t.Errorf("galaxy %d at %v Gyr: phase %s, want %s", sp.ID, g.TimeGyr, tr.Phase, want)
			}
			switch tr.Phase {
			case sims.PhasePre:
				before = tr.Re3DKpc
			case sims.PhaseCompaction:
				in = append(in, tr.Re3DKpc)
			}
		}
		if before == 0 || len(in) == 0 {
			t.Errorf("galaxy %d: no snapshot before (%v) or in (%d) the compaction window", sp.ID, before, len(in))
			continue
		}
		sort.Float64s(in)
		med := in[len(in)/2]
		if len(in)%2 == 0 {
			med = 0.5 * (in[len(in)/2-1] + in[len(in)/2])
		}
		t.Logf("galaxy %d: t_c = %.2f Gyr (z = %.2f); Re3D %.3f kpc before, median %.3f kpc in the window %v",
			sp.ID, gs[0].Truth.TCompactionGyr, cos.RedshiftAtAge(gs[0].Truth.TCompactionGyr), before, med, in)
		if !(med < 0.8*before) {
			t.Errorf("galaxy %d: median Re3D in the compaction window %.3f kpc is not below 0.8 × %.3f kpc before it", sp.ID, med, before)
		}
	}
}

// TestCompactionStructure checks the components: the blue nugget is compact
// and young at t_c, and after the event the centre is quenched.
func TestCompactionStructure(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	c := DefaultConfig()
	for _, sp := range Plan(c) {
		if sp.Family != sims.FamilyCompaction {
			continue
		}
		gs := gals[sp.ID]
		for _, g := range gs {
			s := &g.Stars
			var rn []float64
			var youngCentral int
			for i := 0; i < s.Len(); i++ {
				r := norm(s.PosKpc[i])
				if s.Component[i] == sims.CompNugget {
					rn = append(rn, r)
				}
				if r < 0.5 && s.AgeGyr[i] < sims.SFRWindowGyr {
					youngCentral++
				}
			}
			switch {
			case g.TimeGyr == g.Truth.TCompactionGyr:
				// The nugget's particles are a Plummer sphere with
				// r_half = nugget_radius_kpc; with ≳ 1000 of them the sample
				// median is within ~5 % of it, so 20 % is generous.
				sort.Float64s(rn)
				if len(rn) < 500 {
					t.Errorf("galaxy %d at t_c: only %d nugget particles", sp.ID, len(rn))
					continue
				}
				med := rn[len(rn)/2]
				want := c.Compaction.NuggetRadiusKpc
				if m, err := newCompactionModel(c, cosmo.Default(), testSeed, sp); err != nil {
					t.Fatal(err)
				} else if want = m.nuggetR; !(want <= c.Compaction.NuggetRadiusKpc && want > 0.05) {
					t.Errorf("galaxy %d: nugget radius %v kpc, want ≤ nugget_radius_kpc", sp.ID, want)
				}
				if math.Abs(med/want-1) > 0.2 {
					t.Errorf("galaxy %d at t_c: nugget half-number radius %.3f kpc, want %.3f", sp.ID, med, want)
				}
				if youngCentral < 100 {
					t.Errorf("galaxy %d at t_c: only %d young stars within 0.5 kpc", sp.ID, youngCentral)
				}
			case g == gs[len(gs)-1]:
				// Inside-out quenching: no star younger than 100 Myr
				// inside 0.5 kpc at the end (the quenched radius has grown
				// beyond it: 2 r_nugget + 1.5 kpc/Gyr × (t − t_c)).
				if youngCentral != 0 {
					t.Errorf("galaxy %d at the end: %d young stars within 0.5 kpc of a quenched centre", sp.ID, youngCentral)
				}
			}
		}
	}
}

// TestCompactionMassConservation: at every snapshot the initial mass of the
// particles equals the galaxy's integrated star-formation history (smooth +
// burst) to within one particle mass (stratified sampling), and each
// component's particles carry its own history's mass to within a few
// particle masses (components are assigned by their share of the rate).
func TestCompactionMassConservation(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.NParticles = 20000
	cos := cosmo.Default()
	for _, sp := range Plan(c)[:c.NCompaction] {
		m, err := newCompactionModel(c, cos, testSeed, sp)
		if err != nil {
			t.Fatal(err)
		}
		ps, mp := m.population(c.NParticles)
		for _, k := range []int{m.nSteps / 4, m.nSteps / 2, 3 * m.nSteps / 4, m.nSteps} {
			tk := m.tStart + float64(k)*m.dt
			var mi, mNug float64
			for _, p := range ps {
				if p.tf <= tk {
					mi += mp
					if p.comp == sims.CompNugget {
						mNug += mp
					}
				}
			}
			if want := m.total.cum(tk); math.Abs(mi-want) > mp*(1+1e-9) {
				t.Errorf("galaxy %d at %.2f Gyr: particles carry %.6g M☉ formed, history %.6g M☉ (particle mass %.3g)", sp.ID, tk, mi, want, mp)
			}
			// Binomial scatter of the component assignment: √N particles.
			if want := m.burst.cum(tk); math.Abs(mNug-want) > mp*(5*math.Sqrt(want/mp)+1) {
				t.Errorf("galaxy %d at %.2f Gyr: nugget particles carry %.4g M☉, burst history %.4g M☉", sp.ID, tk, mNug, want)
			}
		}
		if math.Abs(mp*float64(len(ps))/m.total.cum(m.tEnd)-1) > 1e-12 {
			t.Errorf("galaxy %d: %d particles × %.4g M☉ ≠ %.6g M☉ formed", sp.ID, len(ps), mp, m.total.cum(m.tEnd))
		}
	}
}

// TestCompactionTimeAndStride: t_c lies on the time grid inside the run with
// room for every phase, and the stride keeps the last step.
func TestCompactionTimeAndStride(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	cos := cosmo.Default()
	for _, sp := range Plan(c)[:c.NCompaction] {
		m, err := newCompactionModel(c, cos, testSeed, sp)
		if err != nil {
			t.Fatal(err)
		}
		k := (m.tc - m.tStart) / m.dt
		if math.Abs(k-math.Round(k)) > 1e-9 {
			t.Errorf("galaxy %d: t_c = %v is not on the grid", sp.ID, m.tc)
		}
		if !(m.tc-m.window/2 > m.tStart && m.tc+m.window/2 < m.tEnd) {
			t.Errorf("galaxy %d: the window %v ± %v is not inside the run [%v, %v]", sp.ID, m.tc, m.window/2, m.tStart, m.tEnd)
		}
		if got := m.windowAt(m.tc); got != 0.15*cos.HubbleTimeAtGyr(cos.RedshiftAtAge(m.tc)) {
			t.Errorf("window %v is not 0.15 t_H(t_c)", got)
		}
		ks := m.snapshotSteps()
		if ks[len(ks)-1] != m.nSteps {
			t.Errorf("galaxy %d: last snapshot step %d, want the last step %d", sp.ID, ks[len(ks)-1], m.nSteps)
		}
		for _, kk := range ks {
			onStride := (m.nSteps-kk)%c.Compaction.SnapshotStride == 0
			inWindow := math.Abs(m.tStart+float64(kk)*m.dt-m.tc) <= m.window/2+m.dt*(1+1e-9)
			if !onStride && !inWindow {
				t.Errorf("galaxy %d: step %d is neither on the stride nor near the window", sp.ID, kk)
			}
		}
	}
}
