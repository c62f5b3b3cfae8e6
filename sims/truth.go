package sims

import (
	"fmt"
	"math"
)

// Families of galaxies.
const (
	// FamilyCompaction is the built-in VELA-like wet-compaction family.
	FamilyCompaction = "compaction"
	// FamilyMerger is the built-in Horizon-AGN-like merger family.
	FamilyMerger = "merger"
	// FamilyIsolated is the built-in isolated control family (merger runs without a companion).
	FamilyIsolated = "isolated"
	// FamilyReal marks galaxies read from a real simulation snapshot.
	FamilyReal = "real"
)

// Phase is the compaction phase of a galaxy (Huertas-Company et al. 2018,
// ApJ 858, 114, §2): with t_c the time of the compaction event (the peak of
// the central starburst, when the 3D half-mass radius is smallest) and
// w = 0.15 t_H(t_c) a window of 0.15 Hubble times at t_c,
//
//	pre:        t < t_c − w/2
//	compaction: |t − t_c| ≤ w/2   (the "blue nugget" phase)
//	post:       t > t_c + w/2
//
// Galaxies without a compaction event have PhaseNone.
type Phase string

// Compaction phases.
const (
	PhaseNone       Phase = "none"
	PhasePre        Phase = "pre"
	PhaseCompaction Phase = "compaction"
	PhasePost       Phase = "post"
)

// Phases lists the compaction phases in class-index order (none excluded).
var Phases = []Phase{PhasePre, PhaseCompaction, PhasePost}

// PhaseAt returns the phase at time t Gyr for a compaction at tc Gyr with a
// window of windowGyr (0.15 Hubble times at tc).
func PhaseAt(t, tc, windowGyr float64) Phase {
	switch {
	case t < tc-windowGyr/2:
		return PhasePre
	case t > tc+windowGyr/2:
		return PhasePost
	default:
		return PhaseCompaction
	}
}

// MergerStage is the stage of a two-galaxy encounter, from the orbit of the
// two centres (separation r(t), first pericentre t_p1, coalescence t_coal,
// when the separation stays below the coalescence radius):
//
//	pre:           t < t_p1 − 0.1 Gyr, approaching for the first time
//	first-passage: |t − t_p1| ≤ 0.1 Gyr
//	apocentre:     t_p1 + 0.1 Gyr < t < t_coal − 0.1 Gyr (out to apocentre and back,
//	               including later passages)
//	coalescence:   |t − t_coal| ≤ 0.1 Gyr
//	post:          t > t_coal + 0.1 Gyr (a remnant)
//
// Isolated and compaction galaxies have MergerNone.
type MergerStage string

// Merger stages.
const (
	MergerNone         MergerStage = "none"
	MergerPre          MergerStage = "pre"
	MergerFirstPassage MergerStage = "first-passage"
	MergerApocentre    MergerStage = "apocentre"
	MergerCoalescence  MergerStage = "coalescence"
	MergerPost         MergerStage = "post"
)

// MergerStages lists the merger stages in class-index order.
var MergerStages = []MergerStage{MergerNone, MergerPre, MergerFirstPassage, MergerApocentre, MergerCoalescence, MergerPost}

// ParsePhase returns the Phase named s.
func ParsePhase(s string) (Phase, error) {
	for _, p := range append([]Phase{PhaseNone}, Phases...) {
		if string(p) == s {
			return p, nil
		}
	}
	return PhaseNone, fmt.Errorf("sims: unknown phase %q (want none, pre, compaction or post)", s)
}

// ParseMergerStage returns the MergerStage named s.
func ParseMergerStage(s string) (MergerStage, error) {
	for _, m := range MergerStages {
		if string(m) == s {
			return m, nil
		}
	}
	return MergerNone, fmt.Errorf("sims: unknown merger stage %q (want one of %v)", s, MergerStages)
}

// Truth holds the labels of one galaxy at one snapshot. Labels that do not
// apply are NaN (floats), PhaseNone or MergerNone.
type Truth struct {
	// GalaxyID identifies the galaxy across its snapshots (and views).
	GalaxyID int64
	// Family is one of the Family… constants.
	Family string
	// Snapshot is the snapshot number within the galaxy's history.
	Snapshot int
	// TimeGyr is the cosmic time of the snapshot in Gyr.
	TimeGyr float64
	// Redshift of the snapshot.
	Redshift float64
	// MstarMsun is the total current stellar mass of the galaxy's stars in M☉
	// (within the Re3D aperture when one is used).
	MstarMsun float64
	// SFRMsunYr is the star-formation rate in M☉/yr averaged over the last
	// 100 Myr: the initial mass of stars younger than 100 Myr divided by 10^8 yr.
	SFRMsunYr float64
	// Re3DKpc is the 3D stellar half-mass radius in kpc about the centre: the
	// radius of the sphere holding half the current stellar mass within the
	// aperture (0.1 R_vir when R_vir is known, else all the galaxy's stars).
	Re3DKpc float64
	// ApertureKpc is the aperture radius used for Re3DKpc (+Inf when all stars).
	ApertureKpc float64
	// Aperture describes the aperture: "0.1Rvir" or "all".
	Aperture string
	// RvirKpc is the virial radius (Bryan & Norman 1998) in physical kpc, NaN if unknown.
	RvirKpc float64
	// MhaloMsun is the virial halo mass in M☉, NaN if unknown.
	MhaloMsun float64
	// Phase is the compaction phase (see Phase).
	Phase Phase
	// TCompactionGyr is the time of the compaction event t_c, NaN if none.
	TCompactionGyr float64
	// MergerStage is the merger stage (see MergerStage).
	MergerStage MergerStage
	// MassRatio is M_primary/M_secondary ≥ 1 of the stellar masses at the start
	// of the merger, NaN when no merger.
	MassRatio float64
	// TToCoalescenceGyr is t_coal − t in Gyr (negative after coalescence), NaN when no merger.
	TToCoalescenceGyr float64
	// SeparationKpc is the 3D distance between the two galaxy centres, NaN when no merger.
	SeparationKpc float64
}

// NewTruth returns a Truth with every optional label marked as not applicable.
func NewTruth() Truth {
	nan := math.NaN()
	return Truth{
		ApertureKpc: math.Inf(1), Aperture: "all", RvirKpc: nan, MhaloMsun: nan,
		Phase: PhaseNone, TCompactionGyr: nan, MergerStage: MergerNone,
		MassRatio: nan, TToCoalescenceGyr: nan, SeparationKpc: nan,
	}
}

// SFRWindowGyr is the averaging window of Truth.SFRMsunYr.
const SFRWindowGyr = 0.1

// SFR100 returns the star-formation rate in M☉/yr averaged over the last
// 100 Myr: Σ initial mass of stars with age < 0.1 Gyr, divided by 10^8 yr.
func SFR100(s *Stars) float64 {
	var m float64
	for i, a := range s.AgeGyr {
		if a < SFRWindowGyr {
			m += s.InitialMassMsun[i]
		}
	}
	return m / (SFRWindowGyr * 1e9)
}
