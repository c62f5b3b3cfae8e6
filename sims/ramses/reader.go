package ramses

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
)

// Unit constants (cgs).
const (
	// KpcCm is one kiloparsec in cm (IAU 2012 au × 648000/π × 10³).
	KpcCm = 3.0856775814913673e21
	// MsunG is the solar mass in g (IAU 2015 nominal GM☉ / CODATA 2018 G).
	MsunG = 1.98841e33
	// KmCm is one kilometre in cm.
	KmCm = 1e5
)

// Part-file layouts for Reader.Format.
const (
	// FormatAuto uses part_file_descriptor.txt when present, else the
	// "Particle fields" line of header_NNNNN.txt, else the fixed layout.
	FormatAuto = "auto"
	// FormatDescriptor requires part_file_descriptor.txt.
	FormatDescriptor = "descriptor"
	// FormatFixed ignores descriptor and header and reads the old fixed
	// layout (x, v, mass, id, level [, birth time [, metallicity]]).
	FormatFixed = "fixed"
)

// DefaultBulkRadiusKpc is the radius within which the stars' mass-weighted
// mean velocity is the bulk velocity, when Reader.RadiusKpc is 0.
const DefaultBulkRadiusKpc = 10

// Reader reads the star particles of one RAMSES output (an output_NNNNN
// directory) as a sims.Galaxy. The zero value reads every star, centred by
// the shrinking-sphere method, with birth times interpreted as described in
// the package documentation. It implements sims.Reader.
type Reader struct {
	// BirthTime is how birth times of cosmological runs are read: "" or
	// BirthTimeAuto, BirthTimeConformal, BirthTimeProper. Non-cosmological
	// runs always use code time.
	BirthTime string
	// Format selects the part-file layout: "" or FormatAuto,
	// FormatDescriptor, FormatFixed.
	Format string
	// CentreKpc, when set, is the galaxy centre in physical kpc in the box
	// frame (code position × unit_l). With ReadOptions.Centre = "shrink" it
	// is instead the start of the shrinking sphere, of radius RadiusKpc. In
	// cosmological (periodic) boxes positions are wrapped to the nearest
	// image of this centre.
	CentreKpc *[3]float64
	// RadiusKpc > 0 keeps only stars within this many physical kpc of the
	// centre (for pulling one galaxy out of a box), and is then also the
	// radius of the bulk-velocity average. 0 keeps every star.
	RadiusKpc float64
	// MetallicityIfAbsent is the metal mass fraction given to every star
	// and gas cell when the output has no metallicity (a run with metal =
	// .false.).
	MetallicityIfAbsent float64
	// GasRadiusKpc > 0 is the radius, in physical kpc about the galaxy
	// centre, within which leaf gas cells are kept (by their centres) when
	// ReadOptions.WithGas is set. 0 uses RadiusKpc when that is set, else
	// the distance of the farthest star read.
	GasRadiusKpc float64
	// GasMetalVar > 0 is the 1-based hydro variable holding the gas metal
	// mass fraction, overriding hydro_file_descriptor.txt; negative means
	// the run has none (MetallicityIfAbsent is used). 0 (the default): the
	// "metallicity" variable of the descriptor, as described in the
	// package documentation.
	GasMetalVar int
	// Workers is the number of part (or AMR and hydro) files read at once
	// (0: GOMAXPROCS).
	Workers int
}

var _ sims.Reader = Reader{}

// Read reads every star particle of the RAMSES output at path (an
// output_NNNNN directory or its info_NNNNN.txt). opt.Subhalo must be
// negative and opt.GroupFile empty: RAMSES outputs carry no group
// catalogue. With opt.WithGas, the leaf cells of the AMR gas within
// GasRadiusKpc of the centre are read into Galaxy.Gas (nil when the output
// has no hydro files or no cell lies there).
func (r Reader) Read(path string, opt sims.ReadOptions) (*sims.Galaxy, error) {
	if err := r.check(opt); err != nil {
		return nil, err
	}
	dir, iout, infoPath, err := locate(path)
	if err != nil {
		return nil, err
	}
	info, err := ReadInfo(infoPath)
	if err != nil {
		return nil, err
	}
	if info.NDim != 3 {
		return nil, fmt.Errorf("ramses: %s: ndim = %d, only 3D runs are read", infoPath, info.NDim)
	}
	cosmological := info.Cosmological()
	var cm cosmo.FlatLCDM
	if cosmological {
		if d := info.OmegaM + info.OmegaL - 1; math.Abs(d) > 1e-3 {
			return nil, fmt.Errorf("ramses: %s: omega_m + omega_l = %v: only flat cosmologies are supported (|Ωm + ΩΛ − 1| ≤ 1e-3)", infoPath, info.OmegaM+info.OmegaL)
		}
		cm = cosmo.FlatLCDM{H0: info.H0, OmegaM: info.OmegaM}
		if err := cm.Validate(); err != nil {
			return nil, fmt.Errorf("ramses: %s: %w", infoPath, err)
		}
	}
	lay, descPath, err := r.layout(dir, iout)
	if err != nil {
		return nil, err
	}

	parts, err := r.readParts(dir, iout, info, lay, descPath)
	if err != nil {
		return nil, err
	}
	nstar, npart := 0, 0
	for _, p := range parts {
		nstar += len(p.mass)
		npart += p.npart
	}
	if nstar == 0 {
		return nil, fmt.Errorf("ramses: %s: no star particles among the %d particles of %d part files (%s)", dir, npart, len(parts), lay.source)
	}

	// Snapshot time and the birth-time convention.
	g := &sims.Galaxy{}
	var conv, why string
	var clock *cosmoClock
	if cosmological {
		conv, why, err = birthConvention(r.BirthTime, dir, iout)
		if err != nil {
			return nil, err
		}
		clock = newCosmoClock(info, conv)
		g.TimeGyr = clock.tSnap
		g.ScaleFactor = info.Aexp
		g.Redshift = 1/info.Aexp - 1
		g.HubbleParam = info.H0 / 100
		g.OmegaM = info.OmegaM
	} else {
		conv, why = "code", "non-cosmological run"
		g.TimeGyr = info.Time * info.UnitT / cosmo.GyrS
		g.ScaleFactor = 1
	}
	clamped, err := r.fillStars(g, parts, info, clock, nstar)
	if err != nil {
		return nil, fmt.Errorf("ramses: %s: %w (birth times %s: %s)", dir, err, conv, why)
	}
	if err := validate(g, dir, parts); err != nil {
		return nil, err
	}

	// Centre, select and subtract the bulk velocity.
	boxKpc := 0.0
	if cosmological {
		boxKpc = info.BoxLen * info.UnitL / KpcCm
	}
	centreDesc, err := r.centre(g, opt, boxKpc)
	if err != nil {
		return nil, fmt.Errorf("ramses: %s: %w", dir, err)
	}

	gasDesc := ""
	if opt.WithGas {
		d, err := r.readGas(g, dir, iout, info, boxKpc)
		if err != nil {
			return nil, err
		}
		gasDesc = "; " + d
	}

	if clamped > 0 {
		why += fmt.Sprintf("; %d stars born up to %g Gyr after the snapshot given age 0", clamped, ageTolGyr)
	}
	g.Source = fmt.Sprintf("ramses:%s (%d stars of %d particles, %s; birth times %s: %s; centre %s%s)",
		dir, g.Stars.Len(), npart, lay.source, conv, why, centreDesc, gasDesc)
	g.Truth = sims.NewTruth()
	g.Truth.GalaxyID = 0
	g.Truth.Family = sims.FamilyReal
	if n, err := strconv.Atoi(iout); err == nil {
		g.Truth.Snapshot = n
	}
	sims.MeasureTruth(g)
	return g, nil
}

// fillStars converts the stars of parts to physical units and their birth
// times to formation times and ages (clock nil: non-cosmological code time)
// into g.Stars. It returns the number of stars given age 0 because they
// seem born (by less than ageTolGyr, more than 1e-9 Gyr) after the snapshot.
func (r Reader) fillStars(g *sims.Galaxy, parts []*cpuStars, info *Info, clock *cosmoClock, nstar int) (clamped int, err error) {
	lenKpc := info.UnitL / KpcCm
	velKms := info.UnitL / info.UnitT / KmCm
	massMsun := info.UnitMassG() / MsunG
	s := &g.Stars
	s.PosKpc = make([][3]float64, 0, nstar)
	s.VelKms = make([][3]float64, 0, nstar)
	s.MassMsun = make([]float64, 0, nstar)
	s.InitialMassMsun = make([]float64, 0, nstar)
	s.FormationTimeGyr = make([]float64, 0, nstar)
	s.AgeGyr = make([]float64, 0, nstar)
	s.Metallicity = make([]float64, 0, nstar)
	var badBirth int
	var firstBad, worst float64
	for _, p := range parts {
		for i := range p.mass {
			x, v := p.pos[i], p.vel[i]
			s.PosKpc = append(s.PosKpc, [3]float64{x[0] * lenKpc, x[1] * lenKpc, x[2] * lenKpc})
			s.VelKms = append(s.VelKms, [3]float64{v[0] * velKms, v[1] * velKms, v[2] * velKms})
			m := p.mass[i] * massMsun
			s.MassMsun = append(s.MassMsun, m)
			if p.mass0 != nil {
				s.InitialMassMsun = append(s.InitialMassMsun, p.mass0[i]*massMsun)
			} else {
				s.InitialMassMsun = append(s.InitialMassMsun, m)
			}
			if p.metal != nil {
				s.Metallicity = append(s.Metallicity, p.metal[i])
			} else {
				s.Metallicity = append(s.Metallicity, r.MetallicityIfAbsent)
			}
			b := p.birth[i]
			var tf, age float64
			if clock != nil {
				var ok bool
				tf, age, ok = clock.formation(b)
				if !ok && !math.IsNaN(b) { // NaN: reported by Validate as a bad age
					if badBirth == 0 {
						firstBad = b
					}
					badBirth++
				}
			} else {
				tf = b * info.UnitT / cosmo.GyrS
				age = g.TimeGyr - tf
			}
			if age < 0 {
				if age > -ageTolGyr {
					if age < -1e-9 {
						clamped++
					}
					age, tf = 0, g.TimeGyr
				} else {
					worst = math.Min(worst, age)
				}
			}
			s.FormationTimeGyr = append(s.FormationTimeGyr, tf)
			s.AgeGyr = append(s.AgeGyr, age)
		}
	}
	if badBirth > 0 {
		what := "before a = 1e-3 (z = 999) or after a = 2 as conformal times"
		if clock.conv == BirthTimeProper {
			what = "before the Big Bang as proper times"
		}
		return 0, fmt.Errorf("%d of %d stars have birth times %s (first: %v): set Reader.BirthTime to the other convention?", badBirth, nstar, what, firstBad)
	}
	if worst < 0 {
		hint := ": wrong Reader.BirthTime?"
		if clock == nil {
			hint = ""
		}
		return 0, fmt.Errorf("stars born up to %.4g Gyr after the snapshot (t = %.6g Gyr)%s", -worst, g.TimeGyr, hint)
	}
	return clamped, nil
}

// check validates the reader's settings and the read options.
func (r Reader) check(opt sims.ReadOptions) error {
	if err := opt.Validate(); err != nil {
		return fmt.Errorf("ramses: %w", err)
	}
	if opt.GroupFile != "" {
		return fmt.Errorf("ramses: ReadOptions.GroupFile = %q: RAMSES outputs have no group catalogue this reader can use; read all stars (Subhalo = -1) and select one galaxy with Reader.CentreKpc and Reader.RadiusKpc", opt.GroupFile)
	}
	if opt.Subhalo >= 0 {
		return fmt.Errorf("ramses: ReadOptions.Subhalo = %d: RAMSES outputs have no subhalo catalogue; set Subhalo = -1 (all stars) and select one galaxy with Reader.CentreKpc and Reader.RadiusKpc", opt.Subhalo)
	}
	if opt.Centre == sims.CentreSubhalo {
		return fmt.Errorf("ramses: ReadOptions.Centre = %q needs a group catalogue; use %q or Reader.CentreKpc", opt.Centre, sims.CentreShrink)
	}
	switch r.Format {
	case "", FormatAuto, FormatDescriptor, FormatFixed:
	default:
		return fmt.Errorf("ramses: Reader.Format = %q, want %q, %q or %q", r.Format, FormatAuto, FormatDescriptor, FormatFixed)
	}
	switch r.BirthTime {
	case "", BirthTimeAuto, BirthTimeConformal, BirthTimeProper:
	default:
		return fmt.Errorf("ramses: Reader.BirthTime = %q, want %q, %q or %q", r.BirthTime, BirthTimeAuto, BirthTimeConformal, BirthTimeProper)
	}
	if !(r.RadiusKpc >= 0) || math.IsInf(r.RadiusKpc, 0) {
		return fmt.Errorf("ramses: Reader.RadiusKpc = %v, must be finite and ≥ 0", r.RadiusKpc)
	}
	if r.CentreKpc != nil && !finite3(*r.CentreKpc) {
		return fmt.Errorf("ramses: Reader.CentreKpc = %v, must be finite", *r.CentreKpc)
	}
	if !(r.GasRadiusKpc >= 0) || math.IsInf(r.GasRadiusKpc, 0) {
		return fmt.Errorf("ramses: Reader.GasRadiusKpc = %v, must be finite and ≥ 0", r.GasRadiusKpc)
	}
	if !(r.MetallicityIfAbsent >= 0) || math.IsInf(r.MetallicityIfAbsent, 0) {
		return fmt.Errorf("ramses: Reader.MetallicityIfAbsent = %v, must be finite and ≥ 0", r.MetallicityIfAbsent)
	}
	return nil
}

// layout picks the part-file layout; descPath is the descriptor's path.
func (r Reader) layout(dir, iout string) (layout, string, error) {
	descPath := filepath.Join(dir, "part_file_descriptor.txt")
	if r.Format == FormatFixed {
		return layout{source: "fixed layout (Reader.Format)"}, descPath, nil
	}
	fields, err := readDescriptor(descPath)
	switch {
	case err == nil:
		return layout{source: "part_file_descriptor.txt", fields: fields}, descPath, nil
	case !errors.Is(err, fs.ErrNotExist):
		return layout{}, "", fmt.Errorf("ramses: %w", err)
	case r.Format == FormatDescriptor:
		return layout{}, "", fmt.Errorf("ramses: Reader.Format = %q but the particle descriptor is missing: %w", FormatDescriptor, err)
	}
	hdr := filepath.Join(dir, "header_"+iout+".txt")
	fields, err = readHeaderFields(hdr)
	if err != nil {
		return layout{}, "", fmt.Errorf("ramses: %w", err)
	}
	if fields != nil {
		return layout{source: filepath.Base(hdr) + " particle fields", fields: fields}, descPath, nil
	}
	return layout{source: "fixed layout"}, descPath, nil
}

// readParts reads part_NNNNN.out00001 … outNCPU concurrently, returning
// them in CPU order (the first error in CPU order wins).
func (r Reader) readParts(dir, iout string, info *Info, lay layout, descPath string) ([]*cpuStars, error) {
	n := info.NCPU
	names := make([]string, n)
	for i := range names {
		names[i] = filepath.Join(dir, fmt.Sprintf("part_%s.out%05d", iout, i+1))
	}
	// Check every file exists first, so a missing one is reported before
	// any work and by name.
	for _, name := range names {
		if _, err := os.Stat(name); err != nil {
			return nil, fmt.Errorf("ramses: part file missing (info says ncpu = %d): %w", n, err)
		}
	}
	parts := make([]*cpuStars, n)
	if err := forEachCPU(n, r.Workers, func(i int) (err error) {
		parts[i], err = readPart(names[i], lay, info.NCPU, info.NDim, descPath)
		return err
	}); err != nil {
		return nil, err
	}
	return parts, nil
}

// forEachCPU runs fn(0) … fn(n−1) on up to workers goroutines (0: GOMAXPROCS)
// and returns the error of the lowest i that failed, prefixed "ramses:".
func forEachCPU(n, workers int, fn func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("ramses: %w", err)
		}
	}
	return nil
}

// validate runs Galaxy.Validate on the raw stars and checks velocities,
// naming the part files holding bad values.
func validate(g *sims.Galaxy, dir string, parts []*cpuStars) error {
	err := g.Validate()
	var badVel int
	var where []string
	for _, p := range parts {
		badVel += p.badVel
		if p.badPos+p.badVel+p.badMass == 0 {
			continue
		}
		var kinds []string
		if p.badPos > 0 {
			kinds = append(kinds, fmt.Sprintf("%d non-finite positions", p.badPos))
		}
		if p.badVel > 0 {
			kinds = append(kinds, fmt.Sprintf("%d non-finite velocities", p.badVel))
		}
		if p.badMass > 0 {
			kinds = append(kinds, fmt.Sprintf("%d negative or non-finite masses", p.badMass))
		}
		where = append(where, fmt.Sprintf("%s: %s", filepath.Base(p.file), strings.Join(kinds, ", ")))
	}
	if err == nil && badVel > 0 {
		err = fmt.Errorf("%w: %d of %d stars have non-finite velocities", sims.ErrBadParticles, badVel, g.Stars.Len())
	}
	if err == nil {
		return nil
	}
	if len(where) > 0 {
		return fmt.Errorf("ramses: %s: %w (%s)", dir, err, strings.Join(where, "; "))
	}
	return fmt.Errorf("ramses: %s: %w", dir, err)
}
