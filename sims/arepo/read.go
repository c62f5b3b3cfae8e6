package arepo

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/internal/h5"
	"github.com/galforge/galforge/sims"
)

// Physical constants for unit conversion.
const (
	kpcCm    = 3.0856775814913673e21 // kpc in cm
	msunG    = 1.98841e33            // M☉ in g (IAU 2015 nominal, GM☉/G)
	kmsCmS   = 1e5                   // km/s in cm/s
	defUnitL = kpcCm                 // GADGET default: kpc/h
	defUnitM = 1e10 * msunG          // GADGET default: 1e10 M☉/h
	defUnitV = kmsCmS                // GADGET default: km/s
)

// Reader reads GADGET/AREPO/GIZMO HDF5 snapshots. The zero value is ready to use.
type Reader struct {
	// NonCosmological forces a non-comoving run: Header/Time is then the time in
	// code units and no factors of a or h are applied to lengths and masses
	// other than those of the unit system. By default a run is comoving when its
	// Header has HubbleParam > 0 and 0 < Time ≤ 1.
	NonCosmological bool
}

var _ sims.Reader = Reader{}

// header is the subset of a snapshot header galforge uses.
type header struct {
	a, z, h, om, ol     float64
	comoving            bool
	nfiles              int
	box                 float64 // code units, 0 when absent
	unitL, unitM, unitV float64 // cgs
}

// lengthKpc converts code lengths to physical kpc.
func (hd header) lengthKpc() float64 {
	f := hd.unitL / kpcCm
	if hd.comoving {
		f *= hd.a / hd.h
	}
	return f
}

// massMsun converts code masses to M☉.
func (hd header) massMsun() float64 {
	f := hd.unitM / msunG
	if hd.comoving {
		f /= hd.h
	}
	return f
}

// velKms converts code velocities to peculiar km/s (GADGET stores v/√a).
func (hd header) velKms() float64 {
	f := hd.unitV / kmsCmS
	if hd.comoving {
		f *= math.Sqrt(hd.a)
	}
	return f
}

func (r Reader) readHeader(f *h5.File) (header, error) {
	var hd header
	var err error
	if !f.Has("Header") {
		return hd, fmt.Errorf("%q: no Header group: not a GADGET/AREPO snapshot", f.Path)
	}
	if hd.a, err = f.AttrFloat64("Header/Time"); err != nil {
		return hd, err
	}
	opt := func(name string, def float64) float64 {
		if v, err := f.AttrFloat64(name); err == nil {
			return v
		}
		return def
	}
	hd.h = opt("Header/HubbleParam", 0)
	hd.om = opt("Header/Omega0", 0)
	hd.ol = opt("Header/OmegaLambda", math.NaN())
	hd.box = opt("Header/BoxSize", 0)
	hd.nfiles = int(opt("Header/NumFilesPerSnapshot", 1))
	hd.unitL = opt("Header/UnitLength_in_cm", opt("Parameters/UnitLength_in_cm", defUnitL))
	hd.unitM = opt("Header/UnitMass_in_g", opt("Parameters/UnitMass_in_g", defUnitM))
	hd.unitV = opt("Header/UnitVelocity_in_cm_per_s", opt("Parameters/UnitVelocity_in_cm_per_s", defUnitV))
	hd.comoving = !r.NonCosmological && hd.h > 0 && hd.a > 0 && hd.a <= 1
	if hd.comoving {
		hd.z = 1/hd.a - 1
		if !(hd.om > 0 && hd.om <= 1) {
			return hd, fmt.Errorf("%q: Header/Omega0 = %v: need 0 < Ω_m ≤ 1 for a cosmological snapshot", f.Path, hd.om)
		}
		if !math.IsNaN(hd.ol) && math.Abs(hd.om+hd.ol-1) > 1e-3 {
			return hd, fmt.Errorf("%q: Ω_m + Ω_Λ = %v: only flat cosmologies are supported", f.Path, hd.om+hd.ol)
		}
	}
	if hd.nfiles < 1 {
		hd.nfiles = 1
	}
	return hd, nil
}

var multiFile = regexp.MustCompile(`^(.*)\.(\d+)\.hdf5$`)

// snapshotFiles returns the files of a (possibly multi-file) snapshot: path
// itself for a single file, or base.0.hdf5 … base.(N−1).hdf5 when path is one
// of them and its header says NumFilesPerSnapshot = N.
func snapshotFiles(path string, nfiles int) ([]string, error) {
	if nfiles <= 1 {
		return []string{path}, nil
	}
	m := multiFile.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return nil, fmt.Errorf("%q: header says %d files per snapshot but the name is not BASE.K.hdf5", path, nfiles)
	}
	out := make([]string, nfiles)
	for i := range out {
		out[i] = filepath.Join(filepath.Dir(path), m[1]+"."+strconv.Itoa(i)+".hdf5")
		if _, err := os.Stat(out[i]); err != nil {
			return nil, fmt.Errorf("snapshot %q: file %d of %d missing: %w", path, i, nfiles, err)
		}
	}
	return out, nil
}

// Read reads one galaxy: all star particles of the snapshot, or those of
// subhalo opt.Subhalo of the group catalogue opt.GroupFile; positions relative
// to the centre in physical kpc. Wind particles (formation time ≤ 0) are
// dropped. Built-in snapshots (with a Truth group) keep their stored truth;
// for real snapshots the truth is measured from the particles.
func (r Reader) Read(path string, opt sims.ReadOptions) (*sims.Galaxy, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	f, err := h5.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sims: %w", err)
	}
	hd, err := r.readHeader(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("sims: %w", err)
	}
	files, err := snapshotFiles(path, hd.nfiles)
	if err != nil {
		return nil, fmt.Errorf("sims: %w", err)
	}
	var cs cosmo.FlatLCDM
	if hd.comoving {
		cs = cosmo.FlatLCDM{H0: 100 * hd.h, OmegaM: hd.om}
	}

	// Particle range of the selection, in snapshot order (over all files).
	var sel *selection
	if opt.GroupFile != "" && opt.Subhalo >= 0 {
		if sel, err = readSelection(opt.GroupFile, opt.Subhalo); err != nil {
			return nil, fmt.Errorf("sims: %w", err)
		}
	} else if opt.Subhalo >= 0 {
		return nil, fmt.Errorf("sims: subhalo %d selected but no group catalogue given", opt.Subhalo)
	}

	stars, err := readType(files, 4, hd, sel)
	if err != nil {
		return nil, fmt.Errorf("sims: %w", err)
	}
	if len(stars.mass) == 0 {
		return nil, fmt.Errorf("sims: %q: no star particles in the selection (%s)", path, sel.describe())
	}
	g := &sims.Galaxy{ScaleFactor: hd.a, Redshift: hd.z, HubbleParam: hd.h, OmegaM: hd.om, Source: path}
	if hd.comoving {
		g.TimeGyr = cs.AgeAtScaleFactor(hd.a)
	} else {
		g.ScaleFactor, g.Redshift = 1, 0
		g.TimeGyr = hd.a * hd.unitL / hd.unitV / cosmo.GyrS
	}
	if err := fillStars(g, stars, hd, cs); err != nil {
		return nil, fmt.Errorf("sims: %q: %w", path, err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("sims: %q: %w", path, err)
	}
	if opt.WithGas {
		gas, err := readType(files, 0, hd, sel)
		if err != nil && !errors.Is(err, h5.ErrNotFound) {
			return nil, fmt.Errorf("sims: %w", err)
		}
		if len(gas.mass) > 0 {
			g.Gas = fillGas(gas, hd)
		}
	}

	// Truth and centre.
	truth, centre, haveTruth, err := readTruth(path, hd)
	if err != nil {
		return nil, fmt.Errorf("sims: %w", err)
	}
	var c [3]float64
	switch {
	case opt.Centre == sims.CentreShrink:
		c = sims.ShrinkingSphereCentre(g.Stars.PosKpc, g.Stars.MassMsun, [3]float64{}, 0, 0)
	case sel != nil && sel.hasPos:
		for k := range c {
			c[k] = sel.pos[k] * hd.lengthKpc()
		}
	case haveTruth:
		c = centre
	case opt.Centre == sims.CentreSubhalo:
		return nil, fmt.Errorf("sims: %q: centre=subhalo but neither a group catalogue position nor a recorded centre", path)
	default:
		c = sims.ShrinkingSphereCentre(g.Stars.PosKpc, g.Stars.MassMsun, [3]float64{}, 0, 0)
	}
	if hd.box > 0 {
		wrapPeriodic(g, c, hd.box*hd.lengthKpc())
	}
	g.Recentre(c)
	if sel != nil && sel.hasVel {
		g.BulkVelKms = sel.vel // SubhaloVel is peculiar km/s already
	} else {
		g.BulkVelKms = meanVelocity(g, 10)
	}
	for i := range g.Stars.VelKms {
		for k := 0; k < 3; k++ {
			g.Stars.VelKms[i][k] -= g.BulkVelKms[k]
		}
	}
	if haveTruth {
		g.Truth = truth
	} else {
		g.Truth = sims.NewTruth()
		g.Truth.Family = sims.FamilyReal
		g.Truth.GalaxyID = int64(opt.Subhalo)
		sims.MeasureTruth(g)
	}
	if sel != nil {
		g.Source = fmt.Sprintf("%s subhalo %d of %s", path, opt.Subhalo, opt.GroupFile)
	}
	return g, nil
}

// wrapPeriodic moves every particle to the periodic image nearest c.
func wrapPeriodic(g *sims.Galaxy, c [3]float64, boxKpc float64) {
	wrap := func(p *[3]float64) {
		for k := 0; k < 3; k++ {
			d := p[k] - c[k]
			if d > boxKpc/2 {
				p[k] -= boxKpc
			} else if d < -boxKpc/2 {
				p[k] += boxKpc
			}
		}
	}
	for i := range g.Stars.PosKpc {
		wrap(&g.Stars.PosKpc[i])
	}
	if g.Gas != nil {
		for i := range g.Gas.PosKpc {
			wrap(&g.Gas.PosKpc[i])
		}
	}
}

// meanVelocity returns the mass-weighted mean velocity of the stars within
// rKpc of the origin (all stars when none is that close).
func meanVelocity(g *sims.Galaxy, rKpc float64) [3]float64 {
	s := &g.Stars
	if len(s.VelKms) == 0 {
		return [3]float64{}
	}
	var v [3]float64
	var m float64
	for pass := 0; pass < 2 && m == 0; pass++ {
		for i, p := range s.PosKpc {
			if pass == 0 && p[0]*p[0]+p[1]*p[1]+p[2]*p[2] > rKpc*rKpc {
				continue
			}
			for k := 0; k < 3; k++ {
				v[k] += s.MassMsun[i] * s.VelKms[i][k]
			}
			m += s.MassMsun[i]
		}
	}
	if m > 0 {
		for k := range v {
			v[k] /= m
		}
	}
	return v
}
