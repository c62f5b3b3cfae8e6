package sps

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"

	"codeberg.org/astrogo/fitsio"
)

// MIUSCATZsun is the solar metallicity used to convert MIUSCAT's [M/H] to a
// metal mass fraction, Z = MIUSCATZsun · 10^[M/H]. (The MIUSCAT read-me lists
// BaSTI's own pairs, e.g. [M/H] = +0.06 ↔ Z = 0.0198 and −0.25 ↔ 0.0100, which
// this scaled-solar rule reproduces to 10–25 %: BaSTI's Z also depends on the
// helium enrichment.)
const MIUSCATZsun = 0.019

// ReadMIUSCAT reads a MIUSCAT SSP table (Vazdekis et al. 2012) in the FITS
// binary-table layout of the MILES "fits-thin" files: one row per SSP with
// columns AGE (Gyr), MH ([M/H]), WAVE (Å) and FLAM (erg s⁻¹ Å⁻¹ per M☉ of
// initial mass, or L☉ Å⁻¹ M☉⁻¹ when the header's UNITS or TUNIT card says
// "Lo"/"Lsun"), and optionally SOURCE (the MILES file name, which names the
// IMF and isochrones). The rows must form a complete (age, [M/H]) grid with
// one wavelength grid. L_λ is converted with L☉ = 3.826·10³³ erg/s, the
// MILES value, and [M/H] to Z with MIUSCATZsun.
func ReadMIUSCAT(path string) (*SSP, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sps: read %q: %w", path, err)
	}
	s, err := parseMIUSCAT(raw)
	if err != nil {
		return nil, fmt.Errorf("sps: read MIUSCAT %q: %w", path, err)
	}
	s.Sources = []string{path}
	return s, nil
}

func parseMIUSCAT(raw []byte) (s *SSP, err error) {
	defer func() { // fitsio panics on some malformed tables
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: FITS decoding failed: %v", ErrBadSSP, r)
		}
	}()
	f, err := fitsio.Open(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not a readable FITS file: %w", err)
	}
	defer f.Close()
	var tab *fitsio.Table
	for _, h := range f.HDUs() {
		if t, ok := h.(*fitsio.Table); ok && t.Index("FLAM") >= 0 {
			tab = t
			break
		}
	}
	if tab == nil {
		return nil, fmt.Errorf("%w: no binary table with a FLAM column", ErrBadSSP)
	}
	col := map[string]int{}
	for _, name := range []string{"AGE", "MH", "WAVE", "FLAM"} {
		i := tab.Index(name)
		if i < 0 {
			return nil, fmt.Errorf("%w: table has no %s column", ErrBadSSP, name)
		}
		col[name] = i
	}
	src := tab.Index("SOURCE")
	flamInLsun := false
	for _, key := range []string{"UNITS", fmt.Sprintf("TUNIT%d", col["FLAM"]+1)} {
		if c := tab.Header().Get(key); c != nil {
			u := strings.ToLower(fmt.Sprint(c.Value))
			if strings.Contains(u, "lo/") || strings.Contains(u, "lsun") {
				flamInLsun = true
			}
		}
	}

	type row struct {
		age, mh    float64
		wave, flam []float64
		source     string
	}
	n := tab.NumRows()
	if n == 0 {
		return nil, fmt.Errorf("%w: empty table", ErrBadSSP)
	}
	rows, err := tab.Read(0, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := tab.Cols()
	vals := make([]reflect.Value, len(cols))
	args := make([]any, len(cols))
	var all []row
	for rows.Next() {
		for i := range cols {
			vals[i] = reflect.New(cols[i].Type())
			args[i] = vals[i].Interface()
		}
		if err := rows.Scan(args...); err != nil {
			return nil, fmt.Errorf("row %d: %w", len(all), err)
		}
		var r row
		var ok [4]bool
		r.age, ok[0] = scalarOf(vals[col["AGE"]].Elem())
		r.mh, ok[1] = scalarOf(vals[col["MH"]].Elem())
		r.wave, ok[2] = floatsOf(vals[col["WAVE"]].Elem())
		r.flam, ok[3] = floatsOf(vals[col["FLAM"]].Elem())
		if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
			return nil, fmt.Errorf("%w: row %d: AGE and MH must be numbers, WAVE and FLAM numeric vectors", ErrBadSSP, len(all))
		}
		if src >= 0 {
			if v, isStr := vals[src].Elem().Interface().(string); isStr {
				r.source = strings.TrimSpace(v)
			}
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	ages, mhs := distinct(all, func(r row) float64 { return r.age }), distinct(all, func(r row) float64 { return r.mh })
	if len(ages)*len(mhs) != len(all) {
		return nil, fmt.Errorf("%w: %d rows do not form a grid of %d ages × %d [M/H]", ErrBadSSP, len(all), len(ages), len(mhs))
	}
	wave := all[0].wave
	nw := len(wave)
	s = &SSP{
		Name:      "MIUSCAT (Vazdekis et al. 2012)",
		AgesGyr:   ages,
		WaveAA:    wave,
		LumLsunAA: make([]float64, len(all)*nw),
	}
	for _, mh := range mhs {
		s.Z = append(s.Z, MIUSCATZsun*math.Pow(10, mh))
	}
	seen := make([]bool, len(all))
	conv := 1 / LsunErgS
	if flamInLsun {
		conv = 1
	}
	for i, r := range all {
		if len(r.wave) != nw || len(r.flam) != nw || !equalFloats(r.wave, wave) {
			return nil, fmt.Errorf("%w: row %d (age %g Gyr, [M/H] = %g): its wavelengths differ from row 0's", ErrBadSSP, i, r.age, r.mh)
		}
		ia, iz := sort.SearchFloat64s(ages, r.age), sort.SearchFloat64s(mhs, r.mh)
		k := iz*len(ages) + ia
		if seen[k] {
			return nil, fmt.Errorf("%w: row %d: age %g Gyr, [M/H] = %g appears twice", ErrBadSSP, i, r.age, r.mh)
		}
		seen[k] = true
		dst := s.Spectrum(iz, ia)
		for j, v := range r.flam {
			dst[j] = v * conv
		}
	}
	s.Name, s.IMF = miuscatNames(all[0].source)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// distinct returns the sorted distinct values of key over rows.
func distinct[T any](rows []T, key func(T) float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, key(r))
	}
	sort.Float64s(out)
	j := 0
	for i, v := range out {
		if i == 0 || v != out[j-1] {
			out[j] = v
			j++
		}
	}
	return out[:j]
}

// scalarOf returns a numeric reflect value as float64.
func scalarOf(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	}
	return 0, false
}

// floatsOf returns a numeric array or slice as []float64.
func floatsOf(v reflect.Value) ([]float64, bool) {
	if v.Kind() != reflect.Array && v.Kind() != reflect.Slice {
		return nil, false
	}
	out := make([]float64, v.Len())
	for i := range out {
		x, ok := scalarOf(v.Index(i))
		if !ok {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

// miuscatNames decodes the MILES naming convention of a SOURCE entry such as
// "Iku1.30Zm0.25T00.0400_iTp0.00_baseFe.fits" into a model name and an IMF.
func miuscatNames(source string) (name, imf string) {
	name = "MIUSCAT (Vazdekis et al. 2012)"
	imf = "unknown IMF"
	if len(source) < 4 {
		return name, imf
	}
	switch {
	case strings.Contains(source, "_iT"):
		name += ", BaSTI isochrones"
	case strings.Contains(source, "_iP"):
		name += ", Padova 2000 isochrones"
	}
	if strings.Contains(source, "baseFe") {
		name += ", base [α/Fe]"
	}
	kinds := map[string]string{"un": "unimodal", "bi": "bimodal", "ku": "Kroupa universal", "kb": "Kroupa revised", "ch": "Chabrier"}
	if k, ok := kinds[source[1:3]]; ok {
		imf = k
		if z := strings.IndexByte(source, 'Z'); z > 3 {
			imf += " (slope " + source[3:z] + ")"
		}
	}
	return name, imf
}
