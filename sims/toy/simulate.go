package toy

import (
	"fmt"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// Spec identifies one built-in galaxy: its ID (unique across families and
// stable for a given family and index), its family (sims.FamilyCompaction,
// sims.FamilyMerger or sims.FamilyIsolated) and its index within the family.
type Spec struct {
	ID     int64
	Family string
	Index  int
}

// ID bases of the families: a galaxy's ID is base + index.
const (
	idBaseCompaction = 1_000_000
	idBaseMerger     = 2_000_000
	idBaseIsolated   = 3_000_000
)

// Plan returns every galaxy of the configuration in a fixed order:
// compaction galaxies (IDs 1000000+i), then mergers (2000000+i), then
// isolated controls (3000000+i). IDs do not depend on the other families'
// counts, so adding galaxies to one family leaves the others unchanged.
func Plan(c Config) []Spec {
	var out []Spec
	add := func(n int, base int64, fam string) {
		for i := 0; i < n; i++ {
			out = append(out, Spec{ID: base + int64(i), Family: fam, Index: i})
		}
	}
	add(c.NCompaction, idBaseCompaction, sims.FamilyCompaction)
	add(c.NMerger, idBaseMerger, sims.FamilyMerger)
	add(c.NIsolated, idBaseIsolated, sims.FamilyIsolated)
	return out
}

// Random streams of one galaxy: sims.NewRand(seed, ID, stream).
const (
	streamGalaxy    = 1 // galaxy-level draws (masses, sizes, orientation, orbit)
	streamParticles = 2 // per-particle draws of the main population
	streamBirths    = 3 // particles born during a merger run
	streamClumps    = 4 // clump positions of a compaction galaxy (with bin, clump)
	streamModel     = 5 // the model sample that sets a merger galaxy's potential
)

// Simulate returns every snapshot of one galaxy, in time order. Positions
// are physical kpc relative to the galaxy centre, velocities km/s relative
// to the centre's velocity; Truth is filled (labels of the family, halo mass
// and virial radius, then the particle-measured Re3D, M* and SFR of
// sims.MeasureTruth within 0.1 R_vir).
//
// It depends only on its arguments: every random draw comes from
// sims.NewRand(seed, spec.ID, stream), so results are bit-identical between
// calls and independent of the order or concurrency of calls, which are safe.
func Simulate(c Config, cosmology cosmo.FlatLCDM, seed uint64, spec Spec) ([]*sims.Galaxy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := cosmology.Validate(); err != nil {
		return nil, err
	}
	switch spec.Family {
	case sims.FamilyCompaction:
		return simulateCompaction(c, cosmology, seed, spec)
	case sims.FamilyMerger:
		return simulateMerger(c, cosmology, seed, spec, true)
	case sims.FamilyIsolated:
		return simulateMerger(c, cosmology, seed, spec, false)
	default:
		return nil, fmt.Errorf("toy: galaxy %d: unknown family %q (want %s, %s or %s)",
			spec.ID, spec.Family, sims.FamilyCompaction, sims.FamilyMerger, sims.FamilyIsolated)
	}
}

// newSnapshot returns an empty Galaxy at time t Gyr with the cosmology and
// the truth's identifiers filled.
func newSnapshot(cos cosmo.FlatLCDM, spec Spec, snap int, t float64, seed uint64) *sims.Galaxy {
	z := cos.RedshiftAtAge(t)
	g := &sims.Galaxy{
		TimeGyr:     t,
		Redshift:    z,
		ScaleFactor: 1 / (1 + z),
		HubbleParam: cos.H0 / 100,
		OmegaM:      cos.OmegaM,
		Truth:       sims.NewTruth(),
		Source:      fmt.Sprintf("galforge toy %s galaxy %d (seed %d) snapshot %d", spec.Family, spec.ID, seed, snap),
	}
	g.Truth.GalaxyID = spec.ID
	g.Truth.Family = spec.Family
	g.Truth.Snapshot = snap
	g.Truth.TimeGyr = t
	g.Truth.Redshift = z
	return g
}

// allocStars sizes every star slice of g for n particles.
func allocStars(g *sims.Galaxy, n int) {
	s := &g.Stars
	s.PosKpc = make([][3]float64, n)
	s.VelKms = make([][3]float64, n)
	s.MassMsun = make([]float64, n)
	s.InitialMassMsun = make([]float64, n)
	s.FormationTimeGyr = make([]float64, n)
	s.AgeGyr = make([]float64, n)
	s.Metallicity = make([]float64, n)
	s.Component = make([]uint8, n)
}
