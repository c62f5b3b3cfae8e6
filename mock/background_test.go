package mock

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/mock/noise"
	"github.com/galforge/galforge/sims"
)

// particleBGConfig is a particle mock of F105W stamps (the band of the real
// Frontier Fields image) inserted into that image.
func particleBGConfig() Config {
	c := testConfig()
	c.Source = "particles"
	c.PSF.Kind = "gaussian"
	c.ExptimeS = 5000
	c.Background = BackgroundConfig{Bands: map[string]BandImages{"F105W": {Images: []string{bgImage}, RMS: []string{bgRMS}}}}
	return c
}

// writeScaledCopy writes the background image of b times factor to a FITS
// file in dir, with b's WCS reference shifted by shiftPix pixels in x and no
// PHOTPLAM (so it may stand for any band): a test-only second band whose
// pixels are known exactly (×2 is exact in float32).
func writeScaledCopy(t *testing.T, dir, name string, b *Background, factor float32, shiftPix float64) string {
	t.Helper()
	pl := make([]float32, len(b.Sci))
	for i, v := range b.Sci {
		pl[i] = factor * float32(v)
	}
	d := b.PixelScaleArcsec / 3600
	cards := []fits.Card{{Name: "BUNIT", Value: "ELECTRONS/S"},
		{Name: "CTYPE1", Value: "RA---TAN"}, {Name: "CTYPE2", Value: "DEC--TAN"},
		{Name: "CRPIX1", Value: b.CRPIX[0] + shiftPix}, {Name: "CRPIX2", Value: b.CRPIX[1]},
		{Name: "CRVAL1", Value: b.CRVAL[0]}, {Name: "CRVAL2", Value: b.CRVAL[1]},
		{Name: "CD1_1", Value: -d}, {Name: "CD1_2", Value: 0.0}, {Name: "CD2_1", Value: 0.0}, {Name: "CD2_2", Value: d}}
	var buf bytes.Buffer
	if err := fits.EncodeImage(&buf, fits.Image{NX: b.NX, NY: b.NY, Planes: [][]float32{pl}, Cards: cards}, true); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParticleBackground observes render planes of a particle mock inserted
// into the real F105W image:
//   - an empty plane gives exactly the cutout (SCI = cutout, RMS = its rms):
//     no sky or read noise is added on top of the real image;
//   - a compact 5 µJy source gives SCI − MODEL − cutout = the source's own
//     Poisson noise: whole photo-electrons over the exposure, zero (so SCI =
//     cutout exactly) wherever the model is below 1e-9 e⁻ over the exposure,
//     Σ residual² / Σ source variance = 1 within 10 % (the bright pixels of
//     40 stamps dominate both sums), and RMS² = source variance + cutout rms²;
//   - the cutout is the seeded draw of BackgroundSet.Cut (the position a
//     --shard run draws for the same view) and its neighbour flags are
//     those of the analytic path (Background.Cut with the same rng).
func TestParticleBackground(t *testing.T) {
	t.Parallel()
	cfg := particleBGConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	const k = 3
	n := cfg.StampSize
	ob, err := NewObserver(cfg, "F105W", k)
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadBackgrounds(cfg, []string{"F105W"})
	if err != nil {
		t.Fatal(err)
	}
	if set == nil || len(set.Images) != 1 || set.Bands[0] != "F105W" || set.Detect != 0 {
		t.Fatalf("background set %+v", set)
	}
	cv := ob.NewConvolver()
	zps := []float64{ob.ZP}

	// Empty plane: the stamp is the cutout.
	fine := make([]float64, n*k*n*k)
	cuts, err := set.Cut(n, zps, sims.NewRand(7, 1, 2, 0, 'b'))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ob.ObserveIn(cv, fine, cuts[0], 7, 1, 2, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cutout != cuts[0] {
		t.Error("stamp does not record its cutout")
	}
	for i := range st.Sci {
		if st.Sci[i] != cuts[0].Sci[i] || st.RMS[i] != cuts[0].RMS[i] {
			t.Fatalf("empty plane, pixel %d: SCI %g RMS %g, cutout %g ± %g", i, st.Sci[i], st.RMS[i], cuts[0].Sci[i], cuts[0].RMS[i])
		}
	}

	// A compact source at the stamp centre.
	c := n * k / 2
	fine[c*n*k+c], fine[c*n*k+c+1], fine[(c+1)*n*k+c], fine[(c+1)*n*k+c+1] = 1.25, 1.25, 1.25, 1.25
	var chi2, vsum float64
	var flagged, far int
	for view := uint64(0); view < 40; view++ {
		cuts, err := set.Cut(n, zps, sims.NewRand(7, 1, 2, view, 'b'))
		if err != nil {
			t.Fatal(err)
		}
		cut := cuts[0]
		// Same draw as the single-band analytic path.
		r := sims.NewRand(7, 1, 2, view, 'b')
		r.IntN(1) // the field draw (one field here)
		ref, err := set.Images[0][0].Cut(n, ob.ZP, r)
		if err != nil {
			t.Fatal(err)
		}
		if ref.X0 != cut.X0 || ref.Y0 != cut.Y0 || ref.HasNeighbour != cut.HasNeighbour || !sameFloat(ref.NeighbourMag, cut.NeighbourMag) {
			t.Fatalf("view %d: set cutout (%d, %d) differs from Background.Cut (%d, %d)", view, cut.X0, cut.Y0, ref.X0, ref.Y0)
		}
		if cut.HasNeighbour {
			flagged++
		}
		st, err := ob.ObserveIn(cv, fine, cut, 7, 1, 2, view, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range st.Sci {
			src := st.Sci[i] - cut.Sci[i]
			e := src * ob.ExptimeS
			if st.Model[i]*ob.ExptimeS < noise.GaussianThreshold/2 && math.Abs(e-math.Round(e)) > 1e-6*math.Max(1, math.Abs(e)) {
				t.Fatalf("view %d pixel %d: source part %g e⁻/s is not whole electrons over %g s", view, i, src, ob.ExptimeS)
			}
			if st.Model[i]*ob.ExptimeS < 1e-9 {
				far++
				if st.Sci[i] != cut.Sci[i] {
					t.Fatalf("view %d pixel %d: model %g e⁻/s, yet SCI %g differs from the cutout %g", view, i, st.Model[i], st.Sci[i], cut.Sci[i])
				}
			}
			v := st.RMS[i]*st.RMS[i] - cut.RMS[i]*cut.RMS[i]
			want := math.Max(st.Model[i], 0) / ob.ExptimeS
			if math.Abs(v-want) > 1e-9*(cut.RMS[i]*cut.RMS[i]+want) {
				t.Fatalf("view %d pixel %d: RMS² − cutout rms² = %g, source variance %g", view, i, v, want)
			}
			chi2 += (src - st.Model[i]) * (src - st.Model[i])
			vsum += want
		}
	}
	if r := chi2 / vsum; math.Abs(r-1) > 0.1 {
		t.Errorf("source noise: Σ residual² / Σ variance = %.3f, want 1", r)
	}
	if far == 0 {
		t.Error("no pixel far from the source: the exact-background check did not run")
	}
	if flagged == 0 {
		t.Error("no cutout flags a neighbour in a 200-pixel image with a bright galaxy at its centre")
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestBackgroundSharedAcrossBands: with two bands whose images cover the
// same field (the F105W image and a copy scaled ×2 standing for F125W), every
// stamp's cutouts sit at the same pixels in both bands (the F125W cutout is
// exactly twice the F105W one), so neighbours agree; the detection band is
// the reddest; with mock.background.independent the positions differ.
func TestBackgroundSharedAcrossBands(t *testing.T) {
	t.Parallel()
	cfg := particleBGConfig()
	one, err := LoadBackgrounds(cfg, []string{"F105W"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	twice := writeScaledCopy(t, dir, "f125w_x2.fits", one.Images[0][0], 2, 0)
	cfg.Background.Bands["F125W"] = BandImages{Images: []string{twice}, RMS: []string{bgRMS}}
	set, err := LoadBackgrounds(cfg, []string{"F105W", "F125W"})
	if err != nil {
		t.Fatal(err)
	}
	if !set.Shared || set.Bands[set.Detect] != "F125W" {
		t.Errorf("shared %v, detection band %s: want shared and F125W (the reddest)", set.Shared, set.Bands[set.Detect])
	}
	zps := []float64{26.27, 26.23}
	n := cfg.StampSize
	for obj := uint64(0); obj < 20; obj++ {
		cuts, err := set.Cut(n, zps, sims.NewRand(3, obj, 'b'))
		if err != nil {
			t.Fatal(err)
		}
		a, b := cuts[0], cuts[1]
		if a.X0 != b.X0 || a.Y0 != b.Y0 {
			t.Fatalf("case %d: F105W cutout at (%d, %d), F125W at (%d, %d): want one position", obj, a.X0, a.Y0, b.X0, b.Y0)
		}
		for i := range a.Sci {
			if b.Sci[i] != 2*a.Sci[i] {
				t.Fatalf("case %d pixel %d: F125W %g, want 2 × F105W %g", obj, i, b.Sci[i], a.Sci[i])
			}
		}
		// The ×2 image has the same detections (a threshold in units of the
		// same rms map would not: its S/N doubles), so only check the flag
		// where the brighter copy must see at least what F105W sees.
		if a.HasNeighbour && !b.HasNeighbour {
			t.Errorf("case %d: neighbour in F105W but not in the ×2 F125W copy", obj)
		}
	}
	cfg.Background.Independent = true
	ind, err := LoadBackgrounds(cfg, []string{"F105W", "F125W"})
	if err != nil {
		t.Fatal(err)
	}
	differ := false
	for obj := uint64(0); obj < 20 && !differ; obj++ {
		cuts, err := ind.Cut(n, zps, sims.NewRand(3, obj, 'b'))
		if err != nil {
			t.Fatal(err)
		}
		differ = cuts[0].X0 != cuts[1].X0 || cuts[0].Y0 != cuts[1].Y0
	}
	if !differ {
		t.Error("independent: every stamp drew one position for both bands")
	}
}

// TestBackgroundErrors: each bad background config is a clear error naming
// the key and, where there is one, the file.
func TestBackgroundErrors(t *testing.T) {
	t.Parallel()
	good := particleBGConfig()
	one, err := LoadBackgrounds(good, []string{"F105W"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shifted := writeScaledCopy(t, dir, "shifted.fits", one.Images[0][0], 1, 3)
	small := "instrument/testdata/abell_2744_group_of_galaxies_f105w.fits.gz" // 100×100
	for i, c := range []struct {
		name     string
		bands    []string
		mod      func(*Config)
		validate bool // the error comes from Config.Validate
		want     []string
	}{
		{"band without images", []string{"F105W", "F125W"}, func(c *Config) {}, false,
			[]string{"mock.background.bands", "F125W", "render.bands"}},
		{"pixel scale", []string{"F105W"}, func(c *Config) { c.PixelScaleArcsec = 0.03 }, false,
			[]string{"mock.background.bands.F105W.images[0]", "pixel scale", "abell_2744_dwarf_galaxy_f105w.fits.gz"}},
		{"wrong band", []string{"F160W"}, func(c *Config) {
			c.Background.Bands = map[string]BandImages{"F160W": {Images: []string{bgImage}, RMS: []string{bgRMS}}}
		}, false, []string{"mock.background.bands.F160W.images[0]", "PHOTPLAM", "render.bands"}},
		{"no rms map", nil, func(c *Config) {
			c.Background.Bands = map[string]BandImages{"F105W": {Images: []string{bgImage}}}
		}, true, []string{"background.bands.F105W.rms", "one rms map per image"}},
		{"missing rms file", []string{"F105W"}, func(c *Config) {
			c.Background.Bands = map[string]BandImages{"F105W": {Images: []string{bgImage}, RMS: []string{"testdata/missing_rms.fits"}}}
		}, false, []string{"mock.background.bands.F105W.images[0] rms", "missing_rms.fits"}},
		{"rms of another size", []string{"F105W"}, func(c *Config) {
			c.Background.Bands = map[string]BandImages{"F105W": {Images: []string{bgImage}, RMS: []string{small}}}
		}, false, []string{"rms map", "100×100", "200×200"}},
		{"unknown band", nil, func(c *Config) {
			c.Background.Bands = map[string]BandImages{"F999W": {Images: []string{bgImage}, RMS: []string{bgRMS}}}
		}, true, []string{"mock.background.bands", "F999W"}},
		{"band not observed", []string{"F105W"}, func(c *Config) {
			c.Background.Bands["F814W"] = BandImages{Images: []string{bgImage}, RMS: []string{bgRMS}}
		}, false, []string{"mock.background.bands.F814W", "no band F814W"}},
		{"misaligned bands", []string{"F105W", "F125W"}, func(c *Config) {
			c.Background.Bands["F125W"] = BandImages{Images: []string{shifted}, RMS: []string{bgRMS}}
		}, false, []string{"mock.background.bands.F125W.images[0]", "shifted.fits", "CRPIX", "independent"}},
		{"unequal field counts", []string{"F105W", "F125W"}, func(c *Config) {
			c.Background.Bands["F125W"] = BandImages{Images: []string{shifted, shifted}, RMS: []string{bgRMS, bgRMS}}
		}, false, []string{"F125W has 2", "independent"}},
		{"detection band", []string{"F105W"}, func(c *Config) { c.Background.DetectBand = "F160W" }, false,
			[]string{"mock.background.detect_band", "F160W"}},
		{"analytic, mock.band without images", nil, func(c *Config) { c.Source, c.Band = "analytic", "F160W" }, true,
			[]string{"mock.background.bands", "mock.band = F160W"}},
	} {
		cfg := particleBGConfig()
		c.mod(&cfg)
		var err error
		if c.validate {
			err = cfg.Validate()
		} else if err = cfg.Validate(); err == nil {
			_, err = LoadBackgrounds(cfg, c.bands)
		}
		if err == nil {
			t.Errorf("case %d (%s): no error", i, c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d (%s): error %q does not mention %q", i, c.name, err, w)
			}
		}
	}
	// The misaligned images load when each band draws its own position.
	cfg := particleBGConfig()
	cfg.Background.Bands["F125W"] = BandImages{Images: []string{shifted}, RMS: []string{bgRMS}}
	cfg.Background.Independent = true
	if _, err := LoadBackgrounds(cfg, []string{"F105W", "F125W"}); err != nil {
		t.Errorf("independent misaligned bands: %v", err)
	}
}
