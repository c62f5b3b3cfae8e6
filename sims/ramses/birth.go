package ramses

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/galforge/galforge/cosmo"
)

// conformalTable relates RAMSES's conformal ("super-comoving") time
// τ(a) = −∫_a^1 da′ / (a′³ E(a′)), in units of 1/H0 and zero today, with
// E(a) = √(Ωm a⁻³ + ΩΛ + Ωk a⁻²), to the scale factor and cosmic time: the
// relation RAMSES's friedman routine (amr/init_time.f90,
// utils/f90/utils.f90) tabulates as tau_frw, whose derivative
// dadtau = √(a³(Ωm + ΩΛa³ + Ωk a)) = a³E is the one here.
//
// τ is tabulated on a uniform grid in x = ln a from a = 10⁻³ (RAMSES's own
// table starts there) to a = 2, integrating dτ/dx = 1/(a²E) with 5-point
// Gauss–Legendre on each of the 4402 intervals (error below 10⁻¹³).
// scaleFactor inverts it by cubic Hermite interpolation of x(τ) with the
// exact slope dx/dτ = a²E; cosmicTime interpolates the cosmic time t(τ) the
// same way with the exact slope dt/dτ = a²/H0 (both good to better than
// 10⁻¹⁰ relative, checked against quadrature by the tests).
type conformalTable struct {
	om, ol, ok float64
	x0, dx     float64
	tau, slope []float64 // τ and dx/dτ at the nodes
	// Cosmic time (Gyr) and dt/dτ at the nodes, when set by withTime.
	tGyr, tSlope []float64
}

const (
	tableAMin  = 1e-3
	tableAMax  = 2
	tableSteps = 4000 // intervals between a = 10⁻³ and a = 1
)

var (
	gl5x = [5]float64{-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640}
	gl5w = [5]float64{0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891}
)

func newConformalTable(om, ol, ok float64) *conformalTable {
	t := &conformalTable{om: om, ol: ol, ok: ok}
	t.dx = -math.Log(tableAMin) / tableSteps
	t.x0 = math.Log(tableAMin)
	nUp := int(math.Ceil(math.Log(tableAMax) / t.dx))
	nodes := tableSteps + nUp + 1
	t.tau = make([]float64, nodes)
	t.slope = make([]float64, nodes)
	for k := 1; k < nodes; k++ {
		xa := t.x0 + float64(k-1)*t.dx
		var s float64
		for j := range gl5x {
			s += gl5w[j] * t.dtaudx(xa+0.5*t.dx*(1+gl5x[j]))
		}
		t.tau[k] = t.tau[k-1] + 0.5*t.dx*s
	}
	ref := t.tau[tableSteps] // x = 0, a = 1: τ = 0 today
	for k := range t.tau {
		t.tau[k] -= ref
		t.slope[k] = 1 / t.dtaudx(t.x0+float64(k)*t.dx)
	}
	t.tau[tableSteps] = 0
	return t
}

// e returns H(a)/H0.
func (t *conformalTable) e(a float64) float64 {
	return math.Sqrt(t.om/(a*a*a) + t.ol + t.ok/(a*a))
}

func (t *conformalTable) dtaudx(x float64) float64 {
	a := math.Exp(x)
	return 1 / (a * a * t.e(a))
}

// scaleFactor returns a(τ); ok is false outside the table (a < 10⁻³ or
// a > 2) or for a non-finite τ.
func (t *conformalTable) scaleFactor(tau float64) (a float64, ok bool) {
	n := len(t.tau)
	if !(tau >= t.tau[0] && tau <= t.tau[n-1]) {
		return math.NaN(), false
	}
	k := sort.SearchFloat64s(t.tau, tau) // first node with τ_k ≥ τ
	if k == 0 {
		return tableAMin, true
	}
	t0, t1 := t.tau[k-1], t.tau[k]
	h := t1 - t0
	s := (tau - t0) / h
	x0 := t.x0 + float64(k-1)*t.dx
	// Cubic Hermite basis.
	s2, s3 := s*s, s*s*s
	h00 := 2*s3 - 3*s2 + 1
	h10 := s3 - 2*s2 + s
	h01 := -2*s3 + 3*s2
	h11 := s3 - s2
	x := h00*x0 + h10*h*t.slope[k-1] + h01*(x0+t.dx) + h11*h*t.slope[k]
	return math.Exp(x), true
}

// withTime adds the cosmic time of c at the nodes, so that cosmicTime can
// interpolate t(τ) (cubic Hermite with the exact slope dt/dτ = a² E/E_c /H0,
// E the table's and E_c the flat cosmology's H/H0) instead of evaluating
// exp, pow and asinh per star.
func (t *conformalTable) withTime(c cosmo.FlatLCDM) *conformalTable {
	n := len(t.tau)
	t.tGyr, t.tSlope = make([]float64, n), make([]float64, n)
	th := c.HubbleTimeGyr()
	for k := range t.tau {
		a := math.Exp(t.x0 + float64(k)*t.dx)
		t.tGyr[k] = c.AgeAtScaleFactor(a)
		t.tSlope[k] = th * a * a * t.e(a) / c.E(1/a-1)
	}
	return t
}

// cosmicTime returns the cosmic time in Gyr at conformal time τ (withTime
// must have been called); ok is false outside the table.
func (t *conformalTable) cosmicTime(tau float64) (tGyr float64, ok bool) {
	n := len(t.tau)
	if !(tau >= t.tau[0] && tau <= t.tau[n-1]) {
		return math.NaN(), false
	}
	k := sort.SearchFloat64s(t.tau, tau)
	if k == 0 {
		return t.tGyr[0], true
	}
	t0, t1 := t.tau[k-1], t.tau[k]
	h := t1 - t0
	s := (tau - t0) / h
	s2, s3 := s*s, s*s*s
	return (2*s3-3*s2+1)*t.tGyr[k-1] + (s3-2*s2+s)*h*t.tSlope[k-1] +
		(-2*s3+3*s2)*t.tGyr[k] + (s3-s2)*h*t.tSlope[k], true
}

// tauAt returns τ(a), integrating from the nearest table node below.
func (t *conformalTable) tauAt(a float64) float64 {
	x := math.Log(a)
	k := int((x - t.x0) / t.dx)
	k = min(max(k, 0), len(t.tau)-2)
	xa := t.x0 + float64(k)*t.dx
	var s float64
	for j := range gl5x {
		s += gl5w[j] * t.dtaudx(xa+0.5*(x-xa)*(1+gl5x[j]))
	}
	return t.tau[k] + 0.5*(x-xa)*s
}

// Birth-time conventions for Reader.BirthTime.
const (
	// BirthTimeAuto picks the convention from the output (see the package
	// documentation).
	BirthTimeAuto = "auto"
	// BirthTimeConformal reads birth times as RAMSES's conformal time τ
	// (units of 1/H0, zero today): the default of cosmological runs.
	BirthTimeConformal = "conformal"
	// BirthTimeProper reads birth times as proper look-back time in units of
	// 1/H0, zero today (RAMSES's texp, written when use_proper_time is set,
	// which RAMSES-RT forces for stellar sources).
	BirthTimeProper = "proper"
)

// birthConvention resolves Reader.BirthTime for a cosmological output and
// says why.
func birthConvention(setting, dir, iout string) (conv, why string, err error) {
	switch setting {
	case BirthTimeConformal, BirthTimeProper:
		return setting, "Reader.BirthTime", nil
	case "", BirthTimeAuto:
	default:
		return "", "", fmt.Errorf("ramses: Reader.BirthTime = %q, want %q, %q or %q", setting, BirthTimeAuto, BirthTimeConformal, BirthTimeProper)
	}
	nml := filepath.Join(dir, "namelist.txt")
	if v, found, err := namelistProperTime(nml); err != nil {
		return "", "", err
	} else if found {
		if v {
			return BirthTimeProper, "namelist.txt sets use_proper_time or rt_star", nil
		}
		return BirthTimeConformal, "namelist.txt sets use_proper_time = .false.", nil
	}
	if _, err := os.Stat(filepath.Join(dir, "info_rt_"+iout+".txt")); err == nil {
		return BirthTimeProper, "RAMSES-RT output (info_rt file present)", nil
	}
	return BirthTimeConformal, "default for cosmological runs", nil
}

var (
	nmlProperRE = regexp.MustCompile(`(?i)\buse_proper_time\s*=\s*\.?(true|false|t|f)\.?`)
	nmlRTStarRE = regexp.MustCompile(`(?i)\brt_star\s*=\s*\.?(true|t)\.?`)
)

// namelistProperTime looks for use_proper_time (or rt_star = .true., which
// sets it in rt/rt_init.f90) in a namelist file; found is false when the
// file is absent or names neither.
func namelistProperTime(path string) (proper, found bool, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("ramses: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "!")
		if m := nmlProperRE.FindStringSubmatch(line); m != nil {
			v := strings.ToLower(m[1])
			if v == "true" || v == "t" {
				return true, true, nil
			}
			proper, found = false, true
		}
		if nmlRTStarRE.MatchString(line) {
			return true, true, nil
		}
	}
	return proper, found, sc.Err()
}

// ageTolGyr is how long after the snapshot a star may seem born (from
// rounding and RAMSES's tabulated clock) before it is an error; such stars
// get age 0.
const ageTolGyr = 1e-3

// cosmoClock converts birth times of a cosmological run.
type cosmoClock struct {
	c        cosmo.FlatLCDM
	table    *conformalTable
	tSnap    float64 // Gyr, from aexp
	tSnapTau float64 // Gyr, from info time τ (conformal clock)
	useTau   bool    // ages as differences on the τ clock
	t0, tH   float64 // age of the universe today and 1/H0, Gyr (proper times)
	conv     string
}

func newCosmoClock(in *Info, conv string) *cosmoClock {
	c := cosmo.FlatLCDM{H0: in.H0, OmegaM: in.OmegaM}
	ck := &cosmoClock{c: c, tSnap: c.AgeAtScaleFactor(in.Aexp), conv: conv,
		t0: c.AgeAtScaleFactor(1), tH: c.HubbleTimeGyr()}
	if conv == BirthTimeConformal {
		ck.table = newConformalTable(in.OmegaM, in.OmegaL, 1-in.OmegaM-in.OmegaL).withTime(c)
		if t, ok := ck.table.cosmicTime(in.Time); ok {
			ck.tSnapTau = t
			// The info file's τ and aexp agree to RAMSES's table accuracy
			// (~10⁻⁴ Gyr); then ages are differences on the τ clock, exact
			// for the youngest stars. Otherwise ages are from aexp.
			ck.useTau = math.Abs(ck.tSnapTau-ck.tSnap) < ageTolGyr
		}
	}
	return ck
}

// formation returns the formation time (cosmic time, Gyr) and age (Gyr) of
// a star of birth time b (code units); ok is false when b is outside the
// convention's range.
func (ck *cosmoClock) formation(b float64) (tf, age float64, ok bool) {
	if ck.conv == BirthTimeProper {
		tf = ck.t0 + b*ck.tH
		return tf, ck.tSnap - tf, tf >= 0
	}
	t, ok := ck.table.cosmicTime(b)
	if !ok {
		return math.NaN(), math.NaN(), false
	}
	if ck.useTau {
		age = ck.tSnapTau - t
		return ck.tSnap - age, age, true
	}
	return t, ck.tSnap - t, true
}
