package render_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/astrogo/fitsio"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/render/rendertest"
	"github.com/galforge/galforge/sims"
)

// discGalaxy samples a rotating exponential disc (scale length rd kpc, scale
// height hz kpc) of n equal-mass stars of mixed ages, with angular momentum
// along axis, at redshift z.
func discGalaxy(n int, rd, hz float64, axis [3]float64, z float64, seed uint64) *sims.Galaxy {
	rng := rand.New(rand.NewPCG(seed, 7))
	c := cosmo.Default()
	g := &sims.Galaxy{Redshift: z, ScaleFactor: 1 / (1 + z), TimeGyr: c.AgeGyr(z), HubbleParam: 0.7, OmegaM: 0.3, Source: "disc"}
	rot := render.RotationTo([3]float64{0, 0, 1}, axis)
	s := &g.Stars
	for i := 0; i < n; i++ {
		// R from the Gamma(2) distribution: sum of two exponentials.
		r := rd * (-math.Log(rng.Float64()) - math.Log(rng.Float64()))
		ph := 2 * math.Pi * rng.Float64()
		zz := hz * math.Atanh(2*rng.Float64()-1) // sech² profile
		p := [3]float64{r * math.Cos(ph), r * math.Sin(ph), zz}
		v := [3]float64{-200 * math.Sin(ph), 200 * math.Cos(ph), 0}
		s.PosKpc = append(s.PosKpc, rot.Apply(p))
		s.VelKms = append(s.VelKms, rot.Apply(v))
		m0 := 1e10 / float64(n)
		age := 0.01 + (g.TimeGyr-0.02)*rng.Float64()
		s.InitialMassMsun = append(s.InitialMassMsun, m0)
		s.MassMsun = append(s.MassMsun, 0.7*m0)
		s.AgeGyr = append(s.AgeGyr, age)
		s.FormationTimeGyr = append(s.FormationTimeGyr, g.TimeGyr-age)
		s.Metallicity = append(s.Metallicity, 0.02)
	}
	g.Truth = sims.NewTruth()
	g.Truth.GalaxyID = 7
	sims.MeasureTruth(g)
	return g
}

// clip keeps the stars within rmax kpc of the centre, so every kernel lies
// inside a field of side > 2 (rmax + h).
func clip(g *sims.Galaxy, rmax float64) *sims.Galaxy {
	return g.Select(func(i int) bool {
		p := g.Stars.PosKpc[i]
		return p[0]*p[0]+p[1]*p[1]+p[2]*p[2] < rmax*rmax
	})
}

func renderer(t testing.TB, mod func(*render.Config)) *render.Renderer {
	t.Helper()
	cfg := render.DefaultConfig()
	cfg.NPix = 64
	cfg.Bands = []string{"mass", "F606W", "F160W"}
	if mod != nil {
		mod(&cfg)
	}
	r, err := render.NewRenderer(cfg, cosmo.Default(), 2)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseViews(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"fibonacci:10", "random:7", "faceon-edgeon:5", "axes", "explicit:1,0,0;0,1,1"} {
		vs, err := render.ParseViews(spec, 42, 1001, 3)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		for _, v := range vs {
			ex, ey, ez := v.Axes()
			for _, a := range [][3]float64{ex, ey, ez} {
				if math.Abs(a[0]*a[0]+a[1]*a[1]+a[2]*a[2]-1) > 1e-12 {
					t.Errorf("%s view %s: axis %v not unit", spec, v.Name, a)
				}
			}
			if d := ey[0]*ez[0] + ey[1]*ez[1] + ey[2]*ez[2]; math.Abs(d) > 1e-12 {
				t.Errorf("%s view %s: up not perpendicular to the line of sight", spec, v.Name)
			}
		}
	}
	fib, _ := render.ParseViews("fibonacci:10", 0, 0, 0)
	if len(fib) != 10 {
		t.Fatalf("fibonacci:10 gave %d views", len(fib))
	}
	// Quasi-uniform: the mean direction of a Fibonacci set is ~0.
	var m [3]float64
	for _, v := range fib {
		for k := range m {
			m[k] += v.Dir[k] / 10
		}
	}
	if math.Hypot(math.Hypot(m[0], m[1]), m[2]) > 0.1 {
		t.Errorf("fibonacci:10 mean direction %v, want ≈ 0", m)
	}
	a, _ := render.ParseViews("random:3", 42, 1001, 3)
	b, _ := render.ParseViews("random:3", 42, 1001, 3)
	c, _ := render.ParseViews("random:3", 42, 1001, 4)
	if a[0] != b[0] || a[0] == c[0] {
		t.Error("random views are not seeded per galaxy and snapshot")
	}
	for _, bad := range []string{"fibonacci", "fibonacci:0", "random:x", "faceon-edgeon:1", "axes:3", "explicit:1,0", "explicit:0,0,0", "spiral:4"} {
		if _, err := render.ParseViews(bad, 0, 0, 0); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestConservation: every band's image sums to the particles' light (1e-6).
func TestConservation(t *testing.T) {
	t.Parallel()
	g := clip(discGalaxy(20000, 2, 0.3, [3]float64{0, 0, 1}, 1, 1), 12)
	r := renderer(t, nil)
	views, _ := render.ParseViews("fibonacci:4", 0, 0, 0)
	rendertest.CheckConservation(t, r, g, views)
	// Knn smoothing lengths can exceed a pixel by far at the edge; also check
	// the Wendland kernel and a fixed large smoothing length.
	for _, mod := range []func(*render.Config){
		func(c *render.Config) { c.Smoothing.Kernel = "wendland2" },
		func(c *render.Config) { c.Smoothing.Method = "fixed"; c.Smoothing.FixedKpc = 3 },
		func(c *render.Config) { c.Smoothing.Method = "fixed"; c.Smoothing.FixedKpc = 0.001 },
	} {
		rendertest.CheckConservation(t, renderer(t, mod), clip(g, 8), views[:1])
	}
}

// TestRotationInvariance: rotating the galaxy and the view together leaves
// the image unchanged (to rounding of the rotated coordinates: 1e-9 of the
// peak pixel).
func TestRotationInvariance(t *testing.T) {
	t.Parallel()
	g := clip(discGalaxy(5000, 2, 0.3, [3]float64{0.3, 0.2, 1}, 1, 2), 12)
	r := renderer(t, func(c *render.Config) { c.Align = "none" })
	rot := render.AxisAngle([3]float64{1, 2, 3}, 0.7)
	views, _ := render.ParseViews("fibonacci:3", 0, 0, 0)
	var rviews []render.View
	for _, v := range views {
		rviews = append(rviews, render.View{Name: v.Name, Dir: rot.Apply(v.Dir), Up: rot.Apply(v.Up)})
	}
	a, err := r.Render(g, views)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Render(render.Rotated(g, rot), rviews)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		for band := range a[i].Data {
			var peak, worst float64
			for p, v := range a[i].Data[band] {
				peak = math.Max(peak, v)
				worst = math.Max(worst, math.Abs(v-b[i].Data[band][p]))
			}
			if worst > 1e-9*peak {
				t.Errorf("view %s band %s: worst pixel difference %.3g of peak %.3g", a[i].View.Name, a[i].Bands[band], worst, peak)
			}
		}
	}
}

// TestFaceOnDisc: a tilted exponential disc, aligned face-on, shows the
// analytic profile Σ(R) = M/(2π Rd²) exp(−R/Rd) in the mass band (within 4σ
// of the Poisson noise of each annulus, plus 3 % for smoothing), is round
// face-on and thin edge-on.
func TestFaceOnDisc(t *testing.T) {
	t.Parallel()
	const rd, n = 2.0, 100000
	g := discGalaxy(n, rd, 0.1, [3]float64{1, -1, 2}, 1, 3)
	r := renderer(t, func(c *render.Config) {
		c.Views = "faceon-edgeon:2"
		c.NPix = 80
		c.Bands = []string{"mass"}
		c.Smoothing.K = 16
	})
	views, _ := render.ParseViews("faceon-edgeon:2", 0, 0, 0)
	ims, err := r.Render(g, views)
	if err != nil {
		t.Fatal(err)
	}
	face, edge := ims[0], ims[1]
	pix := face.PixKpc
	mtot := g.StellarMassMsun()
	for _, ann := range [][2]float64{{1, 2}, {2, 3}, {3, 4.5}, {4.5, 6}, {6, 8}} {
		var sum float64
		var npx int
		for iy := 0; iy < face.NY; iy++ {
			for ix := 0; ix < face.NX; ix++ {
				x := (float64(ix)+0.5)*pix - 20
				y := (float64(iy)+0.5)*pix - 20
				if R := math.Hypot(x, y); R >= ann[0] && R < ann[1] {
					sum += face.Data[0][iy*face.NX+ix]
					npx++
				}
			}
		}
		got := sum / (float64(npx) * pix * pix)
		// Expected mean surface density over the pixels' annulus: the
		// analytic mass between the radii divided by the annulus area.
		enc := func(R float64) float64 { return 1 - (1+R/rd)*math.Exp(-R/rd) }
		want := mtot * (enc(ann[1]) - enc(ann[0])) / (math.Pi * (ann[1]*ann[1] - ann[0]*ann[0]))
		nstars := float64(n) * (enc(ann[1]) - enc(ann[0]))
		tol := 4/math.Sqrt(nstars) + 0.03
		if math.Abs(got/want-1) > tol {
			t.Errorf("annulus %v kpc: Σ = %.4g, analytic %.4g M☉/kpc² (rel %.3f > %.3f)", ann, got, want, got/want-1, tol)
		}
	}
	qf, qe := axisRatio(face), axisRatio(edge)
	if qf < 0.95 || qe > 0.2 {
		t.Errorf("axis ratio face-on %.3f (want > 0.95), edge-on %.3f (want < 0.2): alignment failed", qf, qe)
	}
}

// axisRatio returns b/a from the second moments of the first plane.
func axisRatio(im *render.Image) float64 {
	var sxx, syy, sxy, s float64
	for iy := 0; iy < im.NY; iy++ {
		for ix := 0; ix < im.NX; ix++ {
			v := im.Data[0][iy*im.NX+ix]
			x, y := float64(ix)-float64(im.NX-1)/2, float64(iy)-float64(im.NY-1)/2
			sxx += v * x * x
			syy += v * y * y
			sxy += v * x * y
			s += v
		}
	}
	sxx, syy, sxy = sxx/s, syy/s, sxy/s
	tr, det := sxx+syy, sxx*syy-sxy*sxy
	l1 := tr/2 + math.Sqrt(tr*tr/4-det)
	l2 := tr/2 - math.Sqrt(tr*tr/4-det)
	return math.Sqrt(l2 / l1)
}

// TestDust: attenuation dims blue more than red, edge-on more than face-on,
// leaves the mass band alone, and is off by default.
func TestDust(t *testing.T) {
	t.Parallel()
	g := clip(discGalaxy(20000, 2, 0.2, [3]float64{0, 0, 1}, 1, 4), 12)
	views, _ := render.ParseViews("faceon-edgeon:2", 0, 0, 0)
	clean, err := renderer(t, nil).Render(g, views)
	if err != nil {
		t.Fatal(err)
	}
	dusty, err := renderer(t, func(c *render.Config) { c.Dust.Enabled = true; c.Dust.TauVPerStellarColumn = 0.3 }).Render(g, views)
	if err != nil {
		t.Fatal(err)
	}
	ratio := func(v, b int) float64 { return render.Sum(dusty[v].Data[b]) / render.Sum(clean[v].Data[b]) }
	if m := ratio(0, 0); math.Abs(m-1) > 1e-12 {
		t.Errorf("dust changed the mass band by %g", m-1)
	}
	blueFace, redFace, blueEdge := ratio(0, 1), ratio(0, 2), ratio(1, 1)
	if !(blueFace < redFace && redFace < 1 && blueEdge < blueFace) {
		t.Errorf("transmission F606W face-on %.3f, F160W face-on %.3f, F606W edge-on %.3f: want F606W < F160W < 1 and edge-on < face-on",
			blueFace, redFace, blueEdge)
	}
}

// TestCalzetti checks k(λ) at reference points of Calzetti et al. (2000)
// eq. 4: k(V = 5500 Å) ≈ 4.05 (= R_V by construction, to 1 %) and
// k(1500 Å) ≈ 10.3.
func TestCalzetti(t *testing.T) {
	t.Parallel()
	if k := render.CalzettiK(5500); math.Abs(k-4.05)/4.05 > 0.01 {
		t.Errorf("k(5500 Å) = %.3f, want ≈ 4.05", k)
	}
	if k := render.CalzettiK(1500); math.Abs(k-10.33)/10.33 > 0.01 {
		t.Errorf("k(1500 Å) = %.3f, want ≈ 10.33", k)
	}
	if render.CalzettiK(3e5) != 0 {
		t.Error("k is not clamped at 0 far in the infrared")
	}
}

func TestFITSAndPreview(t *testing.T) {
	t.Parallel()
	g := clip(discGalaxy(3000, 2, 0.3, [3]float64{0, 0, 1}, 1.5, 5), 12)
	g.Truth.Phase, g.Truth.TCompactionGyr = sims.PhaseCompaction, 3.3
	r := renderer(t, nil)
	views, _ := render.ParseViews("fibonacci:2", 0, 0, 0)
	ims, err := r.Render(g, views)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "img.fits")
	if err := render.WriteFITS(path, ims[1], render.Provenance{Version: "test", ConfigHash: "h", Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	f, err := fitsio.Open(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := f.HDU(0).Header()
	if ax := h.Axes(); len(ax) != 3 || ax[0] != 64 || ax[2] != 3 {
		t.Errorf("axes %v, want [64 64 3]", ax)
	}
	for _, k := range []string{"VIEWX", "VIEWY", "VIEWZ", "PIXKPC", "PIXARCS", "REDSHIFT", "BAND1", "BUNIT1", "BAND3", "RE3D", "PHASE", "TCOMPACT", "GFHASH"} {
		if h.Get(k) == nil {
			t.Errorf("card %s missing", k)
		}
	}
	if h.Get("MRATIO") != nil {
		t.Error("a NaN label was written")
	}
	if b := h.Get("BAND2"); b == nil || b.Value.(string) != "F606W" {
		t.Errorf("BAND2 = %v", b)
	}
	if z := h.Get("REDSHIFT"); z == nil || math.Abs(z.Value.(float64)-1.5) > 1e-12 {
		t.Errorf("REDSHIFT card %v", z)
	}
	data := make([]float32, 64*64*3)
	if err := f.HDU(0).(fitsio.Image).Read(&data); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range data[64*64*2:] {
		sum += float64(v)
	}
	if want := render.Sum(ims[1].Data[2]); math.Abs(sum-want) > 1e-5*want {
		t.Errorf("F160W plane sums to %g in the file, %g in memory", sum, want)
	}
	png := filepath.Join(dir, "p.png")
	if err := render.WritePreview(png, ims, "test"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
		t.Errorf("preview: %v", err)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	g := clip(discGalaxy(500, 2, 0.3, [3]float64{0, 0, 1}, 1, 6), 12)
	g0 := *g
	g0.Redshift = 0
	if _, err := renderer(t, nil).Render(&g0, nil); err == nil || !strings.Contains(err.Error(), "render.redshift") {
		t.Errorf("z = 0: %v", err)
	}
	nov := *g
	nov.Stars.VelKms = nil
	views, _ := render.ParseViews("axes", 0, 0, 0)
	if ims, err := renderer(t, nil).Render(&nov, views); err != nil || ims[0].Aligned {
		t.Errorf("no velocities: %v (want the snapshot's axes, not aligned)", err)
	}
	if ims, err := renderer(t, nil).Render(g, views); err != nil || !ims[0].Aligned {
		t.Errorf("with velocities: %v (want aligned)", err)
	}
	cfg := render.DefaultConfig()
	cfg.Bands = []string{"mass", "F999W", "mass"}
	cfg.NPix = 2
	cfg.Smoothing.Kernel = "gauss"
	err := cfg.Validate()
	for _, want := range []string{"render.bands = F999W", "listed twice", "render.npix = 2", "render.smoothing.kernel"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v does not mention %q", err, want)
		}
	}
}
