package ramses

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Info holds the run parameters of one RAMSES output, from its
// info_NNNNN.txt (written by output_info in amr/output_amr.f90).
type Info struct {
	// Path is the info file read.
	Path string
	// NCPU is the number of CPU domains, hence of part_NNNNN.outCCCCC files.
	NCPU int
	// NDim is the number of dimensions (3 for every run this package reads).
	NDim int
	// LevelMin and LevelMax are the coarsest and finest AMR levels (0 if absent).
	LevelMin, LevelMax int
	// BoxLen is the box size in code length units.
	BoxLen float64
	// Time is the code time of the output: the conformal time τ (in 1/H0,
	// zero today) for cosmological runs, code time units otherwise.
	Time float64
	// Aexp is the expansion factor.
	Aexp float64
	// H0 is the Hubble constant in km/s/Mpc (1 for non-cosmological runs).
	H0 float64
	// OmegaM, OmegaL, OmegaK, OmegaB are the density parameters.
	OmegaM, OmegaL, OmegaK, OmegaB float64
	// UnitL, UnitD, UnitT convert code length, density and time to cm,
	// g/cm³ and s; for cosmological runs they are those of the output's
	// expansion factor (physical, not comoving).
	UnitL, UnitD, UnitT float64
}

// Cosmological reports whether the output is from a cosmological run, with
// RAMSES's own rule (utils/f90/part2birth.f90: cosmo = not (aexp = 1 and
// H0 = 1)); non-cosmological runs keep RAMSES's defaults aexp = 1, H0 = 1.
func (in *Info) Cosmological() bool { return !(in.Aexp == 1 && in.H0 == 1) }

// UnitMassG returns the code mass unit in g: unit_d · unit_l³.
func (in *Info) UnitMassG() float64 { return in.UnitD * in.UnitL * in.UnitL * in.UnitL }

// ReadInfo parses a RAMSES info_NNNNN.txt file. Lines are "key = value";
// parsing stops at "ordering type". Keys other than those of Info are
// ignored; ncpu, ndim, boxlen, time, aexp, H0, omega_m, omega_l, unit_l,
// unit_d and unit_t are required.
func ReadInfo(path string) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ramses: info file: %w", err)
	}
	defer f.Close()
	in := &Info{Path: path}
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		key, val, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if key == "ordering type" {
			break
		}
		var ip *int
		var fp *float64
		switch key {
		case "ncpu":
			ip = &in.NCPU
		case "ndim":
			ip = &in.NDim
		case "levelmin":
			ip = &in.LevelMin
		case "levelmax":
			ip = &in.LevelMax
		case "boxlen":
			fp = &in.BoxLen
		case "time":
			fp = &in.Time
		case "aexp":
			fp = &in.Aexp
		case "H0":
			fp = &in.H0
		case "omega_m":
			fp = &in.OmegaM
		case "omega_l":
			fp = &in.OmegaL
		case "omega_k":
			fp = &in.OmegaK
		case "omega_b":
			fp = &in.OmegaB
		case "unit_l":
			fp = &in.UnitL
		case "unit_d":
			fp = &in.UnitD
		case "unit_t":
			fp = &in.UnitT
		default:
			continue
		}
		if ip != nil {
			v, err := strconv.Atoi(val)
			if err != nil {
				return nil, fmt.Errorf("ramses: %s: line %d: %s = %q is not an integer", path, line, key, val)
			}
			*ip = v
		} else {
			v, err := parseFortranFloat(val)
			if err != nil {
				return nil, fmt.Errorf("ramses: %s: line %d: %s = %q is not a number", path, line, key, val)
			}
			*fp = v
		}
		seen[key] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ramses: %s: %w", path, err)
	}
	for _, k := range []string{"ncpu", "ndim", "boxlen", "time", "aexp", "H0", "omega_m", "omega_l", "unit_l", "unit_d", "unit_t"} {
		if !seen[k] {
			return nil, fmt.Errorf("ramses: %s: no %q line (not a RAMSES info file?)", path, k)
		}
	}
	if !seen["omega_k"] {
		in.OmegaK = 1 - in.OmegaM - in.OmegaL
	}
	if in.NCPU < 1 {
		return nil, fmt.Errorf("ramses: %s: ncpu = %d, must be at least 1", path, in.NCPU)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"boxlen", in.BoxLen}, {"aexp", in.Aexp}, {"H0", in.H0}, {"unit_l", in.UnitL}, {"unit_d", in.UnitD}, {"unit_t", in.UnitT}} {
		if !(c.v > 0) || math.IsInf(c.v, 0) {
			return nil, fmt.Errorf("ramses: %s: %s = %v, must be positive and finite", path, c.name, c.v)
		}
	}
	if math.IsNaN(in.Time) || math.IsInf(in.Time, 0) {
		return nil, fmt.Errorf("ramses: %s: time = %v, must be finite", path, in.Time)
	}
	return in, nil
}

// parseFortranFloat parses a Fortran real, accepting D exponents.
func parseFortranFloat(s string) (float64, error) {
	s = strings.Map(func(r rune) rune {
		if r == 'd' || r == 'D' {
			return 'e'
		}
		return r
	}, s)
	return strconv.ParseFloat(s, 64)
}

var (
	outputDirRE = regexp.MustCompile(`^output_(\d+)$`)
	infoFileRE  = regexp.MustCompile(`^info_(\d+)\.txt$`)
)

// locate resolves path (an output_NNNNN directory, any directory holding one
// info_NNNNN.txt, or the info file itself) to the output directory, the
// output number as written in file names, and the info file.
func locate(path string) (dir, iout, info string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", "", "", fmt.Errorf("ramses: %w", err)
	}
	if !st.IsDir() {
		m := infoFileRE.FindStringSubmatch(filepath.Base(path))
		if m == nil {
			return "", "", "", fmt.Errorf("ramses: %s: want an output_NNNNN directory or its info_NNNNN.txt", path)
		}
		return filepath.Dir(path), m[1], path, nil
	}
	if m := outputDirRE.FindStringSubmatch(filepath.Base(filepath.Clean(path))); m != nil {
		return path, m[1], filepath.Join(path, "info_"+m[1]+".txt"), nil
	}
	matches, _ := filepath.Glob(filepath.Join(path, "info_[0-9]*.txt"))
	var infos []string
	for _, p := range matches {
		if infoFileRE.MatchString(filepath.Base(p)) {
			infos = append(infos, p)
		}
	}
	switch len(infos) {
	case 1:
		m := infoFileRE.FindStringSubmatch(filepath.Base(infos[0]))
		return path, m[1], infos[0], nil
	case 0:
		return "", "", "", fmt.Errorf("ramses: %s: no info_NNNNN.txt (not a RAMSES output directory?)", path)
	}
	return "", "", "", fmt.Errorf("ramses: %s: %d info files (%s …): pass the output_NNNNN directory or one info file", path, len(infos), filepath.Base(infos[0]))
}
