package arepo

import (
	"fmt"
	"math"

	"github.com/galforge/galforge/internal/h5"
	"github.com/galforge/galforge/sims"
)

// Meta is provenance written into a snapshot's Header as Galforge_* attributes.
type Meta struct {
	Version    string // galforge version
	ConfigHash string // hash of the effective config
	Seed       uint64 // global seed
	// BoxKpc is the side of the (non-periodic) box the galaxy is placed in,
	// centred on the galaxy, in physical kpc; 0 means 1000 kpc.
	BoxKpc float64
}

// Write writes g as a single-file AREPO-layout HDF5 snapshot (Header,
// PartType4, PartType0 when g has gas, and a Truth group holding g.Truth and
// the centre), atomically: nothing is left at path if writing fails.
//
// Quantities are stored in GADGET code units (ckpc/h, 1e10 M☉/h, km/s·a^{-1/2},
// formation times as scale factors) in double precision, so that the same
// Reader serves real and built-in snapshots and a round trip is exact to
// rounding. The galaxy is placed at the centre of a box of Meta.BoxKpc.
func Write(path string, g *sims.Galaxy, meta Meta) error {
	if err := g.Validate(); err != nil {
		return fmt.Errorf("sims: write %q: %w", path, err)
	}
	if !(g.HubbleParam > 0 && g.ScaleFactor > 0 && g.ScaleFactor <= 1 && g.OmegaM > 0) {
		return fmt.Errorf("sims: write %q: need h > 0, 0 < a ≤ 1 and Ω_m > 0 (got %v, %v, %v)", path, g.HubbleParam, g.ScaleFactor, g.OmegaM)
	}
	box := meta.BoxKpc
	if box <= 0 {
		box = 1000
	}
	hd := header{a: g.ScaleFactor, h: g.HubbleParam, om: g.OmegaM, comoving: true, unitL: defUnitL, unitM: defUnitM, unitV: defUnitV}
	lk, mk, vk := hd.lengthKpc(), hd.massMsun(), hd.velKms()
	half := box / 2
	w, err := h5.Create(path)
	if err != nil {
		return fmt.Errorf("sims: %w", err)
	}
	s := &g.Stars
	n := s.Len()
	ngas := g.Gas.Len()
	w.Attr("Header/Time", g.ScaleFactor)
	w.Attr("Header/Redshift", g.Redshift)
	w.Attr("Header/HubbleParam", g.HubbleParam)
	w.Attr("Header/Omega0", g.OmegaM)
	w.Attr("Header/OmegaLambda", 1-g.OmegaM)
	w.Attr("Header/BoxSize", box/lk)
	w.Attr("Header/NumFilesPerSnapshot", int64(1))
	w.Attr("Header/NumPart_ThisFile", []int64{int64(ngas), 0, 0, 0, int64(n), 0})
	w.Attr("Header/NumPart_Total", []int64{int64(ngas), 0, 0, 0, int64(n), 0})
	w.Attr("Header/MassTable", []float64{0, 0, 0, 0, 0, 0})
	w.Attr("Header/UnitLength_in_cm", defUnitL)
	w.Attr("Header/UnitMass_in_g", defUnitM)
	w.Attr("Header/UnitVelocity_in_cm_per_s", defUnitV)
	w.Attr("Header/Galforge_Version", meta.Version)
	w.Attr("Header/Galforge_ConfigHash", meta.ConfigHash)
	w.Attr("Header/Galforge_Seed", fmt.Sprint(meta.Seed))

	pos := make([]float64, 0, 3*n)
	for _, p := range s.PosKpc {
		pos = append(pos, (p[0]+half)/lk, (p[1]+half)/lk, (p[2]+half)/lk)
	}
	w.Float64s("PartType4/Coordinates", pos, n, 3)
	if len(s.VelKms) == n {
		vel := make([]float64, 0, 3*n)
		for _, v := range s.VelKms {
			vel = append(vel, (v[0]+g.BulkVelKms[0])/vk, (v[1]+g.BulkVelKms[1])/vk, (v[2]+g.BulkVelKms[2])/vk)
		}
		w.Float64s("PartType4/Velocities", vel, n, 3)
	}
	scale := func(v []float64, f float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x * f
		}
		return out
	}
	w.Float64s("PartType4/Masses", scale(s.MassMsun, 1/mk))
	w.Float64s("PartType4/GFM_InitialMass", scale(s.InitialMassMsun, 1/mk))
	w.Float64s("PartType4/GFM_Metallicity", s.Metallicity)
	aform := make([]float64, n)
	for i, tf := range s.FormationTimeGyr {
		aform[i] = formationScaleFactor(g, tf)
	}
	w.Float64s("PartType4/GFM_StellarFormationTime", aform)
	if len(s.HsmlKpc) == n {
		w.Float64s("PartType4/SubfindHsml", scale(s.HsmlKpc, 1/lk))
	}
	if len(s.Component) == n {
		w.Uint8s("PartType4/GalforgeComponent", s.Component)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	w.Int64s("PartType4/ParticleIDs", ids)
	if ngas > 0 {
		gp := make([]float64, 0, 3*ngas)
		for _, p := range g.Gas.PosKpc {
			gp = append(gp, (p[0]+half)/lk, (p[1]+half)/lk, (p[2]+half)/lk)
		}
		w.Float64s("PartType0/Coordinates", gp, ngas, 3)
		w.Float64s("PartType0/Masses", scale(g.Gas.MassMsun, 1/mk))
		w.Float64s("PartType0/GFM_Metallicity", g.Gas.Metallicity)
		if len(g.Gas.HsmlKpc) == ngas {
			w.Float64s("PartType0/SubfindHsml", scale(g.Gas.HsmlKpc, 1/lk))
		}
		if len(g.Gas.SFRMsunYr) == ngas {
			w.Float64s("PartType0/StarFormationRate", g.Gas.SFRMsunYr)
		}
	}
	writeTruth(w, g.Truth, [3]float64{half / lk, half / lk, half / lk})
	if err := w.Commit(); err != nil {
		return fmt.Errorf("sims: %w", err)
	}
	return nil
}

// formationScaleFactor converts a formation time in Gyr to a scale factor with
// the galaxy's cosmology, clamped to the snapshot's scale factor so that
// rounding never puts a star's birth after the snapshot.
func formationScaleFactor(g *sims.Galaxy, tf float64) float64 {
	c := cosmology(g)
	a := c.ScaleFactorAtAge(tf)
	return math.Min(a, g.ScaleFactor)
}
