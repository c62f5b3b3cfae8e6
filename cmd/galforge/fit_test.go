package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/galforge/galforge/internal/fits"
)

// readCSV reads a CSV with a header into columns by name.
func readCSV(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	cols := map[string][]string{}
	for _, r := range recs[1:] {
		for i, h := range recs[0] {
			cols[h] = append(cols[h], r[i])
		}
	}
	return cols
}

func floatsOf(t *testing.T, s []string) []float64 {
	t.Helper()
	out := make([]float64, len(s))
	for i, v := range s {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		out[i] = x
	}
	return out
}

// r2 is the coefficient of determination of got as a prediction of want.
func r2(got, want []float64) float64 {
	var m, ss, sr float64
	for _, w := range want {
		m += w
	}
	m /= float64(len(want))
	for i, w := range want {
		ss += (w - m) * (w - m)
		sr += (got[i] - w) * (got[i] - w)
	}
	return 1 - sr/ss
}

// TestFitMock makes 16 DeepLeGATo-like mocks (real F160W PSF, CANDELS-wide
// noise, the full prior 18 < mag < 24, 0.1″ < Re < 1.5″, 0.5 < n < 6) and
// fits them through the CLI: the fitted mag and log Re must explain the
// truth catalogue with R² ≥ 0.95 and ≥ 0.9.
func TestFitMock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := "../../configs/candels-f160w-sersic.yaml"
	sets := []string{"--set", "mock.n_objects=16", "--set", "mock.psf.file=../../mock/psf/testdata/psf_101.fits"}
	if _, stderr, code := run(t, append([]string{"mock", "-c", cfg, "--out", dir}, sets...)...); code != 0 {
		t.Fatalf("mock: exit %d\n%s", code, stderr)
	}
	stamps := filepath.Join(dir, "stamps.fits")
	out := filepath.Join(dir, "fit.csv")
	stdout, stderr, code := run(t, append([]string{"fit", "-c", cfg, "--stamps", stamps, "--out", out, "--workers", "2"}, sets...)...)
	if code != 0 {
		t.Fatalf("fit: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "16 stamps") || !strings.Contains(stderr, "fit: 16/16") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	got := readCSV(t, out)
	truth := readCSV(t, filepath.Join(dir, "catalog.csv"))
	for _, c := range []string{"id", "row", "mag", "mag_err", "re_arcsec", "re_arcsec_err", "n", "n_err", "q", "q_err", "pa_deg",
		"pa_deg_err", "x0", "x0_err", "y0", "y0_err", "chi2nu", "converged", "status", "wall_s"} {
		if len(got[c]) != 16 {
			t.Errorf("column %s: %d rows, want 16", c, len(got[c]))
		}
	}
	if strings.Join(got["id"], ",") != strings.Join(truth["id"], ",") || strings.Join(got["row"], ",") != strings.Join(truth["row"], ",") {
		t.Errorf("ids %v, rows %v; catalogue %v, %v", got["id"], got["row"], truth["id"], truth["row"])
	}
	conv := 0
	for _, c := range got["converged"] {
		if c == "1" {
			conv++
		}
	}
	if conv < 15 {
		t.Errorf("%d of 16 fits converged: %v", conv, got["status"])
	}
	mag, tmag := floatsOf(t, got["mag"]), floatsOf(t, truth["mag"])
	re, tre := floatsOf(t, got["re_arcsec"]), floatsOf(t, truth["re_arcsec"])
	for i := range re {
		re[i], tre[i] = math.Log(re[i]), math.Log(tre[i])
	}
	rm, rr := r2(mag, tmag), r2(re, tre)
	t.Logf("R²: mag %.4f, ln Re %.4f", rm, rr)
	if !(rm >= 0.95) || !(rr >= 0.9) {
		t.Errorf("R² of mag %.3f (want ≥ 0.95), of ln Re %.3f (want ≥ 0.9)", rm, rr)
	}
	if _, err := os.Stat(out + ".json"); err != nil {
		t.Error(err)
	}

	// Stamps that do not match the config, or lack a card, are usage errors
	// naming the file and the card.
	noZP := filepath.Join(dir, "nozp.fits")
	var b bytes.Buffer
	fits.EmptyPrimary(&b, nil)
	for _, ext := range []string{"SCI", "RMS"} {
		fits.EncodeImage(&b, fits.Image{NX: 64, NY: 64, Planes: [][]float32{make([]float32, 64*64)},
			Cards: []fits.Card{{Name: "EXTNAME", Value: ext}, {Name: "PIXSCALE", Value: 0.06}, {Name: "FILTER", Value: "F160W"}}}, false)
	}
	if err := os.WriteFile(noZP, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--stamps", stamps, "--set", "mock.zeropoint_ab=25"}, []string{"stamps.fits", "ZEROPNT"}},
		{[]string{"--stamps", stamps, "--set", "mock.pixel_scale_arcsec=0.05"}, []string{"stamps.fits", "PIXSCALE"}},
		{[]string{"--stamps", stamps, "--set", "mock.stamp_size=48"}, []string{"stamps.fits", "NAXIS1", "mock.stamp_size"}},
		{[]string{"--stamps", stamps, "--set", "mock.psf.kind=gaussian"}, []string{"stamps.fits", "extension PSF"}},
		{[]string{"--stamps", stamps, "--set", "mock.band=F125W"}, []string{"stamps.fits", "FILTER", "mock.band"}},
		{[]string{"--stamps", noZP}, []string{"nozp.fits", "ZEROPNT"}},
		{[]string{"--stamps", filepath.Join(dir, "none.fits")}, []string{"none.fits"}},
		{[]string{"--stamps", filepath.Join(dir, "catalog.csv")}, []string{"catalog.csv"}},
		{[]string{"--stamps", stamps, "--model", "galfit"}, []string{"--model"}},
	} {
		args := append(append([]string{"fit", "-c", cfg, "--out", filepath.Join(dir, "bad.csv")}, sets...), c.args...)
		_, stderr, code := run(t, args...)
		ok := code == 2
		for _, w := range c.want {
			ok = ok && strings.Contains(stderr, w)
		}
		if !ok {
			t.Errorf("case %d (%v): exit %d, stderr %q; want exit 2 naming %v", i, c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.csv")); err == nil {
		t.Error("a failed fit wrote its output")
	}
}
