package sims

import "fmt"

// Centring methods for ReadOptions.Centre.
const (
	// CentreAuto uses the group catalogue's position when a subhalo is
	// selected and the shrinking-sphere centre otherwise.
	CentreAuto = ""
	// CentreSubhalo uses the group catalogue's SubhaloPos (or the snapshot's
	// recorded centre for built-in snapshots).
	CentreSubhalo = "subhalo"
	// CentreShrink uses the shrinking-sphere centre of the stars (Power et al. 2003).
	CentreShrink = "shrink"
)

// ReadOptions selects one galaxy in a snapshot.
type ReadOptions struct {
	// GroupFile is a group catalogue (SUBFIND-like) holding SubhaloLenType and
	// SubhaloPos; empty for none.
	GroupFile string
	// Subhalo is the subhalo index in GroupFile; negative selects all particles.
	Subhalo int
	// Centre is one of the Centre… constants.
	Centre string
	// WithGas also reads gas when the snapshot has it.
	WithGas bool
}

// Validate checks the options.
func (o ReadOptions) Validate() error {
	switch o.Centre {
	case CentreAuto, CentreSubhalo, CentreShrink:
	default:
		return fmt.Errorf("sims: unknown centring method %q (want subhalo or shrink)", o.Centre)
	}
	if o.Subhalo >= 0 && o.GroupFile == "" && o.Centre == CentreSubhalo {
		return fmt.Errorf("sims: centre=subhalo needs a group catalogue")
	}
	return nil
}

// Reader reads one galaxy from a snapshot on disk. Implementations live in
// sub-packages (sims/arepo, sims/ramses).
type Reader interface {
	Read(path string, opt ReadOptions) (*Galaxy, error)
}
