package toy

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/simstest"
)

const testSeed = 42

// defaultRun is the default plan simulated once (concurrently, one worker
// per CPU, which also exercises Simulate's concurrency safety) and shared by
// the tests.
var defaultRun = sync.OnceValues(func() (map[int64][]*sims.Galaxy, error) {
	c := DefaultConfig()
	plan := Plan(c)
	out := make([][]*sims.Galaxy, len(plan))
	errs := make([]error, len(plan))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = Simulate(c, cosmo.Default(), testSeed, plan[i])
			}
		}()
	}
	// Mergers first: they take longest.
	for i := range plan {
		if plan[i].Family == sims.FamilyMerger {
			next <- i
		}
	}
	for i := range plan {
		if plan[i].Family != sims.FamilyMerger {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	m := map[int64][]*sims.Galaxy{}
	for i, sp := range plan {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s %d: %w", sp.Family, sp.ID, errs[i])
		}
		m[sp.ID] = out[i]
	}
	return m, nil
})

func defaultGalaxies(t testing.TB) map[int64][]*sims.Galaxy {
	t.Helper()
	m, err := defaultRun()
	if err != nil {
		t.Fatalf("simulating the default plan: %v", err)
	}
	return m
}

// galaxyHash hashes every number of a galaxy's snapshots bit for bit (NaNs
// included, which reflect.DeepEqual would not compare as equal).
func galaxyHash(gs []*sims.Galaxy) uint64 {
	h := fnv.New64a()
	var b [8]byte
	f := func(x float64) {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	for _, g := range gs {
		s := &g.Stars
		for i := 0; i < s.Len(); i++ {
			for k := 0; k < 3; k++ {
				f(s.PosKpc[i][k])
				f(s.VelKms[i][k])
			}
			f(s.MassMsun[i])
			f(s.InitialMassMsun[i])
			f(s.FormationTimeGyr[i])
			f(s.AgeGyr[i])
			f(s.Metallicity[i])
			h.Write([]byte{s.Component[i]})
		}
		for _, x := range []float64{g.TimeGyr, g.Redshift, g.ScaleFactor, g.CentreKpc[0], g.CentreKpc[1], g.CentreKpc[2]} {
			f(x)
		}
		fmt.Fprintf(h, "%+v", g.Truth) // %v prints NaN and exact (shortest round-trip) floats
	}
	return h.Sum64()
}

func TestPlan(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	plan := Plan(c)
	if got, want := len(plan), c.NCompaction+c.NMerger+c.NIsolated; got != want {
		t.Fatalf("Plan has %d galaxies, want %d", got, want)
	}
	seen := map[int64]bool{}
	for i, sp := range plan {
		if seen[sp.ID] {
			t.Errorf("duplicate ID %d", sp.ID)
		}
		seen[sp.ID] = true
		var base int64
		switch sp.Family {
		case sims.FamilyCompaction:
			base = idBaseCompaction
		case sims.FamilyMerger:
			base = idBaseMerger
		case sims.FamilyIsolated:
			base = idBaseIsolated
		default:
			t.Errorf("plan[%d]: family %q", i, sp.Family)
		}
		if sp.ID != base+int64(sp.Index) {
			t.Errorf("plan[%d] = %+v: ID is not the family base + index", i, sp)
		}
	}
	// IDs of one family do not move when another family grows.
	c2 := c
	c2.NCompaction += 3
	plan2 := Plan(c2)
	for _, sp := range plan {
		found := false
		for _, sp2 := range plan2 {
			if sp2 == sp {
				found = true
			}
		}
		if !found {
			t.Errorf("%+v missing from the plan with more compaction galaxies", sp)
		}
	}
}

// TestDefaultPlanCheckGalaxy runs the simstest invariants and the toy's own
// contract on every snapshot of the default plan.
func TestDefaultPlanCheckGalaxy(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	c := DefaultConfig()
	cos := cosmo.Default()
	for _, sp := range Plan(c) {
		gs := gals[sp.ID]
		if len(gs) < 2 {
			t.Errorf("%s %d: %d snapshots, want several", sp.Family, sp.ID, len(gs))
			continue
		}
		last := gs[len(gs)-1]
		// n_particles is the count at the last snapshot, to within rounding
		// of the per-component counts.
		if n := last.Stars.Len(); math.Abs(float64(n-c.NParticles)) > 0.01*float64(c.NParticles) {
			t.Errorf("%s %d: %d particles at the last snapshot, want ≈ %d", sp.Family, sp.ID, n, c.NParticles)
		}
		for k, g := range gs {
			name := fmt.Sprintf("%s/%d/snap%d", sp.Family, sp.ID, k)
			t.Run(name, func(t *testing.T) {
				simstest.CheckGalaxy(t, g)
				tr := g.Truth
				if tr.GalaxyID != sp.ID || tr.Family != sp.Family || tr.Snapshot != k {
					t.Errorf("truth identifies %d/%s/%d, want %d/%s/%d", tr.GalaxyID, tr.Family, tr.Snapshot, sp.ID, sp.Family, k)
				}
				if k > 0 && !(g.TimeGyr > gs[k-1].TimeGyr) {
					t.Errorf("time %v not after the previous snapshot's %v", g.TimeGyr, gs[k-1].TimeGyr)
				}
				if math.Abs(cos.AgeGyr(g.Redshift)-g.TimeGyr) > 1e-9 {
					t.Errorf("redshift %v is not at time %v Gyr", g.Redshift, g.TimeGyr)
				}
				if g.HubbleParam != 0.7 || g.OmegaM != 0.3 {
					t.Errorf("h = %v, Ωm = %v; want the cosmology's 0.7, 0.3", g.HubbleParam, g.OmegaM)
				}
				if !(tr.MhaloMsun > 1e9) || math.Abs(tr.RvirKpc-cos.VirialRadiusKpc(tr.MhaloMsun, g.Redshift)) > 1e-9*tr.RvirKpc {
					t.Errorf("Mhalo = %v, Rvir = %v: not a virial pair", tr.MhaloMsun, tr.RvirKpc)
				}
				if tr.Aperture != "0.1Rvir" || !(tr.Re3DKpc > 0 && tr.Re3DKpc < tr.ApertureKpc) || !(tr.MstarMsun > 0) {
					t.Errorf("aperture %q, Re3D = %v kpc, M* = %v: want measured within 0.1 Rvir", tr.Aperture, tr.Re3DKpc, tr.MstarMsun)
				}
				if len(g.Stars.VelKms) != g.Stars.Len() || len(g.Stars.Component) != g.Stars.Len() {
					t.Errorf("velocities or components missing")
				}
				switch sp.Family {
				case sims.FamilyCompaction:
					if tr.MergerStage != sims.MergerNone || !math.IsNaN(tr.MassRatio) || math.IsNaN(tr.TCompactionGyr) {
						t.Errorf("compaction truth: stage %s, ratio %v, t_c %v", tr.MergerStage, tr.MassRatio, tr.TCompactionGyr)
					}
				case sims.FamilyMerger:
					if tr.Phase != sims.PhaseNone || tr.MergerStage == sims.MergerNone || !(tr.MassRatio >= 1) || math.IsNaN(tr.SeparationKpc) {
						t.Errorf("merger truth: phase %s, stage %s, ratio %v, separation %v", tr.Phase, tr.MergerStage, tr.MassRatio, tr.SeparationKpc)
					}
					// t_coal − t decreases by exactly the time elapsed.
					if k > 0 {
						dt := g.TimeGyr - gs[k-1].TimeGyr
						if d := gs[k-1].Truth.TToCoalescenceGyr - tr.TToCoalescenceGyr; math.Abs(d-dt) > 1e-9 {
							t.Errorf("t_coal − t fell by %v over %v Gyr", d, dt)
						}
					}
				case sims.FamilyIsolated:
					if tr.Phase != sims.PhaseNone || tr.MergerStage != sims.MergerNone || !math.IsNaN(tr.MassRatio) || !math.IsNaN(tr.SeparationKpc) {
						t.Errorf("isolated truth: phase %s, stage %s, ratio %v", tr.Phase, tr.MergerStage, tr.MassRatio)
					}
				}
			})
		}
	}
}

// TestDefaultPlanCoversLabels: the quickstart's truth has every compaction
// phase and every merger stage.
func TestDefaultPlanCoversLabels(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	phases := map[sims.Phase]int{}
	stages := map[sims.MergerStage]int{}
	for _, gs := range gals {
		for _, g := range gs {
			phases[g.Truth.Phase]++
			stages[g.Truth.MergerStage]++
		}
	}
	for _, p := range sims.Phases {
		if phases[p] == 0 {
			t.Errorf("no snapshot in phase %s (got %v)", p, phases)
		}
	}
	for _, s := range sims.MergerStages {
		if stages[s] == 0 {
			t.Errorf("no snapshot in merger stage %s (got %v)", s, stages)
		}
	}
	// Every merger run covers every stage by itself.
	for _, sp := range Plan(DefaultConfig()) {
		if sp.Family != sims.FamilyMerger {
			continue
		}
		got := map[sims.MergerStage]bool{}
		for _, g := range gals[sp.ID] {
			got[g.Truth.MergerStage] = true
		}
		for _, s := range sims.MergerStages[1:] {
			if !got[s] {
				t.Errorf("merger %d has no %s snapshot", sp.ID, s)
			}
		}
	}
}

// TestDeterminism: the same inputs give bit-identical output (also when the
// first run was made concurrently with other galaxies), and another seed
// gives different galaxies (checked at 2000 particles to save time).
func TestDeterminism(t *testing.T) {
	t.Parallel()
	gals := defaultGalaxies(t)
	c := DefaultConfig()
	plan := Plan(c)
	small := c
	small.NParticles = 2000
	for _, sp := range []Spec{plan[0], plan[c.NCompaction], plan[len(plan)-1]} {
		t.Run(sp.Family, func(t *testing.T) {
			again, err := Simulate(c, cosmo.Default(), testSeed, sp)
			if err != nil {
				t.Fatal(err)
			}
			if galaxyHash(again) != galaxyHash(gals[sp.ID]) {
				t.Errorf("%s %d: a second Simulate differs from the first", sp.Family, sp.ID)
			}
			a, err := Simulate(small, cosmo.Default(), testSeed, sp)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Simulate(small, cosmo.Default(), testSeed+1, sp)
			if err != nil {
				t.Fatal(err)
			}
			if galaxyHash(a) == galaxyHash(b) {
				t.Errorf("%s %d: seeds %d and %d give identical galaxies", sp.Family, sp.ID, testSeed, testSeed+1)
			}
			if pa, pb := a[len(a)-1].Stars.PosKpc[0], b[len(b)-1].Stars.PosKpc[0]; pa == pb {
				t.Errorf("first particle at the same place %v with both seeds", pa)
			}
		})
	}
}

func TestSimulateErrors(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	for _, tc := range []struct {
		name string
		c    Config
		cos  cosmo.FlatLCDM
		spec Spec
		want string
	}{
		{"unknown family", c, cosmo.Default(), Spec{ID: 1, Family: "spiral"}, `unknown family "spiral"`},
		{"bad config", func() Config { c := c; c.NParticles = 0; return c }(), cosmo.Default(), Plan(c)[0], "simulate.n_particles"},
		{"bad cosmology", c, cosmo.FlatLCDM{H0: -1, OmegaM: 0.3}, Plan(c)[0], "H0"},
		{"run past z=0", func() Config { c := c; c.Merger.ZStart = 0.1; return c }(), cosmo.Default(), Plan(c)[c.NCompaction], "after z = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Simulate(tc.c, tc.cos, testSeed, tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Simulate error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestParticlesPersist: in every default galaxy a particle present in one
// snapshot is present in every later one with the same index, formation
// time, initial mass and metallicity (particles are neither lost nor
// duplicated between snapshots, and keep their identity).
func TestParticlesPersist(t *testing.T) {
	t.Parallel()
	for id, gs := range defaultGalaxies(t) {
		for k := 1; k < len(gs); k++ {
			a, b := &gs[k-1].Stars, &gs[k].Stars
			if b.Len() < a.Len() {
				t.Errorf("galaxy %d: snapshot %d has %d particles, fewer than the %d before", id, k, b.Len(), a.Len())
				continue
			}
			bad := 0
			for i := 0; i < a.Len(); i++ {
				if a.FormationTimeGyr[i] != b.FormationTimeGyr[i] || a.InitialMassMsun[i] != b.InitialMassMsun[i] ||
					a.Metallicity[i] != b.Metallicity[i] || a.Component[i] != b.Component[i] {
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("galaxy %d: %d of the %d particles of snapshot %d changed identity in snapshot %d", id, bad, a.Len(), k-1, k)
			}
			// Newcomers formed after the earlier snapshot.
			for i := a.Len(); i < b.Len(); i++ {
				if !(b.FormationTimeGyr[i] > gs[k-1].TimeGyr) {
					t.Errorf("galaxy %d: particle %d, formed at %v, missing from snapshot %d at %v",
						id, i, b.FormationTimeGyr[i], k-1, gs[k-1].TimeGyr)
					break
				}
			}
		}
	}
}

// BenchmarkSimulateSnapshot1e5 generates one 10⁵-particle snapshot: a
// compaction galaxy at z_end only.
func BenchmarkSimulateSnapshot1e5(b *testing.B) {
	c := DefaultConfig()
	c.NParticles = 100_000
	c.Compaction.SnapshotStride = 1000
	c.Compaction.KeepCompactionWindow = false
	sp := Plan(c)[0]
	for b.Loop() {
		gs, err := Simulate(c, cosmo.Default(), testSeed, sp)
		if err != nil {
			b.Fatal(err)
		}
		if len(gs) != 1 || gs[0].Stars.Len() != c.NParticles {
			b.Fatalf("%d snapshots", len(gs))
		}
	}
}
