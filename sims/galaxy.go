package sims

import (
	"errors"
	"fmt"
	"math"
)

// Stars holds star particles as parallel slices (structure of arrays); every
// non-nil slice has length N.
type Stars struct {
	// PosKpc is the physical position in kpc relative to Galaxy.CentreKpc.
	PosKpc [][3]float64
	// VelKms is the peculiar velocity in km/s relative to Galaxy.BulkVelKms.
	VelKms [][3]float64
	// MassMsun is the current stellar mass in M☉ (after stellar mass loss).
	MassMsun []float64
	// InitialMassMsun is the mass at birth in M☉ (what SSP luminosities are per).
	InitialMassMsun []float64
	// FormationTimeGyr is the cosmic time of birth in Gyr.
	FormationTimeGyr []float64
	// AgeGyr is the age at the snapshot time in Gyr: Galaxy.TimeGyr − FormationTimeGyr.
	AgeGyr []float64
	// Metallicity is the metal mass fraction Z (solar ≈ 0.0127 in TNG, 0.02 in BC03).
	Metallicity []float64
	// HsmlKpc is the smoothing length in kpc; nil when the snapshot has none.
	HsmlKpc []float64
	// Component labels the built-in simulator's components (see the Comp…
	// constants); nil for real snapshots.
	Component []uint8
}

// Components of built-in galaxies, recorded so tests and plots can select them.
const (
	CompDisc uint8 = iota
	CompBulge
	CompClump
	CompNugget
	CompSecondary
	CompBurst
	CompHalo
)

// Len returns the number of star particles.
func (s *Stars) Len() int { return len(s.MassMsun) }

// Gas holds gas cells or particles; used for dust attenuation.
type Gas struct {
	// PosKpc is the physical position in kpc relative to Galaxy.CentreKpc.
	PosKpc [][3]float64
	// MassMsun is the gas mass in M☉.
	MassMsun []float64
	// Metallicity is the metal mass fraction Z.
	Metallicity []float64
	// HsmlKpc is the smoothing length in kpc (nil when unknown).
	HsmlKpc []float64
	// SFRMsunYr is the instantaneous star-formation rate in M☉/yr (nil when unknown).
	SFRMsunYr []float64
}

// Len returns the number of gas elements.
func (g *Gas) Len() int {
	if g == nil {
		return 0
	}
	return len(g.MassMsun)
}

// Galaxy is one galaxy at one snapshot: the hand-off type of the sims stage.
// Positions are physical kpc relative to CentreKpc.
type Galaxy struct {
	// Stars are the star particles (wind particles excluded).
	Stars Stars
	// Gas is optional (nil when absent).
	Gas *Gas
	// CentreKpc is the galaxy centre in physical kpc in the snapshot's frame.
	CentreKpc [3]float64
	// BulkVelKms is the velocity subtracted from every particle, km/s.
	BulkVelKms [3]float64
	// TimeGyr is the cosmic time of the snapshot in Gyr.
	TimeGyr float64
	// Redshift of the snapshot.
	Redshift float64
	// ScaleFactor of the snapshot, 1/(1+Redshift).
	ScaleFactor float64
	// HubbleParam is h = H0/(100 km/s/Mpc) of the run.
	HubbleParam float64
	// OmegaM is the matter density parameter of the run.
	OmegaM float64
	// Truth holds the labels only the simulation knows; built-in snapshots
	// carry them all, real ones only what can be measured from particles.
	Truth Truth
	// Source names where the galaxy came from (file path and selection).
	Source string
}

// ErrBadParticles is wrapped by Validate when particle data are unusable.
var ErrBadParticles = errors.New("bad particle data")

// Validate checks that every star slice has the same length and that positions,
// masses, ages and metallicities are finite and physical. The error reports
// counts of each kind of bad value.
func (g *Galaxy) Validate() error {
	s := &g.Stars
	n := s.Len()
	lens := map[string]int{
		"PosKpc": len(s.PosKpc), "InitialMassMsun": len(s.InitialMassMsun),
		"FormationTimeGyr": len(s.FormationTimeGyr), "AgeGyr": len(s.AgeGyr),
		"Metallicity": len(s.Metallicity),
	}
	for _, k := range []string{"PosKpc", "InitialMassMsun", "FormationTimeGyr", "AgeGyr", "Metallicity"} {
		if lens[k] != n {
			return fmt.Errorf("%w: stars: %s has %d entries, MassMsun has %d", ErrBadParticles, k, lens[k], n)
		}
	}
	for name, l := range map[string]int{"VelKms": len(s.VelKms), "HsmlKpc": len(s.HsmlKpc), "Component": len(s.Component)} {
		if l != 0 && l != n {
			return fmt.Errorf("%w: stars: %s has %d entries, MassMsun has %d", ErrBadParticles, name, l, n)
		}
	}
	var badPos, badMass, badAge, badZ int
	for i := 0; i < n; i++ {
		p := s.PosKpc[i]
		if !finite(p[0]) || !finite(p[1]) || !finite(p[2]) {
			badPos++
		}
		if !(s.MassMsun[i] >= 0) || !finite(s.MassMsun[i]) || !(s.InitialMassMsun[i] >= 0) || !finite(s.InitialMassMsun[i]) {
			badMass++
		}
		if !finite(s.AgeGyr[i]) || s.AgeGyr[i] < -1e-6 {
			badAge++
		}
		if !(s.Metallicity[i] >= 0) || !finite(s.Metallicity[i]) {
			badZ++
		}
	}
	if badPos+badMass+badAge+badZ > 0 {
		return fmt.Errorf("%w: %d of %d stars have non-finite positions, %d negative or non-finite masses, %d bad ages, %d bad metallicities",
			ErrBadParticles, badPos, n, badMass, badAge, badZ)
	}
	return nil
}

// StellarMassMsun returns the total current stellar mass in M☉.
func (g *Galaxy) StellarMassMsun() float64 {
	var m float64
	for _, x := range g.Stars.MassMsun {
		m += x
	}
	return m
}

// Select returns a new Galaxy holding only the stars for which keep returns
// true (gas is kept whole). Slices are copied.
func (g *Galaxy) Select(keep func(i int) bool) *Galaxy {
	out := *g
	s := &g.Stars
	var d Stars
	for i := 0; i < s.Len(); i++ {
		if !keep(i) {
			continue
		}
		d.PosKpc = append(d.PosKpc, s.PosKpc[i])
		if s.VelKms != nil {
			d.VelKms = append(d.VelKms, s.VelKms[i])
		}
		d.MassMsun = append(d.MassMsun, s.MassMsun[i])
		d.InitialMassMsun = append(d.InitialMassMsun, s.InitialMassMsun[i])
		d.FormationTimeGyr = append(d.FormationTimeGyr, s.FormationTimeGyr[i])
		d.AgeGyr = append(d.AgeGyr, s.AgeGyr[i])
		d.Metallicity = append(d.Metallicity, s.Metallicity[i])
		if s.HsmlKpc != nil {
			d.HsmlKpc = append(d.HsmlKpc, s.HsmlKpc[i])
		}
		if s.Component != nil {
			d.Component = append(d.Component, s.Component[i])
		}
	}
	out.Stars = d
	return &out
}

// Recentre moves the origin of every position by −c kpc (stars and gas) and
// adds c to CentreKpc, so absolute positions are unchanged.
func (g *Galaxy) Recentre(c [3]float64) {
	for i := range g.Stars.PosKpc {
		for k := 0; k < 3; k++ {
			g.Stars.PosKpc[i][k] -= c[k]
		}
	}
	if g.Gas != nil {
		for i := range g.Gas.PosKpc {
			for k := 0; k < 3; k++ {
				g.Gas.PosKpc[i][k] -= c[k]
			}
		}
	}
	for k := 0; k < 3; k++ {
		g.CentreKpc[k] += c[k]
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
