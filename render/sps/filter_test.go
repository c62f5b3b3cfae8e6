package sps

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestBandsAndFilterByName(t *testing.T) {
	t.Parallel()
	want := []string{"F435W", "F606W", "F775W", "F814W", "F850LP", "F105W", "F125W", "F160W"}
	got := Bands()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Bands: got %v, want %v", got, want)
	}
	prev := 0.0
	for _, b := range got {
		f := mustFilter(t, b)
		if f.Name != b {
			t.Errorf("FilterByName(%q).Name = %q", b, f.Name)
		}
		// Bands are in increasing pivot wavelength.
		if p := f.PivotAA(); !(p > prev) {
			t.Errorf("%s: pivot %v Å not above the previous band's %v", b, p, prev)
		} else {
			prev = p
		}
	}
	// Case and surrounding spaces do not matter.
	for _, name := range []string{"f160w", " F160W ", "F160w"} {
		f, err := FilterByName(name)
		if err != nil || f.Name != "F160W" {
			t.Errorf("FilterByName(%q): got %q, %v; want F160W", name, f.Name, err)
		}
	}
	// Fresh slices: editing one result does not change the next.
	f := mustFilter(t, "F606W")
	f.Throughput[10] = 99
	if mustFilter(t, "F606W").Throughput[10] == 99 {
		t.Error("FilterByName returned shared slices")
	}
	_, err := FilterByName("F999W")
	if !errors.Is(err, ErrUnknownBand) || !strings.Contains(err.Error(), `"F999W"`) || !strings.Contains(err.Error(), "F160W") {
		t.Errorf("unknown band: got %v, want ErrUnknownBand naming F999W and the known bands", err)
	}
}

// TestPivotWavelengths checks the pivot wavelengths of the 8 embedded curves
// against three references.
func TestPivotWavelengths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		band string
		// sources: SOURCES.md §6, computed from the same GalSim samples with
		// the trapezoidal rule applied to T·λ and T/λ (Å).
		sources float64
		// photplam: the PHOTPLAM of real image headers (STScI synphot on the
		// unthinned curves), 0 where SOURCES.md lists none.
		photplam float64
		// lambdaEff: sedpy's λ_eff (hst_filters_lambda_eff_sedpy_readme.tsv), Å.
		lambdaEff float64
	}{
		{"F435W", 4327.2, 0, 4307},
		{"F606W", 5919.4, 0, 5842},
		{"F775W", 7693.3, 0, 7669},
		{"F814W", 8059.8, 8059.76, 8006},
		{"F850LP", 9035.9, 0, 9005},
		{"F105W", 10551.0, 10551.05, 10480},
		{"F125W", 12486.2, 12486.06, 12410},
		{"F160W", 15368.3, 15369.17, 15320},
	}
	for i, c := range cases {
		f := mustFilter(t, c.band)
		p := f.PivotAA()
		// SOURCES.md's rule, reproduced: to its 0.1 Å rounding (0.05 Å).
		var num, den float64
		for k := 1; k < len(f.WaveAA); k++ {
			x0, x1, t0, t1 := f.WaveAA[k-1], f.WaveAA[k], f.Throughput[k-1], f.Throughput[k]
			num += 0.5 * (t0*x0 + t1*x1) * (x1 - x0)
			den += 0.5 * (t0/x0 + t1/x1) * (x1 - x0)
		}
		if trap := math.Sqrt(num / den); math.Abs(trap-c.sources) > 0.05+1e-9 {
			t.Errorf("case %d (%s): trapezoidal pivot %.2f Å, SOURCES.md %.1f", i, c.band, trap, c.sources)
		}
		// The exact integral of the linear curve differs from the trapezoidal
		// rule on T·λ, T/λ by O(Δλ²) terms: up to 0.5 Å on F850LP's coarsely
		// sampled red tail. Allow 0.6 Å (4e-5 relative at 15000 Å).
		if math.Abs(p-c.sources) > 0.6 {
			t.Errorf("case %d (%s): pivot %.2f Å, want %.1f ± 0.6", i, c.band, p, c.sources)
		}
		// STScI PHOTPLAM: the embedded curves are thinned to 1e-3 relative error
		// in T, which moves the pivot by up to ~1e-4 relative (0.7 Å at F160W).
		if c.photplam > 0 && relDiff(p, c.photplam) > 1e-4 {
			t.Errorf("case %d (%s): pivot %.2f Å, PHOTPLAM %.2f (want 1e-4 relative)", i, c.band, p, c.photplam)
		}
		// sedpy's λ_eff is another mean (1.3 % below the pivot for the wide
		// F606W); 2 % still tells bands apart (the closest pair, F775W and
		// F814W, are 4.7 % apart) and catches nm/Å mix-ups.
		if relDiff(p, c.lambdaEff) > 0.02 {
			t.Errorf("case %d (%s): pivot %.1f Å vs sedpy λ_eff %.0f Å: more than 2 %% apart", i, c.band, p, c.lambdaEff)
		}
	}
}

// TestPHOTFLAM checks the absolute throughput: for a flat f_λ a detector
// counts N = A/(hc) ∫ f_λ T λ dλ electrons/s, so
// PHOTFLAM = hc / (A ∫ T λ dλ) with A = 45238.93 cm², HST's collecting area
// in synphot. The F105W header of ../shared/data/images/petrofit (SOURCES.md
// §2b) has PHOTFLAM = 3.0387e-20 erg/cm²/Å/e⁻; 0.1 % allows the thinning of
// the curve (1e-3 in T, averaging out over the band) and the 5 digits quoted.
func TestPHOTFLAM(t *testing.T) {
	t.Parallel()
	const (
		hcErgAA = 6.62607015e-27 * SpeedOfLightAAs
		areaCm2 = 45238.93416
	)
	f := mustFilter(t, "F105W")
	got := hcErgAA / (areaCm2 * f.momentLambda())
	if relDiff(got, 3.0387e-20) > 1e-3 {
		t.Errorf("F105W PHOTFLAM: got %.5g, header 3.0387e-20", got)
	}
}

func TestReadFilter(t *testing.T) {
	t.Parallel()
	// The unthinned sedpy curve (Å, .par) against the embedded GalSim one
	// (nm): SOURCES.md §6 finds their pivots within 0.6 Å.
	f, err := ReadFilter("testdata/acs_wfc_f775w.par")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "acs_wfc_f775w" || len(f.WaveAA) < 6000 {
		t.Errorf("got %q with %d samples, want acs_wfc_f775w with > 6000", f.Name, len(f.WaveAA))
	}
	if p, q := f.PivotAA(), mustFilter(t, "F775W").PivotAA(); math.Abs(p-q) > 0.6 {
		t.Errorf("F775W pivot: sedpy %.2f Å vs GalSim %.2f Å, want within 0.6 Å", p, q)
	}

	// The embedded file read from disk is the embedded filter, in Å.
	dir := t.TempDir()
	raw, err := dataFS.ReadFile("data/WFC3_ir_F160W.dat")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ReadFilter(writeFile(t, dir, "WFC3_ir_F160W.dat", raw))
	if err != nil {
		t.Fatal(err)
	}
	if g.WaveAA[0] != 7999 || g.PivotAA() != mustFilter(t, "F160W").PivotAA() {
		t.Errorf("F160W from disk: first λ %v Å (want 7999), pivot %v", g.WaveAA[0], g.PivotAA())
	}
}

func TestFilterErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		file, text string
		want       []string
	}{
		{"nan.dat", "# Wavelength(nm) Throughput\n1000 0.1\n1100 nan\n1200 0.1\n", []string{"line 3", "non-finite"}},
		{"noise.dat", "# Wavelength(nm)\n1000 0.1\n1100 abc\n", []string{"line 3", "cannot parse"}},
		{"order.dat", "# wavelength (nm)\n1000 0.1\n900 0.2\n", []string{"not strictly increasing"}},
		{"negative.dat", "# wavelength (nm)\n1000 0.1\n1100 -0.2\n", []string{"throughput -0.2"}},
		{"zero.dat", "# wavelength (nm)\n1000 0\n1100 0\n", []string{"zero everywhere"}},
		{"one.dat", "# wavelength (nm)\n1000 0.5\n", []string{"1 samples"}},
		{"nounit.txt", "1000 0.1\n1100 0.2\n", []string{"no wavelength unit"}},
		{"onecol.dat", "# wavelength (nm)\n1000\n", []string{"two columns"}},
	}
	for i, c := range cases {
		p := writeFile(t, dir, c.file, []byte(c.text))
		_, err := ReadFilter(p)
		if !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), p) {
			t.Errorf("case %d (%s): got %v, want ErrBadFilter naming %s", i, c.file, err, p)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d (%s): error %q lacks %q", i, c.file, err, w)
			}
		}
	}
	// ParseFilter names the band; a hand-made Filter with NaN fails Validate
	// (and NewPhotTable, see TestPhotTableErrors) naming it.
	_, err := ParseFilter("F160W", strings.NewReader("15000 0.3\n15100 NaN\n"), 1)
	if !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), "F160W") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ParseFilter with NaN: got %v, want ErrBadFilter naming F160W, line 2", err)
	}
	bad := Filter{Name: "myband", WaveAA: []float64{1, 2, 3}, Throughput: []float64{0, math.NaN(), 0}}
	if err := bad.Validate(); !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), "myband") {
		t.Errorf("Validate with NaN: got %v, want ErrBadFilter naming myband", err)
	}
	if _, err := ReadFilter(filepath.Join(dir, "missing.dat")); err == nil || !strings.Contains(err.Error(), "missing.dat") {
		t.Errorf("missing file: got %v", err)
	}
}

// TestFilterAt checks linear interpolation and the zero outside the curve.
func TestFilterAt(t *testing.T) {
	t.Parallel()
	f := Filter{Name: "tri", WaveAA: []float64{1000, 2000, 3000}, Throughput: []float64{0, 1, 0.5}}
	cases := []struct{ x, want float64 }{{999, 0}, {1000, 0}, {1500, 0.5}, {2000, 1}, {2500, 0.75}, {3000, 0.5}, {3001, 0}}
	for i, c := range cases {
		if got := f.At(c.x); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("case %d: At(%v) = %v, want %v", i, c.x, got, c.want)
		}
	}
	// Pivot of a box from a to b: sqrt((b²−a²)/2 / ln(b/a)), exact.
	box := Filter{Name: "box", WaveAA: []float64{4000, 6000}, Throughput: []float64{1, 1}}
	want := math.Sqrt((6000*6000 - 4000*4000) / 2 / math.Log(1.5))
	if got := box.PivotAA(); relDiff(got, want) > 1e-14 {
		t.Errorf("box pivot: got %.12g, want %.12g", got, want)
	}
}
