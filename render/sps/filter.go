package sps

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrUnknownBand is wrapped by FilterByName for a name it does not know.
var ErrUnknownBand = errors.New("unknown band")

// ErrBadFilter is wrapped by the errors of Filter.Validate and of the filter
// readers.
var ErrBadFilter = errors.New("bad filter curve")

// Filter is a total-system throughput curve (telescope, instrument, filter
// and detector), linear between its samples and zero outside them.
type Filter struct {
	// Name identifies the band, e.g. "F160W"; errors name it.
	Name string
	// WaveAA are the wavelengths in Å, strictly increasing and > 0.
	WaveAA []float64
	// Throughput is the dimensionless throughput (0–1) at each wavelength,
	// finite and ≥ 0, not all 0.
	Throughput []float64
}

// embeddedBands maps the band names, in order of pivot wavelength, to the
// embedded GalSim curves.
var embeddedBands = []struct{ name, file string }{
	{"F435W", "data/ACS_wfc_F435W.dat"},
	{"F606W", "data/ACS_wfc_F606W.dat"},
	{"F775W", "data/ACS_wfc_F775W.dat"},
	{"F814W", "data/ACS_wfc_F814W.dat"},
	{"F850LP", "data/ACS_wfc_F850LP.dat"},
	{"F105W", "data/WFC3_ir_F105W.dat"},
	{"F125W", "data/WFC3_ir_F125W.dat"},
	{"F160W", "data/WFC3_ir_F160W.dat"},
}

// Bands returns the names of the embedded bands in order of increasing pivot
// wavelength: ACS/WFC F435W, F606W, F775W, F814W, F850LP and WFC3/IR F105W,
// F125W, F160W.
func Bands() []string {
	out := make([]string, len(embeddedBands))
	for i, b := range embeddedBands {
		out[i] = b.name
	}
	return out
}

// FilterByName returns the embedded throughput curve of band name (one of
// Bands, case-insensitive, e.g. "F160W" or "f160w"). The curves are those of
// GalSim's share/bandpasses (STScI total throughputs, thinned to a relative
// error of 10⁻³). Each call returns fresh slices.
func FilterByName(name string) (Filter, error) {
	key := strings.ToUpper(strings.TrimSpace(name))
	for _, b := range embeddedBands {
		if b.name != key {
			continue
		}
		raw, err := dataFS.ReadFile(b.file)
		if err != nil {
			return Filter{}, fmt.Errorf("sps: band %s: %w", b.name, err)
		}
		f, err := ParseFilter(b.name, bytes.NewReader(raw), 10)
		if err != nil {
			return Filter{}, err
		}
		return f, nil
	}
	return Filter{}, fmt.Errorf("sps: %w %q (known: %s)", ErrUnknownBand, name, strings.Join(Bands(), ", "))
}

// ReadFilter reads a two-column text throughput curve (wavelength,
// throughput; '#' starts a comment; further columns are ignored). The
// wavelength unit is taken from a header comment naming it ("nm" as in
// GalSim's "# Wavelength(nm)", or "Angstrom"/"Å"/"AA"); without one, files
// ending in .par (sedpy) are in Å, and any other file is an error: use
// ParseFilter to give the unit. The filter's Name is the file name without
// its extension.
func ReadFilter(path string) (Filter, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Filter{}, fmt.Errorf("sps: read filter %q: %w", path, err)
	}
	unit := headerWaveUnit(raw)
	if unit == 0 && strings.EqualFold(filepath.Ext(path), ".par") {
		unit = 1
	}
	if unit == 0 {
		return Filter{}, fmt.Errorf("sps: read filter %q: %w: no wavelength unit in the header (add \"# Wavelength(nm)\" or \"# Wavelength(Angstrom)\", or use ParseFilter)", path, ErrBadFilter)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	f, err := ParseFilter(name, bytes.NewReader(raw), unit)
	if err != nil {
		return Filter{}, fmt.Errorf("sps: read filter %q: %w", path, err)
	}
	return f, nil
}

// headerWaveUnit returns the wavelength unit in Å named by the comment lines
// of a filter file, or 0.
func headerWaveUnit(raw []byte) float64 {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			continue
		}
		l := strings.ToLower(line)
		if !strings.Contains(l, "wave") && !strings.Contains(l, "lambda") {
			continue
		}
		switch {
		case strings.Contains(l, "(nm)") || strings.Contains(l, "[nm]") || strings.Contains(l, " nm"):
			return 10
		case strings.Contains(l, "angstrom") || strings.Contains(l, "å") || strings.Contains(l, "(aa)") || strings.Contains(l, "(a)") || strings.Contains(l, "[a]"):
			return 1
		case strings.Contains(l, "micron") || strings.Contains(l, "(um)") || strings.Contains(l, "µm"):
			return 1e4
		}
	}
	return 0
}

// ParseFilter reads a two-column text throughput curve from r, wavelengths
// in units of waveUnitAA Å (10 for nm, 1 for Å), and validates it. Errors
// name the filter and the line.
func ParseFilter(name string, r io.Reader, waveUnitAA float64) (Filter, error) {
	if !(waveUnitAA > 0) || math.IsInf(waveUnitAA, 0) {
		return Filter{}, fmt.Errorf("sps: filter %s: %w: wavelength unit %v Å", name, ErrBadFilter, waveUnitAA)
	}
	f := Filter{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		fields := strings.Fields(s)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return Filter{}, fmt.Errorf("sps: filter %s: line %d: %w: want two columns, got %q", name, line, ErrBadFilter, sc.Text())
		}
		w, err1 := strconv.ParseFloat(fields[0], 64)
		t, err2 := strconv.ParseFloat(fields[1], 64)
		if err1 != nil || err2 != nil {
			return Filter{}, fmt.Errorf("sps: filter %s: line %d: %w: cannot parse %q", name, line, ErrBadFilter, sc.Text())
		}
		if math.IsNaN(w) || math.IsInf(w, 0) || math.IsNaN(t) || math.IsInf(t, 0) {
			return Filter{}, fmt.Errorf("sps: filter %s: line %d: %w: non-finite value in %q", name, line, ErrBadFilter, sc.Text())
		}
		f.WaveAA = append(f.WaveAA, w*waveUnitAA)
		f.Throughput = append(f.Throughput, t)
	}
	if err := sc.Err(); err != nil {
		return Filter{}, fmt.Errorf("sps: filter %s: line %d: %w", name, line+1, err)
	}
	if err := f.Validate(); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// Validate reports whether the curve is usable: at least two samples,
// matching lengths, finite strictly increasing positive wavelengths, finite
// non-negative throughputs, not all zero.
func (f Filter) Validate() error {
	if len(f.WaveAA) != len(f.Throughput) {
		return fmt.Errorf("sps: filter %s: %w: %d wavelengths but %d throughputs", f.Name, ErrBadFilter, len(f.WaveAA), len(f.Throughput))
	}
	if len(f.WaveAA) < 2 {
		return fmt.Errorf("sps: filter %s: %w: %d samples, need at least 2", f.Name, ErrBadFilter, len(f.WaveAA))
	}
	if err := increasing("wavelength", f.WaveAA, 0, false); err != nil {
		return fmt.Errorf("sps: filter %s: %w: %v", f.Name, ErrBadFilter, err)
	}
	var max float64
	for i, t := range f.Throughput {
		if !(t >= 0) || math.IsInf(t, 0) {
			return fmt.Errorf("sps: filter %s: %w: throughput %v at %g Å", f.Name, ErrBadFilter, t, f.WaveAA[i])
		}
		max = math.Max(max, t)
	}
	if max == 0 {
		return fmt.Errorf("sps: filter %s: %w: throughput is zero everywhere", f.Name, ErrBadFilter)
	}
	return nil
}

// At returns the throughput at wavelength waveAA (Å): linear between samples,
// 0 outside them.
func (f Filter) At(waveAA float64) float64 { return interpLinear(f.WaveAA, f.Throughput, waveAA) }

// PivotAA returns the pivot wavelength in Å,
// λ_p = (∫ T λ dλ / ∫ T/λ dλ)^{1/2}, integrated exactly for the
// piecewise-linear curve (the definition of STScI's PHOTPLAM; Tokunaga &
// Vacca 2005). For a curve that fails Validate the result is meaningless.
func (f Filter) PivotAA() float64 {
	return math.Sqrt(f.momentLambda() / f.momentInvLambda())
}

// momentLambda returns ∫ T(λ) λ dλ, exact for linear T.
func (f Filter) momentLambda() float64 {
	var s float64
	x, t := f.WaveAA, f.Throughput
	for i := 1; i < len(x); i++ {
		a, b := x[i-1], x[i]
		// ∫ (linear T)·λ over [a,b] by Simpson's rule (exact for quadratics).
		m := 0.5 * (a + b)
		s += (b - a) / 6 * (t[i-1]*a + 2*(t[i-1]+t[i])*m + t[i]*b)
	}
	return s
}

// momentInvLambda returns ∫ T(λ)/λ dλ, exact for linear T:
// with T = p + qλ on [a,b], ∫ T/λ dλ = p ln(b/a) + q (b − a).
func (f Filter) momentInvLambda() float64 {
	var s float64
	x, t := f.WaveAA, f.Throughput
	for i := 1; i < len(x); i++ {
		s += segmentInvLambda(x[i-1], x[i], t[i-1], t[i])
	}
	return s
}

// segmentInvLambda returns ∫_a^b T(λ)/λ dλ for T linear from ta at a to tb at b.
func segmentInvLambda(a, b, ta, tb float64) float64 {
	q := (tb - ta) / (b - a)
	p := ta - q*a
	return p*math.Log1p((b-a)/a) + q*(b-a)
}
