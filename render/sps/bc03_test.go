package sps

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultBC03Structure(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	// Record structure of ../shared/data/SOURCES.md §5: 221 ages (0 … 2e10 yr),
	// 1221 wavelengths (91 Å … 160 µm), 6 metallicities.
	if got := len(s.AgesGyr); got != 221 {
		t.Errorf("ages: got %d, want 221", got)
	}
	if got := len(s.WaveAA); got != 1221 {
		t.Errorf("wavelengths: got %d, want 1221", got)
	}
	wantZ := []float64{0.0001, 0.0004, 0.004, 0.008, 0.02, 0.05}
	if len(s.Z) != len(wantZ) {
		t.Fatalf("Z: got %v, want %v", s.Z, wantZ)
	}
	for i, z := range wantZ {
		if s.Z[i] != z {
			t.Errorf("Z[%d]: got %v, want %v", i, s.Z[i], z)
		}
	}
	// Exact float32 values of the file: first age 0, last 20 Gyr; 91 Å and 1.6e6 Å.
	if s.AgesGyr[0] != 0 || s.AgesGyr[220] != 20 {
		t.Errorf("age range: got %v … %v Gyr, want 0 … 20", s.AgesGyr[0], s.AgesGyr[220])
	}
	if s.WaveAA[0] != 91 || s.WaveAA[1220] != 1.6e6 {
		t.Errorf("wavelength range: got %v … %v Å, want 91 … 1.6e6", s.WaveAA[0], s.WaveAA[1220])
	}
	if len(s.LumLsunAA) != 6*221*1221 {
		t.Errorf("LumLsunAA: got %d values, want %d", len(s.LumLsunAA), 6*221*1221)
	}
	if !strings.Contains(s.Name, "Padova (1994)") || !strings.Contains(s.IMF, "Chabrier") || !strings.Contains(s.IMF, "0.1–100") {
		t.Errorf("Name %q / IMF %q: want Padova (1994) tracks, Chabrier IMF 0.1–100 M☉", s.Name, s.IMF)
	}
	if len(s.Sources) != 6 || !strings.HasPrefix(s.Sources[4], "embedded ") || !strings.Contains(s.Sources[4], "_m62_") {
		t.Errorf("Sources: got %q, want the 6 embedded files in Z order (m62 fifth)", s.Sources)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	// DefaultBC03 is cached: the same grid every call.
	if s2 := loadBC03(t); s2 != s {
		t.Error("DefaultBC03 returned a different pointer on the second call")
	}
}

// TestBC03SpotValues checks the sanity values of ../shared/data/SOURCES.md §5
// for m62 (Z = 0.02). SOURCES.md's "L(5500 Å)" is the tabulated sample at
// 5490 Å: the grid has 20 Å steps there (5490, 5510), so 5500 Å is not a
// sample; its numbers match the 5490 Å sample to every digit given, while the
// linear interpolation to exactly 5500 Å is 0.5 % lower. Both are checked.
// "1.02 Gyr" is the grid age 1.0152 Gyr. L_bol is ∫ L_λ dλ over the whole
// grid (trapezoidal rule, i.e. exact for the linear interpolant).
func TestBC03SpotValues(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	iz := 4
	if s.Z[iz] != 0.02 {
		t.Fatalf("Z[4] = %v, want 0.02", s.Z[iz])
	}
	cases := []struct {
		ageGyr       float64
		l5500, digL  float64 // value and the unit of its last digit
		lbol, digBol float64
	}{
		{0.04, 1.615e-3, 1e-6, 35.8, 0.1},
		{1.02, 1.82e-4, 1e-6, 1.67, 0.01},
		{10, 2.13e-5, 1e-7, 0.291, 0.001},
	}
	for i, c := range cases {
		ia := nearestIndex(s.AgesGyr, c.ageGyr)
		// The grid age must be the one meant (within 1 %: 1.0152 for "1.02").
		if relDiff(s.AgesGyr[ia], c.ageGyr) > 0.01 {
			t.Errorf("case %d: nearest grid age %v Gyr, want ≈ %v", i, s.AgesGyr[ia], c.ageGyr)
		}
		// To the precision given: within half a unit of the last digit.
		if got := s.LumAt(iz, ia, 5490); math.Abs(got-c.l5500) > c.digL/2 {
			t.Errorf("case %d (%v Gyr): L(5490 Å) = %.5g L☉/Å, want %v", i, c.ageGyr, got, c.l5500)
		}
		// Interpolated to 5500 Å: within 1 % (the spectrum changes by < 2 %
		// between the 5490 and 5510 Å samples at these ages).
		if got := s.LumAt(iz, ia, 5500); relDiff(got, c.l5500) > 0.01 {
			t.Errorf("case %d (%v Gyr): L(5500 Å) = %.5g L☉/Å, want %v within 1 %%", i, c.ageGyr, got, c.l5500)
		}
		if got := s.LBol(iz, ia); math.Abs(got-c.lbol) > c.digBol/2 {
			t.Errorf("case %d (%v Gyr): L_bol = %.5g L☉/M☉, want %v", i, c.ageGyr, got, c.lbol)
		}
	}
}

// TestReadBC03Files reads user files (plain and gzip-compressed) and finds
// the grid equal to the embedded one; the metallicity falls back to the mNN
// of the name when the header has no "Z=".
func TestReadBC03Files(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw62 := embeddedISED(t, "m62")
	raw22 := embeddedISED(t, "m22")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw22)
	zw.Close()
	p62 := writeFile(t, dir, "bc2003_lr_m62_chab_ssp.ised", raw62)
	p22 := writeFile(t, dir, "bc2003_lr_m22_chab_ssp.ised.gz", gz.Bytes())
	s, err := ReadBC03(p62, p22) // out of order on purpose: sorted by Z
	if err != nil {
		t.Fatal(err)
	}
	def := loadBC03(t)
	if len(s.Z) != 2 || s.Z[0] != 0.0001 || s.Z[1] != 0.02 {
		t.Fatalf("Z: got %v, want [0.0001 0.02]", s.Z)
	}
	if s.Sources[0] != p22 || s.Sources[1] != p62 {
		t.Errorf("Sources: got %v, want [%s %s]", s.Sources, p22, p62)
	}
	for _, c := range []struct{ iz, izDef int }{{0, 0}, {1, 4}} {
		for ia := 0; ia < len(s.AgesGyr); ia += 20 {
			a, b := s.Spectrum(c.iz, ia), def.Spectrum(c.izDef, ia)
			for k := range a {
				if a[k] != b[k] {
					t.Fatalf("Z %v, age %d, λ %d: got %v, want the embedded %v", s.Z[c.iz], ia, k, a[k], b[k])
				}
			}
		}
	}

	// No "Z=" in the header: the name decides.
	noZ := bytes.ReplaceAll(bytes.Clone(raw62), []byte("Z=0.02"), []byte("Q=0.02"))
	s, err = ReadBC03(writeFile(t, dir, "copy_m62_x.ised", noZ))
	if err != nil {
		t.Fatal(err)
	}
	if s.Z[0] != 0.02 {
		t.Errorf("Z from the name m62: got %v, want 0.02", s.Z[0])
	}
	// Neither: an error naming the file.
	p := writeFile(t, dir, "nameless.ised", noZ)
	if _, err := ReadBC03(p); !errors.Is(err, ErrBadISED) || !strings.Contains(err.Error(), p) {
		t.Errorf("no metallicity anywhere: got %v, want ErrBadISED naming %s", err, p)
	}
}

func TestReadBC03Errors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw := embeddedISED(t, "m62")
	// Byte offset of record 1's trailing marker: record 0 is 4+1184+4 bytes,
	// record 1 has 4888 bytes of body.
	rec0 := 4 + int(binary.LittleEndian.Uint32(raw)) + 4
	rec1Body := int(binary.LittleEndian.Uint32(raw[rec0:]))
	tail1 := rec0 + 4 + rec1Body

	badTail := bytes.Clone(raw)
	binary.LittleEndian.PutUint32(badTail[tail1:], 4887)
	negMarker := bytes.Clone(raw)
	binary.LittleEndian.PutUint32(negMarker[0:], 0xfffffff0)
	bigEndian := bytes.Clone(raw) // record markers byte-swapped
	binary.BigEndian.PutUint32(bigEndian[0:], binary.LittleEndian.Uint32(raw[0:]))
	badNLambda := bytes.Clone(raw) // first spectrum record claims 1220 wavelengths
	binary.LittleEndian.PutUint32(badNLambda[tail1+4+4:], 1220)
	// A different age grid: age 10 set to 3.6e5 yr, still between its
	// neighbours 354815 and 398109 yr.
	otherAges := bytes.Clone(raw)
	binary.LittleEndian.PutUint32(otherAges[4+4+4*10:], math.Float32bits(3.6e5))
	otherAges = bytes.ReplaceAll(otherAges, []byte("Z=0.02"), []byte("Z=0.05"))
	gzBad := []byte{0x1f, 0x8b, 0, 1, 2, 3}

	cases := []struct {
		name    string
		data    []byte
		with    string // a second, valid file
		wantErr error
		wantMsg []string
	}{
		{"truncated.ised", raw[:len(raw)/2], "", ErrBadISED, []string{"truncated", "record"}},
		{"cut_marker.ised", raw[:len(raw)-2], "", ErrBadISED, []string{"truncated"}},
		{"bad_tail.ised", badTail, "", ErrBadISED, []string{"record 1", "trailing marker 4887"}},
		{"neg_marker.ised", negMarker, "", ErrBadISED, []string{"record 0", "bad record marker"}},
		{"big_endian.ised", bigEndian, "", ErrBadISED, []string{"record 0"}},
		{"bad_nlambda.ised", badNLambda, "", ErrBadISED, []string{"record 2", "N_λ = 1221"}},
		{"empty.ised", nil, "", ErrBadISED, []string{"truncated"}},
		{"gz_bad.ised.gz", gzBad, "", nil, []string{"gzip"}},
		{"other_ages_m72.ised", otherAges, "m62", ErrBadSSP, []string{"ages differ"}},
		{"same_z_m62.ised", raw, "m62", ErrBadSSP, []string{"both have Z = 0.02"}},
	}
	for i, c := range cases {
		p := writeFile(t, dir, c.name, c.data)
		paths := []string{p}
		if c.with != "" {
			paths = append(paths, writeFile(t, dir, "ok_"+c.name+"_"+c.with+".ised", raw))
		}
		_, err := ReadBC03(paths...)
		if err == nil {
			t.Errorf("case %d (%s): no error", i, c.name)
			continue
		}
		if c.wantErr != nil && !errors.Is(err, c.wantErr) {
			t.Errorf("case %d (%s): got %v, want %v", i, c.name, err, c.wantErr)
		}
		// Every error names a file; single-file errors name this one.
		if !strings.Contains(err.Error(), filepath.Base(p)) && c.with == "" {
			t.Errorf("case %d (%s): error %q does not name the file", i, c.name, err)
		}
		for _, m := range c.wantMsg {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("case %d (%s): error %q lacks %q", i, c.name, err, m)
			}
		}
	}

	missing := filepath.Join(dir, "missing.ised")
	if _, err := ReadBC03(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist naming %s", err, missing)
	}
	if _, err := ReadBC03(); err == nil {
		t.Error("ReadBC03(): no error for no file")
	}
}

func TestSSPValidate(t *testing.T) {
	t.Parallel()
	good := func() *SSP {
		return &SSP{Name: "toy", AgesGyr: []float64{0, 1}, Z: []float64{0.02}, WaveAA: []float64{1000, 2000}, LumLsunAA: []float64{1, 2, 3, 4}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid grid: %v", err)
	}
	cases := []struct {
		name string
		edit func(s *SSP)
	}{
		{"nil", nil},
		{"NaN luminosity", func(s *SSP) { s.LumLsunAA[2] = math.NaN() }},
		{"negative luminosity", func(s *SSP) { s.LumLsunAA[0] = -1 }},
		{"count", func(s *SSP) { s.LumLsunAA = s.LumLsunAA[:3] }},
		{"ages not increasing", func(s *SSP) { s.AgesGyr[1] = 0 }},
		{"Z zero", func(s *SSP) { s.Z[0] = 0 }},
		{"one wavelength", func(s *SSP) { s.WaveAA = s.WaveAA[:1] }},
	}
	for i, c := range cases {
		var s *SSP
		if c.edit != nil {
			s = good()
			c.edit(s)
		}
		if err := s.Validate(); !errors.Is(err, ErrBadSSP) {
			t.Errorf("case %d (%s): got %v, want ErrBadSSP", i, c.name, err)
		}
	}
}

// TestLogAxis checks interpolation weights against hand values: linear in
// log10, clamped, NaN-propagating, bucketed search equal to a plain search.
func TestLogAxis(t *testing.T) {
	t.Parallel()
	nodes := []float64{0, 0.001, 0.01, 0.1, 0.2, 1, 1.5, 20}
	a := newLogAxis(nodes)
	cases := []struct {
		v      float64
		i0, i1 int
		w      float64
	}{
		{-1, 1, 2, 0},
		{0, 1, 2, 0},
		{1e-4, 1, 2, 0},
		{0.001, 1, 2, 0},
		{math.Sqrt(0.001 * 0.01), 1, 2, 0.5},
		{0.01, 2, 3, 0},
		{math.Sqrt(0.1 * 0.2), 3, 4, 0.5},
		{1, 5, 6, 0},
		{20, 6, 7, 1},
		{100, 6, 7, 1},
	}
	for i, c := range cases {
		i0, i1, w := a.locate(c.v)
		// 1e-12: rounding of log10 and of the weight's quotient.
		if i0 != c.i0 || i1 != c.i1 || math.Abs(w-c.w) > 1e-12 {
			t.Errorf("case %d (%v): got (%d, %d, %v), want (%d, %d, %v)", i, c.v, i0, i1, w, c.i0, c.i1, c.w)
		}
	}
	if _, _, w := a.locate(math.NaN()); !math.IsNaN(w) {
		t.Errorf("NaN: got weight %v, want NaN", w)
	}
	// The bucketed search must agree with a linear scan everywhere.
	ages := loadBC03(t).AgesGyr
	b := newLogAxis(ages)
	for k := 0; k <= 20000; k++ {
		v := math.Pow(10, -4+5.4*float64(k)/20000)
		i0, _, w := b.locate(v)
		j := 1
		for j+1 < len(ages)-1 && ages[j+1] <= v {
			j++
		}
		if v < ages[len(ages)-1] && v >= ages[1] && (i0 != j || w < 0 || w > 1) {
			t.Fatalf("age %v: bucketed search gives (%d, %v), linear scan %d", v, i0, w, j)
		}
	}
	single := newLogAxis([]float64{0.5})
	if i0, i1, w := single.locate(3); i0 != 0 || i1 != 0 || w != 0 {
		t.Errorf("single node: got (%d, %d, %v), want (0, 0, 0)", i0, i1, w)
	}
}
