// Package simstest holds the invariants every source of galaxies (readers and
// the built-in simulator) must satisfy, for use in their tests.
package simstest

import (
	"math"
	"testing"

	"github.com/galforge/galforge/sims"
)

// CheckGalaxy runs the invariants on g: Validate passes; there is at least one
// star; ages equal TimeGyr − FormationTimeGyr (to 1e-6 Gyr, or 1e-4 relative);
// initial masses are not below current masses (stars only lose mass); the
// scale factor equals 1/(1+z); the truth's stellar mass and half-mass radius
// are consistent with the particles (re-measured, 1e-9 relative); and the
// truth's categorical labels are known values.
func CheckGalaxy(t testing.TB, g *sims.Galaxy) {
	t.Helper()
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s := &g.Stars
	if s.Len() == 0 {
		t.Fatalf("no stars")
	}
	var badAge, badMass int
	for i := 0; i < s.Len(); i++ {
		want := g.TimeGyr - s.FormationTimeGyr[i]
		if math.Abs(s.AgeGyr[i]-want) > 1e-6+1e-4*math.Abs(want) {
			badAge++
		}
		// Real snapshots store float32 masses: allow their rounding.
		if s.MassMsun[i] > s.InitialMassMsun[i]*(1+1e-6) {
			badMass++
		}
	}
	if badAge > 0 {
		t.Errorf("%d of %d stars have age != time − formation time", badAge, s.Len())
	}
	if badMass > 0 {
		t.Errorf("%d of %d stars have current mass above initial mass", badMass, s.Len())
	}
	if g.ScaleFactor > 0 && math.Abs(g.ScaleFactor*(1+g.Redshift)-1) > 1e-6 {
		t.Errorf("scale factor %v inconsistent with redshift %v", g.ScaleFactor, g.Redshift)
	}
	tr := g.Truth
	if _, err := sims.ParsePhase(string(tr.Phase)); err != nil {
		t.Errorf("truth: %v", err)
	}
	if _, err := sims.ParseMergerStage(string(tr.MergerStage)); err != nil {
		t.Errorf("truth: %v", err)
	}
	if tr.Re3DKpc != 0 || tr.MstarMsun != 0 {
		r, m := sims.HalfMassRadius(s.PosKpc, s.MassMsun, [3]float64{}, tr.ApertureKpc)
		if !close(r, tr.Re3DKpc, 1e-9) || !close(m, tr.MstarMsun, 1e-9) {
			t.Errorf("truth: Re3D = %v kpc, M* = %v M☉; particles give %v kpc, %v M☉ (aperture %v kpc)",
				tr.Re3DKpc, tr.MstarMsun, r, m, tr.ApertureKpc)
		}
	}
}

func close(a, b, rtol float64) bool {
	return math.Abs(a-b) <= rtol*math.Max(math.Abs(a), math.Abs(b))
}
