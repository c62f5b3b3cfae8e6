package mock

import (
	"math"
	"strings"
	"testing"

	"github.com/galforge/galforge/mock/noise"
)

func testConfig() Config {
	c := DefaultConfig()
	c.NObjects = 20
	return c
}

// TestFluxAndCentroid: through PSF convolution and pixel integration, a
// compact round source keeps its flux (the stamp holds > 99.9 % of it: 1e-3)
// and its centroid stays at (X0, Y0) to 0.01 pixel.
func TestFluxAndCentroid(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Noise.Enabled = false
	for _, kind := range []string{"moffat", "gaussian"} {
		cfg.PSF.Kind = kind
		g, err := NewGenerator(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d := g.NewDrawer()
		for i, c := range [][2]float64{{32.5, 32.5}, {31.8, 33.3}, {33.25, 32.0}} {
			o := Object{ID: int64(i), Mag: 21}
			o.Sersic.ReArcsec, o.Sersic.N, o.Sersic.Q, o.Sersic.X0, o.Sersic.Y0 = 0.15, 1, 1, c[0], c[1]
			st, err := g.Stamp(d, o, 1)
			if err != nil {
				t.Fatal(err)
			}
			var s, sx, sy float64
			for y := 0; y < st.NY; y++ {
				for x := 0; x < st.NX; x++ {
					v := st.Model[y*st.NX+x]
					s += v
					sx += v * float64(x+1)
					sy += v * float64(y+1)
				}
			}
			if f := g.FluxEPerS(21); math.Abs(s-f) > 1e-3*f {
				t.Errorf("%s case %d: stamp sum %.6g, flux %.6g", kind, i, s, f)
			}
			if dx, dy := sx/s-c[0], sy/s-c[1]; math.Hypot(dx, dy) > 0.01 {
				t.Errorf("%s case %d: centroid off by (%.4f, %.4f) px", kind, i, dx, dy)
			}
		}
	}
}

// TestNoiseMatchesRMS: over the pixels of many stamps, (sci − model)/rms has
// unit variance (±3 %: 20 stamps × 4096 pixels) and zero mean.
func TestNoiseMatchesRMS(t *testing.T) {
	t.Parallel()
	g, err := NewGenerator(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := Plan(testConfig(), 3)
	d := g.NewDrawer()
	var n, s1, s2 float64
	for _, o := range objs {
		st, err := g.Stamp(d, o, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := range st.Sci {
			z := (st.Sci[i] - st.Model[i]) / st.RMS[i]
			s1 += z
			s2 += z * z
			n++
		}
	}
	mean, v := s1/n, s2/n-(s1/n)*(s1/n)
	if math.Abs(mean) > 0.02 || math.Abs(v-1) > 0.03 {
		t.Errorf("normalised residuals: mean %.4f, variance %.4f (want 0, 1)", mean, v)
	}
}

// TestDeterministic: a stamp depends on (seed, object) only.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	g, _ := NewGenerator(testConfig())
	objs, _ := Plan(testConfig(), 9)
	a, _ := g.Stamp(g.NewDrawer(), objs[5], 9)
	b, _ := g.Stamp(g.NewDrawer(), objs[5], 9)
	c, _ := g.Stamp(g.NewDrawer(), objs[5], 10)
	for i := range a.Sci {
		if a.Sci[i] != b.Sci[i] {
			t.Fatal("same object and seed gave different noise")
		}
	}
	same := true
	for i := range a.Sci {
		same = same && a.Sci[i] == c.Sci[i]
	}
	if same {
		t.Error("a different seed gave the same noise")
	}
}

// BenchmarkAnalyticStamp64 measures 64×64 Sérsic stamps (n drawn in
// [0.5, 6]) with PSF convolution, pixel integration and noise, per second
// on one goroutine and on all (RunParallel).
func BenchmarkAnalyticStamp64(b *testing.B) {
	cfg := DefaultConfig()
	cfg.NObjects = 512
	g, err := NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	objs, _ := Plan(cfg, 1)
	b.Run("1goroutine", func(b *testing.B) {
		d := g.NewDrawer()
		for i := 0; i < b.N; i++ {
			if _, err := g.Stamp(d, objs[i%len(objs)], 1); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stamps/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			d := g.NewDrawer()
			i := 0
			for pb.Next() {
				if _, err := g.Stamp(d, objs[i%len(objs)], 1); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stamps/s")
	})
}

// TestObserve: a render plane holding a compact source keeps its flux
// (µJy → e⁻/s through PHOTFNU; the Gaussian PSF lies inside the stamp:
// 1e-9 when binning; 1e-3 when sampling an effective PSF, whose 0.18″ FWHM
// is 3 pixels, so sampling a smooth image is accurate to well below that)
// and its centroid (0.01 detector pixel binned; 0.02 sampled, where the
// sampled centroid of a 3-pixel-FWHM image of a source 1/6 pixel off the
// pixel centre measured 0.010), with effective and instrumental PSFs.
func TestObserve(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Noise.Enabled = false
	cfg.PSF.Kind = "gaussian"
	const k, n = 3, 64
	for _, convention := range []string{"effective", "instrumental"} {
		cfg.PSF.Convention = convention
		ob, err := NewObserver(cfg, "F160W", k)
		if err != nil {
			t.Fatal(err)
		}
		fine := make([]float64, n*k*n*k)
		// 2 µJy spread over fine pixels around (100.5, 93.5) in fine pixel units.
		fine[93*n*k+100], fine[93*n*k+101], fine[94*n*k+100], fine[94*n*k+101] = 0.5, 0.5, 0.5, 0.5
		st, err := ob.Observe(ob.NewConvolver(), fine, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		var s, sx, sy float64
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				v := st.Model[y*n+x]
				s, sx, sy = s+v, sx+v*float64(x), sy+v*float64(y)
			}
		}
		tol := 1e-9
		if convention == "effective" {
			tol = 1e-3
		}
		if want := ob.Band.MicroJyToCountRate(2); math.Abs(s-want) > tol*want {
			t.Errorf("%s: model sums to %.9g e⁻/s, want %.9g", convention, s, want)
		}
		// Fine pixel centre x_f maps to detector x = (x_f + 0.5)/k − 0.5.
		wx, wy := (100.5+0.5)/k-0.5, (93.5+0.5)/k-0.5
		ctol := 0.01
		if convention == "effective" {
			ctol = 0.02
		}
		if dx, dy := sx/s-wx, sy/s-wy; math.Hypot(dx, dy) > ctol {
			t.Errorf("%s: centroid off by (%.4f, %.4f) px", convention, dx, dy)
		}
	}
	if _, err := NewObserver(cfg, "F999W", 3); err == nil {
		t.Error("unknown band accepted")
	}
}

const (
	bgImage = "testdata/abell_2744_dwarf_galaxy_f105w.fits.gz"
	bgRMS   = "testdata/abell_2744_dwarf_galaxy_f105w_rms.fits.gz"
)

// TestBackground inserts F105W stamps into the real Frontier Fields cutout:
// the dwarf galaxy at the image centre is detected, cutouts that contain it
// flag it as a neighbour, SCI − MODEL − cutout is the source's own noise, and
// RMS² = source variance + background rms².
func TestBackground(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Band, cfg.ExptimeS = "F105W", 5000
	cfg.Background = BackgroundConfig{Images: []string{bgImage}, RMS: []string{bgRMS}}
	g, err := NewGenerator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := g.Backgrounds[0]
	var brightest Source
	central := false
	for _, s := range b.Sources {
		if s.FluxEPerS > brightest.FluxEPerS {
			brightest = s
		}
		// The dwarf galaxy, the cutout's subject, sits at the centre (99.5, 99.5).
		central = central || math.Hypot(s.X-99.5, s.Y-99.5) < 10
	}
	if !central || len(b.Sources) < 2 {
		t.Errorf("%d detections, none within 10 px of the centre: the dwarf galaxy was missed", len(b.Sources))
	}
	objs, _ := Plan(cfg, 4)
	d := g.NewDrawer()
	var flagged int
	var chi2, vsum float64
	for _, o := range objs {
		st, err := g.Stamp(d, o, 4)
		if err != nil {
			t.Fatal(err)
		}
		c := st.Cutout
		if c == nil {
			t.Fatal("no cutout recorded")
		}
		inside := brightest.X >= float64(c.X0)-0.5 && brightest.X < float64(c.X0+64)-0.5 && brightest.Y >= float64(c.Y0)-0.5 && brightest.Y < float64(c.Y0+64)-0.5
		if inside && !c.HasNeighbour {
			t.Errorf("object %d: cutout at (%d, %d) holds the brightest source but has_neighbour is false", o.ID, c.X0, c.Y0)
		}
		if c.HasNeighbour {
			flagged++
		}
		for i := range st.Sci {
			// The source part is whole photo-electrons over the exposure
			// (below noise.GaussianThreshold, where the draw is Poisson)…
			src := st.Sci[i] - c.Sci[i]
			if e := src * g.ExptimeS; st.Model[i]*g.ExptimeS < noise.GaussianThreshold/2 && math.Abs(e-math.Round(e)) > 1e-6*math.Max(1, math.Abs(e)) {
				t.Fatalf("object %d pixel %d: source part %g e⁻/s is not whole electrons over %g s", o.ID, i, src, g.ExptimeS)
			}
			// …and RMS² exceeds the background's by the source variance.
			v := st.RMS[i]*st.RMS[i] - c.RMS[i]*c.RMS[i]
			if v < -1e-12 {
				t.Fatalf("object %d pixel %d: RMS below the background rms", o.ID, i)
			}
			chi2 += (src - st.Model[i]) * (src - st.Model[i])
			vsum += v
		}
	}
	// Σ(source − model)² / Σ source variance ≈ 1 (±10 %: the bright pixels of
	// 20 stamps dominate both sums).
	if r := chi2 / vsum; math.Abs(r-1) > 0.1 {
		t.Errorf("source noise: Σ residual² / Σ variance = %.3f, want 1", r)
	}
	if flagged == 0 {
		t.Error("no stamp has a neighbour, yet the cutouts are 64 px in a 200 px image with a bright galaxy")
	}
	// Bad input: wrong band, mismatched rms, wrong pixel scale.
	for i, c := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Band = "F160W" }, "PHOTPLAM"},
		{func(c *Config) { c.PixelScaleArcsec = 0.03 }, "pixel scale"},
		{func(c *Config) { c.Background.RMS = []string{"testdata/missing.fits"} }, "missing.fits"},
		{func(c *Config) { c.Background.RMS = nil }, "background.rms"},
	} {
		bad := cfg
		bad.Background = BackgroundConfig{Images: []string{bgImage}, RMS: []string{bgRMS}}
		c.mod(&bad)
		if _, err := NewGenerator(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: error %v, want one mentioning %q", i, err, c.want)
		}
	}
}
