package ramses

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/galforge/galforge/sims"
)

// Hydro variable names of hydro_file_descriptor.txt this package uses.
const (
	hDensity     = "density"
	hMetallicity = "metallicity"
	// hPassive1 is the first passive scalar of the old descriptor layout,
	// which is the metallicity when metals are on (read_hydro_params:
	// imetal = ndim+3+nener, the first passive scalar).
	hPassive1 = "passive_scalar_1"
)

// defaultMetalVar is the 1-based hydro variable taken as the metallicity
// when there is no descriptor (yt's default for nvar ≥ 6: density, three
// velocities, pressure, metallicity).
const defaultMetalVar = 6

var (
	oldNvarRE  = regexp.MustCompile(`^nvar\s*=\s*(\d+)\s*$`)
	oldVarRE   = regexp.MustCompile(`^variable\s*#\s*(\d+)\s*:\s*(\S+)\s*$`)
	nmlMetalRE = regexp.MustCompile(`(?i)\bmetal\s*=\s*\.?(true|false|t|f)\.?`)
)

// readHydroDescriptor parses hydro_file_descriptor.txt in either layout:
//
//   - new (amr/dump_utils.f90, dump_header_info and dump_var_info, as for
//     particles): "# version: 1", "# ivar, variable_name, variable_type",
//     then lines " 1, density, d";
//   - old (hydro/output_hydro.f90, file_descriptor_hydro, before ~2017):
//     "nvar        =           6", then lines "variable #  1: density"; the
//     type is not given (taken from the record lengths).
//
// It returns the variable names and types (0 when unknown) in file order.
func readHydroDescriptor(path string) (names []string, kinds []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var first string
	for sc.Scan() {
		if first = strings.TrimSpace(sc.Text()); first != "" {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Close()
	switch {
	case versionRE.MatchString(first):
		fields, err := readDescriptor(path)
		if err != nil {
			return nil, nil, err
		}
		for _, fd := range fields {
			names = append(names, fd.name)
			kinds = append(kinds, fd.kind)
		}
		return names, kinds, nil
	case oldNvarRE.MatchString(first):
		return readOldHydroDescriptor(path)
	case first == "":
		return nil, nil, fmt.Errorf("%s: empty descriptor", path)
	}
	return nil, nil, fmt.Errorf("%s: line 1: %q, want \"# version: 1\" or \"nvar = N\"", path, first)
}

func readOldHydroDescriptor(path string) (names []string, kinds []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line, nvar := 0, -1
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if nvar < 0 {
			m := oldNvarRE.FindStringSubmatch(s)
			if m == nil {
				return nil, nil, fmt.Errorf("%s: line %d: %q, want \"nvar = N\"", path, line, s)
			}
			nvar, _ = strconv.Atoi(m[1])
			continue
		}
		m := oldVarRE.FindStringSubmatch(s)
		if m == nil {
			return nil, nil, fmt.Errorf("%s: line %d: %q, want \"variable #  N: name\"", path, line, s)
		}
		if i, _ := strconv.Atoi(m[1]); i != len(names)+1 {
			return nil, nil, fmt.Errorf("%s: line %d: variable number %s, want %d (variables must be listed in file order)", path, line, m[1], len(names)+1)
		}
		names = append(names, m[2])
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(names) != nvar {
		return nil, nil, fmt.Errorf("%s: nvar = %d but %d variables listed", path, nvar, len(names))
	}
	return names, make([]byte, len(names)), nil
}

// namelistMetal reports whether namelist.txt sets metal (found is false
// when the file is absent or does not name it).
func namelistMetal(path string) (metal, found bool) {
	f, err := os.Open(path)
	if err != nil {
		return false, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "!")
		if m := nmlMetalRE.FindStringSubmatch(line); m != nil {
			v := strings.ToLower(m[1])
			metal, found = v == "true" || v == "t", true
		}
	}
	return metal, found
}

// hydroLayout picks the density and metallicity variables from the
// descriptor (or the defaults without one) and Reader.GasMetalVar.
func (r Reader) hydroLayout(dir string) (*hydroVars, error) {
	descPath := filepath.Join(dir, "hydro_file_descriptor.txt")
	names, kinds, err := readHydroDescriptor(descPath)
	haveDesc := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ramses: %w", err)
	}
	hv := &hydroVars{dens: 0, metal: -1, kinds: kinds}
	metalOff := false
	if m, found := namelistMetal(filepath.Join(dir, "namelist.txt")); found && !m {
		metalOff = true
	}
	var why string
	if haveDesc {
		hv.source = "hydro_file_descriptor.txt"
		hv.dens = -1
		for i, n := range names {
			switch {
			case n == hDensity:
				hv.dens = i
			case n == hMetallicity:
				hv.metal = i
			}
		}
		if hv.dens < 0 {
			return nil, fmt.Errorf("ramses: %s: no %q variable among %d (%s)", descPath, hDensity, len(names), strings.Join(names, ", "))
		}
		if hv.metal < 0 && !metalOff {
			for i, n := range names {
				if n == hPassive1 {
					hv.metal = i
					why = fmt.Sprintf(", metallicity taken as %s", hPassive1)
				}
			}
		}
	} else {
		hv.source = "no hydro_file_descriptor.txt: density is variable 1"
		if !metalOff {
			hv.metal = defaultMetalVar - 1
			why = fmt.Sprintf(", metallicity variable %d when nvar ≥ %d", defaultMetalVar, defaultMetalVar)
		}
	}
	switch {
	case r.GasMetalVar > 0:
		hv.metal = r.GasMetalVar - 1
		why = fmt.Sprintf(", metallicity variable %d (Reader.GasMetalVar)", r.GasMetalVar)
	case r.GasMetalVar < 0:
		hv.metal = -1
		why = ", no metallicity (Reader.GasMetalVar)"
	case metalOff && hv.metal < 0:
		why = ", no metallicity (namelist.txt: metal = .false.)"
	}
	hv.source += why
	guessed := !haveDesc && r.GasMetalVar == 0
	hv.check = func(nvar int) error {
		if haveDesc && len(names) > nvar {
			return fmt.Errorf("nvar = %d, but %s lists %d variables", nvar, descPath, len(names))
		}
		if hv.metal == hv.dens {
			return fmt.Errorf("the metallicity variable %d is the density (%s)", hv.metal+1, hv.source)
		}
		if hv.dens >= nvar {
			return fmt.Errorf("nvar = %d: no density variable %d", nvar, hv.dens+1)
		}
		if hv.metal >= nvar {
			if guessed {
				return nil // no metallicity: the caller reads nvar < 6 as none
			}
			return fmt.Errorf("nvar = %d: no metallicity variable %d (%s)", nvar, hv.metal+1, hv.source)
		}
		return nil
	}
	return hv, nil
}

// gasFiles returns the AMR and hydro file names of each CPU, or ok = false
// when the output has no hydro files (a run without gas, or an output
// copied without them).
func gasFiles(dir, iout string, ncpu int) (amr, hydro []string, ok bool, err error) {
	amr = make([]string, ncpu)
	hydro = make([]string, ncpu)
	for i := range amr {
		amr[i] = filepath.Join(dir, fmt.Sprintf("amr_%s.out%05d", iout, i+1))
		hydro[i] = filepath.Join(dir, fmt.Sprintf("hydro_%s.out%05d", iout, i+1))
	}
	var present int
	var missing string
	for _, h := range hydro {
		if _, err := os.Stat(h); err == nil {
			present++
		} else if missing == "" {
			missing = h
		}
	}
	if present == 0 {
		return nil, nil, false, nil
	}
	if present < ncpu {
		return nil, nil, false, fmt.Errorf("ramses: %d of %d hydro files present (info says ncpu = %d): %s missing", present, ncpu, ncpu, missing)
	}
	for _, a := range amr {
		if _, err := os.Stat(a); err != nil {
			return nil, nil, false, fmt.Errorf("ramses: AMR file missing (hydro files are present, info says ncpu = %d): %w", ncpu, err)
		}
	}
	return amr, hydro, true, nil
}

// readGas fills g.Gas with the leaf cells within the gas radius of
// g.CentreKpc (the stars are already centred); it returns a description for
// Galaxy.Source. boxKpc > 0 is the periodic box size.
func (r Reader) readGas(g *sims.Galaxy, dir, iout string, info *Info, boxKpc float64) (string, error) {
	amrs, hydros, ok, err := gasFiles(dir, iout, info.NCPU)
	if err != nil {
		return "", err
	}
	if !ok {
		return "no gas: no hydro files", nil
	}
	hv, err := r.hydroLayout(dir)
	if err != nil {
		return "", err
	}
	reg := &gasRegion{
		centre:   g.CentreKpc,
		boxKpc:   boxKpc,
		lenKpc:   info.UnitL / KpcCm,
		massMsun: info.UnitMassG() / MsunG,
		scale:    info.BoxLen,
	}
	var rwhy string
	switch {
	case r.GasRadiusKpc > 0:
		reg.radius, rwhy = r.GasRadiusKpc, "Reader.GasRadiusKpc"
	case r.RadiusKpc > 0:
		reg.radius, rwhy = r.RadiusKpc, "Reader.RadiusKpc"
	default:
		for _, p := range g.Stars.PosKpc {
			reg.radius = math.Max(reg.radius, norm(p))
		}
		rwhy = "the farthest star"
	}

	n := info.NCPU
	cpus := make([]*cpuGas, n)
	if err := forEachCPU(n, r.Workers, func(i int) (err error) {
		cpus[i], err = readCPUGas(amrs[i], hydros[i], i+1, info, reg, hv)
		return err
	}); err != nil {
		return "", err
	}

	var ncell, nleaf, withCells, negZ int
	var where []string
	for _, c := range cpus {
		ncell += len(c.mass)
		nleaf += c.nleaf
		negZ += c.negZ
		if len(c.mass) > 0 {
			withCells++
		}
		if c.badRho+c.badZ > 0 {
			where = append(where, fmt.Sprintf("%s: %d negative or non-finite densities, %d non-finite metallicities", filepath.Base(c.hydro), c.badRho, c.badZ))
		}
	}
	if len(where) > 0 {
		return "", fmt.Errorf("ramses: %s: %w: gas cells (%s)", dir, sims.ErrBadParticles, strings.Join(where, "; "))
	}
	desc := fmt.Sprintf("gas: %d of %d leaf cells within %.6g kpc (%s), from %d of %d CPUs (%s)",
		ncell, nleaf, reg.radius, rwhy, withCells, n, hv.source)
	if negZ > 0 {
		desc += fmt.Sprintf("; %d negative metallicities set to 0", negZ)
	}
	if ncell == 0 {
		return desc, nil
	}
	gas := &sims.Gas{
		PosKpc:      make([][3]float64, 0, ncell),
		MassMsun:    make([]float64, 0, ncell),
		Metallicity: make([]float64, 0, ncell),
		HsmlKpc:     make([]float64, 0, ncell),
	}
	for _, c := range cpus {
		gas.PosKpc = append(gas.PosKpc, c.pos...)
		gas.MassMsun = append(gas.MassMsun, c.mass...)
		gas.HsmlKpc = append(gas.HsmlKpc, c.hsml...)
		for _, z := range c.metal {
			if math.IsNaN(z) {
				z = r.MetallicityIfAbsent
			}
			gas.Metallicity = append(gas.Metallicity, z)
		}
	}
	g.Gas = gas
	return desc, nil
}
