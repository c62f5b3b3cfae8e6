package toy

import (
	"math"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// TestHistoryInverses: every star-formation history's inverse inverts its
// cumulative mass, so stratified formation times carry the right mass.
func TestHistoryInverses(t *testing.T) {
	t.Parallel()
	tab := newTabulatedHistory(func(t float64) float64 { return 1e9 * t * t }, 0.5, 5, 1000)
	for _, tc := range []struct {
		name string
		h    massHistory
		mmax float64
	}{
		{"tabulated", tab, tab.cum(5)},
		{"modulated", tab.modulated(func(t float64) float64 { return 1 / t }), tab.modulated(func(t float64) float64 { return 1 / t }).cum(5)},
		{"burst", burstHistory{M: 3e9, TPeak: 2, Sigma: 0.1, Tau: 0.05}, 3e9},
		{"linear+decay", linearDecayHistory{SFR: 1e9, T0: 1, TQ: 2, Tau: 0.3}, linearDecayHistory{SFR: 1e9, T0: 1, TQ: 2, Tau: 0.3}.cum(4)},
		{"linear", linearDecayHistory{SFR: 1e9, T0: 1, TQ: math.Inf(1), Tau: math.Inf(1)}, 2e9},
	} {
		for _, f := range []float64{1e-4, 0.1, 0.5, 0.7, 0.9, 0.999} {
			m := f * tc.mmax
			if got := tc.h.cum(tc.h.inv(m)); math.Abs(got/m-1) > 1e-9 {
				t.Errorf("%s: cum(inv(%.4g)) = %.6g", tc.name, m, got)
			}
		}
	}
	// The burst: the fraction formed by the peak is σ√(π/2)/(σ√(π/2)+τ).
	b := burstHistory{M: 1, TPeak: 2, Sigma: 0.1, Tau: 0.05}
	want := 0.1 * math.Sqrt(math.Pi/2) / (0.1*math.Sqrt(math.Pi/2) + 0.05)
	if got := b.cum(2); math.Abs(got-want) > 1e-12 {
		t.Errorf("burst formed by its peak: %v, want %v", got, want)
	}
	// The modulated history: rate × 1/t integrates to ∫ 2·10⁹ dt.
	mod := tab.modulated(func(t float64) float64 { return 1 / t })
	if got, want := mod.cum(5)-mod.cum(1), 2e9*4.0; math.Abs(got/want-1) > 1e-3 {
		t.Errorf("modulated history formed %.4g, want %.4g", got, want)
	}
}

// TestStratifiedSampling: the initial mass of the particles formed by any
// time matches the history to within one particle mass.
func TestStratifiedSampling(t *testing.T) {
	t.Parallel()
	h := burstHistory{M: 1e10, TPeak: 3, Sigma: 0.2, Tau: 0.1}
	const n = 5000
	mp := h.M / n
	tf := sampleFormationTimes(h, 0, h.M, n, sims.NewRand(1))
	for _, tt := range []float64{2.5, 2.9, 3, 3.05, 3.2, 4} {
		k := 0
		for _, x := range tf {
			if x <= tt {
				k++
			}
		}
		if d := math.Abs(float64(k)*mp - h.cum(tt)); d > mp {
			t.Errorf("by %v Gyr: particles carry %.4g M☉, history %.4g M☉", tt, float64(k)*mp, h.cum(tt))
		}
	}
	for i := 1; i < n; i++ {
		if tf[i] < tf[i-1] {
			t.Fatalf("formation times not sorted at %d", i)
		}
	}
}

func TestParticleCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    []float64
		n    int
		want []int
	}{
		{[]float64{1, 1}, 3, []int{2, 1}},
		{[]float64{3, 1}, 4, []int{3, 1}},
		{[]float64{0.5, 0.3, 0.2}, 10, []int{5, 3, 2}},
		{[]float64{1, 0}, 5, []int{5, 0}},
	} {
		got := particleCounts(tc.m, tc.n)
		sum := 0
		for i := range got {
			sum += got[i]
			if got[i] != tc.want[i] {
				t.Errorf("particleCounts(%v, %d) = %v, want %v", tc.m, tc.n, got, tc.want)
				break
			}
		}
		if sum != tc.n {
			t.Errorf("counts %v do not sum to %d", got, tc.n)
		}
	}
}

// TestReturnFraction checks the Leitner & Kravtsov (2011) law: f(0) = 0,
// f = C0 ln(1 + t/λ) at a few ages, increasing, and below one.
func TestReturnFraction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ age, want float64 }{
		{0, 0}, {-1, 0}, {1e-3, 0.046 * math.Log(1+1e-3/2.76e-4)}, {0.1, 0.2715}, {1.5, 0.3959}, {10, 0.4829},
	} {
		if got := returnFraction(tc.age); math.Abs(got-tc.want) > 5e-4 {
			t.Errorf("f_ret(%v Gyr) = %.4f, want %.4f", tc.age, got, tc.want)
		}
	}
	prev := 0.0
	for a := 0.001; a < 14; a *= 1.5 {
		f := returnFraction(a)
		if !(f > prev && f < 1) {
			t.Errorf("f_ret(%v) = %v: not increasing in (0, 1)", a, f)
		}
		prev = f
	}
}

// TestScalingRelations pins the empirical relations to their published
// values.
func TestScalingRelations(t *testing.T) {
	t.Parallel()
	c := cosmo.Default()
	// Moster et al. (2013) at z = 0: M*/Mh peaks at 2N = 0.0702 near
	// M1 = 10^11.59, where the bracket is 2: M*/Mh = N = 0.0351.
	if got := stellarMassMoster13(math.Pow(10, 11.59), 0) / math.Pow(10, 11.59); math.Abs(got-0.0351) > 1e-6 {
		t.Errorf("Moster13 M*/Mh at M1, z=0: %v, want 0.0351", got)
	}
	if mh := haloMassForStellarMass(stellarMassMoster13(3e11, 2), 2); math.Abs(mh/3e11-1) > 1e-9 {
		t.Errorf("SHMR inverse: %v, want 3e11", mh)
	}
	// van der Wel et al. (2014) late types: log A = 0.86 at z = 0.25 and
	// 0.51 at z = 2.75 (Table 1) at M* = 5·10¹⁰.
	for _, tc := range []struct{ z, logA float64 }{{0.25, 0.86}, {1.25, 0.70}, {2.75, 0.51}} {
		if got := math.Log10(lateTypeReKpc(5e10, tc.z)); math.Abs(got-tc.logA) > 0.035 {
			t.Errorf("late-type log Re(5e10, z=%v) = %.3f, want %.2f", tc.z, got, tc.logA)
		}
	}
	// Ma et al. (2016): log Z*/Z☉ = 0.67 − 1.04 at 10¹⁰ M☉, z = 0.
	if got := logZMa16(1e10, 0); math.Abs(got-(0.67-1.04)) > 1e-12 {
		t.Errorf("Ma16 MZR at 1e10, z=0: %v", got)
	}
	if z := metallicity(1e10, 0, 3, 0); math.Abs(math.Log10(z/ZSolar)-(0.67-1.04-0.3)) > 1e-12 {
		t.Errorf("gradient: log Z/Z☉ at +3 kpc = %v, want −0.67", math.Log10(z/ZSolar))
	}
	// Fakhouri et al. (2010): α ≈ 0.70 for 10¹² M☉ with H0 = 70.
	if a := meanGrowthAlpha(c, 1e12); math.Abs(a-0.70) > 0.02 {
		t.Errorf("growth α(1e12) = %v, want ≈ 0.70", a)
	}
	// Dutton & Macciò (2014): c_vir ≈ 10.6 for 10¹² h⁻¹ M☉ at z = 0.
	if cv := concentrationDM14(1e12/0.7, 0, 0.7); math.Abs(cv-math.Pow(10, 1.025)) > 1e-9 {
		t.Errorf("c_vir = %v, want %v", cv, math.Pow(10, 1.025))
	}
}

// TestMergerMassConservation: the initial mass of a merger run's particles
// at its end equals the integrated star-formation histories (formed before
// the start, in both discs during the run, and in the burst) to within one
// particle mass per component (count rounding), and every particle is in the
// last snapshot exactly once.
func TestMergerMassConservation(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	c := DefaultConfig()
	for _, sp := range Plan(c)[c.NCompaction:] {
		merger := sp.Family == sims.FamilyMerger
		run, ps, err := newMergerRun(c, cosmo.Default(), testSeed, sp, merger)
		if err != nil {
			t.Fatal(err)
		}
		tEnd := run.tEnd()
		var want float64
		ncomp := 0
		for gi, g := range run.gal {
			want += g.history.cum(run.tStart) + run.discHistory(gi).cum(tEnd)
			ncomp += 2
		}
		if merger {
			want += run.burst().cum(tEnd)
			ncomp++
		}
		var got float64
		for _, p := range ps {
			got += p.mi
		}
		if math.Abs(got-want) > float64(ncomp)*run.mp {
			t.Errorf("%s %d: particles carry %.5g M☉, histories %.5g M☉ (particle mass %.3g)", sp.Family, sp.ID, got, want, run.mp)
		}
		last := gals[sp.ID][len(gals[sp.ID])-1]
		if last.Stars.Len() != len(ps) {
			t.Errorf("%s %d: last snapshot has %d particles, the run %d", sp.Family, sp.ID, last.Stars.Len(), len(ps))
			continue
		}
		var snapMass float64
		for i, m := range last.Stars.InitialMassMsun {
			snapMass += m
			if last.Stars.FormationTimeGyr[i] != ps[i].tf {
				t.Errorf("%s %d: particle %d formed at %v, planned %v", sp.Family, sp.ID, i, last.Stars.FormationTimeGyr[i], ps[i].tf)
				break
			}
		}
		if math.Abs(snapMass/got-1) > 1e-12 {
			t.Errorf("%s %d: last snapshot carries %.6g M☉ of initial mass, the run %.6g", sp.Family, sp.ID, snapMass, got)
		}
	}
}
