package fit

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/sersic"
)

// setup returns a mock Generator for size×size stamps with mock's defaults
// (F160W at 0.06″, Moffat PSF, CANDELS-wide noise) and the fit Options that
// draw as it does.
func setup(t testing.TB, size int) (*mock.Generator, Options) {
	t.Helper()
	cfg := mock.DefaultConfig()
	cfg.StampSize = size
	gen, err := mock.NewGenerator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return gen, Options{PixelScaleArcsec: cfg.PixelScaleArcsec, ZeroPointAB: gen.ZP, PSF: gen.SersicPSF, Convention: gen.Convention}
}

// stamp draws o with mock and returns (sci, rms) as float32, the form of
// stamps.fits; noiseless puts the model in sci (rms stays the noisy one's).
func stamp(t testing.TB, gen *mock.Generator, d *sersic.Drawer, o mock.Object, noiseless bool) Image {
	t.Helper()
	st, err := gen.Stamp(d, o, 2018)
	if err != nil {
		t.Fatal(err)
	}
	im := Image{Sci: make([]float32, len(st.Sci)), RMS: make([]float32, len(st.RMS))}
	for i := range st.Sci {
		im.Sci[i] = float32(st.Sci[i])
		if noiseless {
			im.Sci[i] = float32(st.Model[i])
		}
		im.RMS[i] = float32(st.RMS[i])
	}
	return im
}

// dPA is the difference of two position angles modulo 180°, in [−90, 90).
func dPA(a, b float64) float64 { return wrapPA(a - b) }

// TestSersicNoiseless recovers noise-free mocks. The model is mock's own
// drawing, so the only errors are the float32 rounding of the stamp (~1e-7
// of each pixel) and the stopping rule (Tol 1e-4: ≤ 0.01σ of the noisy
// stamp's errors, ≤ 1e-3 mag for the faintest case): mag to 1e-3, Re, n
// and q to 1 %, PA to 0.5°, the centre to 0.01 pixel.
func TestSersicNoiseless(t *testing.T) {
	t.Parallel()
	gen, opt := setup(t, 48)
	f, err := NewFitter(48, opt)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mag  float64
		s    sersic.Sersic
	}{
		{"disc", 20, sersic.Sersic{ReArcsec: 0.4, N: 1, Q: 0.5, PADeg: 30, X0: 24.7, Y0: 24.3}},
		{"compact de Vaucouleurs", 21, sersic.Sersic{ReArcsec: 0.25, N: 4, Q: 0.8, PADeg: -60, X0: 24.2, Y0: 24.9}},
		{"edge-on near PA 90", 19.5, sersic.Sersic{ReArcsec: 0.8, N: 2.5, Q: 0.3, PADeg: 89.8, X0: 24.5, Y0: 24.5}},
		{"small, nearly round", 22, sersic.Sersic{ReArcsec: 0.15, N: 0.7, Q: 0.9, PADeg: 10, X0: 25.1, Y0: 24.0}},
		{"faint high n", 23.5, sersic.Sersic{ReArcsec: 0.5, N: 5, Q: 0.6, PADeg: -20, X0: 24.6, Y0: 24.6}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			im := stamp(t, gen, gen.NewDrawer(), mock.Object{ID: int64(i), Mag: c.mag, Sersic: c.s}, true)
			r, err := f.Sersic(im.Sci, im.RMS)
			if err != nil {
				t.Fatal(err)
			}
			got, want := r.Sersic, c.s
			if !r.Converged {
				t.Errorf("case %d (%s): not converged: %s", i, c.name, r.Status)
			}
			rel := func(a, b float64) float64 { return math.Abs(a/b - 1) }
			for _, e := range []struct {
				what      string
				err, tol  float64
				got, want float64
			}{
				{"mag", math.Abs(got.Mag - c.mag), 1e-3, got.Mag, c.mag},
				{"re", rel(got.ReArcsec, want.ReArcsec), 0.01, got.ReArcsec, want.ReArcsec},
				{"n", rel(got.N, want.N), 0.01, got.N, want.N},
				{"q", rel(got.Q, want.Q), 0.01, got.Q, want.Q},
				{"pa", math.Abs(dPA(got.PADeg, want.PADeg)), 0.5, got.PADeg, want.PADeg},
				{"x0", math.Abs(got.X0 - want.X0), 0.01, got.X0, want.X0},
				{"y0", math.Abs(got.Y0 - want.Y0), 0.01, got.Y0, want.Y0},
			} {
				if !(e.err <= e.tol) {
					t.Errorf("case %d (%s): %s: got %v, want %v (error %.3g > %g)", i, c.name, e.what, e.got, e.want, e.err, e.tol)
				}
			}
			if got.PADeg < -90 || got.PADeg >= 90 || got.Q > 1 {
				t.Errorf("case %d (%s): PA %v outside [−90, 90) or q %v > 1", i, c.name, got.PADeg, got.Q)
			}
			t.Logf("case %d (%s): |Δmag| %.1e, |ΔRe/Re| %.1e, |Δn/n| %.1e, |Δq/q| %.1e, |ΔPA| %.1e°; %d iterations, %d drawings, %v, %s",
				i, c.name, math.Abs(got.Mag-c.mag), rel(got.ReArcsec, want.ReArcsec), rel(got.N, want.N), rel(got.Q, want.Q),
				math.Abs(dPA(got.PADeg, want.PADeg)), r.Iterations, r.NEval, r.Elapsed.Round(time.Millisecond), r.Status)
		})
	}
}

// TestSersicNoisyPulls fits 30 noisy mocks (priors narrowed to S/N ≳ 20, so
// that the linearised errors apply) through All and checks the pulls
// (fit − truth)/σ: every |pull| < 5, and for each parameter a standard
// deviation in [0.5, 2] and a mean within 4/√30 of 0.
func TestSersicNoisyPulls(t *testing.T) {
	t.Parallel()
	const n = 30
	gen, opt := setup(t, 48)
	d := gen.NewDrawer()
	rng := rand.New(rand.NewPCG(11, 12))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	truth := make([]mock.Object, n)
	ims := make([]Image, n)
	for i := range truth {
		truth[i] = mock.Object{ID: int64(i), Mag: u(19, 22.5), Sersic: sersic.Sersic{ReArcsec: math.Exp(u(math.Log(0.12), math.Log(0.8))),
			N: u(0.6, 5), Q: u(0.25, 0.95), PADeg: u(-90, 90), X0: u(24, 25), Y0: u(24, 25)}}
		ims[i] = stamp(t, gen, d, truth[i], false)
	}
	var calls int
	res, err := All(context.Background(), ims, 48, opt, 2, func(done, total int) {
		calls++
		if total != n || done != calls {
			t.Errorf("progress(%d, %d) at call %d", done, total, calls)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"mag", "re", "n", "q", "pa", "x0", "y0"}
	pulls := make([][]float64, len(names))
	for i, r := range res {
		if !r.Converged {
			t.Errorf("stamp %d: %s", i, r.Status)
		}
		s, e, w := r.Sersic, r.SersicErr, truth[i].Sersic
		p := []float64{(s.Mag - truth[i].Mag) / e.Mag, (s.ReArcsec - w.ReArcsec) / e.ReArcsec, (s.N - w.N) / e.N,
			(s.Q - w.Q) / e.Q, dPA(s.PADeg, w.PADeg) / e.PADeg, (s.X0 - w.X0) / e.X0, (s.Y0 - w.Y0) / e.Y0}
		for j, v := range p {
			pulls[j] = append(pulls[j], v)
			if !(math.Abs(v) < 5) {
				t.Errorf("stamp %d: %s pull %.2f (fit %+v ± %+v, truth mag %v %+v)", i, names[j], v, s, e, truth[i].Mag, w)
			}
		}
		if !(r.Chi2Nu > 0.85 && r.Chi2Nu < 1.15) {
			t.Errorf("stamp %d: χ²_ν = %v", i, r.Chi2Nu)
		}
	}
	for j, p := range pulls {
		var m, s2 float64
		for _, v := range p {
			m += v
		}
		m /= n
		for _, v := range p {
			s2 += (v - m) * (v - m)
		}
		sd := math.Sqrt(s2 / (n - 1))
		t.Logf("%s: pull mean %+.2f, std %.2f", names[j], m, sd)
		if !(sd >= 0.5 && sd <= 2) || !(math.Abs(m) < 4/math.Sqrt(n)) {
			t.Errorf("%s: pull mean %.2f, std %.2f; want |mean| < %.2f, std in [0.5, 2]", names[j], m, sd, 4/math.Sqrt(n))
		}
	}
}

// TestBulgeDiscNoiseless recovers a noise-free bulge+disc mock (bulge n = 4
// fixed, as mock draws it): mag and B/T to 1e-3, radii and axis ratios to
// 1 %, PA to 0.5°.
func TestBulgeDiscNoiseless(t *testing.T) {
	t.Parallel()
	gen, opt := setup(t, 48)
	want := sersic.BulgeDisc{BT: 0.4, BulgeReArcsec: 0.15, BulgeN: 4, BulgeQ: 0.8, DiscReArcsec: 0.6, DiscN: 1, DiscQ: 0.4, PADeg: 20, X0: 24.3, Y0: 24.8}
	im := stamp(t, gen, gen.NewDrawer(), mock.Object{Mag: 20, IsBD: true, BD: want}, true)
	r, err := BulgeDisc(im.Sci, im.RMS, 48, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := r.BD
	if !r.Converged || r.Model != BulgeDiscModel || got.BulgeN != 4 || got.DiscN != 1 || r.BDErr.BulgeN != 0 {
		t.Errorf("converged %v, model %v, n %v/%v, σ(n_b) %v: %s", r.Converged, r.Model, got.BulgeN, got.DiscN, r.BDErr.BulgeN, r.Status)
	}
	rel := func(a, b float64) float64 { return math.Abs(a/b - 1) }
	if math.Abs(got.Mag-20) > 1e-3 || math.Abs(got.BT-want.BT) > 1e-3 || rel(got.BulgeReArcsec, want.BulgeReArcsec) > 0.01 ||
		rel(got.DiscReArcsec, want.DiscReArcsec) > 0.01 || rel(got.BulgeQ, want.BulgeQ) > 0.01 || rel(got.DiscQ, want.DiscQ) > 0.01 ||
		math.Abs(dPA(got.PADeg, want.PADeg)) > 0.5 {
		t.Errorf("got %+v (mag 20), want %+v", got, want)
	}
	names := ColumnNames(BulgeDiscModel)
	vals, errs := r.Columns()
	if len(vals) != len(names) || len(errs) != len(names) || vals[1] != got.BT {
		t.Errorf("Columns: %d values, %d errors for %d names", len(vals), len(errs), len(names))
	}
}

// TestAllDeterministic: the results do not depend on the number of workers.
func TestAllDeterministic(t *testing.T) {
	t.Parallel()
	gen, opt := setup(t, 32)
	d := gen.NewDrawer()
	var ims []Image
	for i := range 4 {
		ims = append(ims, stamp(t, gen, d, mock.Object{ID: int64(i), Mag: 20 + 0.5*float64(i),
			Sersic: sersic.Sersic{ReArcsec: 0.2 + 0.05*float64(i), N: 1 + float64(i), Q: 0.7, PADeg: 10 * float64(i), X0: 16.3, Y0: 16.6}}, false))
	}
	a, err := All(context.Background(), ims, 32, opt, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := All(context.Background(), ims, 32, opt, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].Sersic != b[i].Sersic || a[i].SersicErr != b[i].SersicErr || a[i].Chi2 != b[i].Chi2 {
			t.Errorf("stamp %d: 1 worker %+v, 3 workers %+v", i, a[i].Sersic, b[i].Sersic)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := All(ctx, ims, 32, opt, 2, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err %v", err)
	}
}

// TestBadInput: unusable input is an error (wrapping ErrInput for the
// stamps), never a panic; All records it in the Result.
func TestBadInput(t *testing.T) {
	t.Parallel()
	gen, opt := setup(t, 16)
	good := stamp(t, gen, gen.NewDrawer(), mock.Object{Mag: 20, Sersic: sersic.Sersic{ReArcsec: 0.2, N: 1, Q: 0.7, X0: 8.5, Y0: 8.5}}, false)
	nan := float32(math.NaN())
	fill := func(v float32, n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	for i, c := range []struct {
		name     string
		sci, rms []float32
	}{
		{"all-NaN rms", good.Sci, fill(nan, 256)},
		{"zero rms", good.Sci, fill(0, 256)},
		{"negative rms", good.Sci, fill(-1, 256)},
		{"all-NaN sci", fill(nan, 256), good.RMS},
		{"infinite rms", good.Sci, fill(float32(math.Inf(1)), 256)},
		{"short sci", good.Sci[:200], good.RMS},
		{"short rms", good.Sci, good.RMS[:255]},
		{"nil", nil, nil},
	} {
		for _, m := range []Model{SersicModel, BulgeDiscModel} {
			o := opt
			o.Model = m
			f, err := NewFitter(16, o)
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.Fit(c.sci, c.rms)
			if !errors.Is(err, ErrInput) || r.Converged || !strings.HasPrefix(r.Status, "failed") {
				t.Errorf("case %d (%s, %v): err %v, status %q; want ErrInput", i, c.name, m, err, r.Status)
			}
			if v, _ := r.Columns(); !math.IsNaN(v[0]) {
				t.Errorf("case %d (%s, %v): failed fit has mag %v, want NaN", i, c.name, m, v[0])
			}
		}
	}
	bad := func(mod func(*Options)) Options { o := opt; mod(&o); return o }
	for i, c := range []struct {
		name string
		size int
		opt  Options
	}{
		{"size 4", 4, opt},
		{"zero scale", 16, bad(func(o *Options) { o.PixelScaleArcsec = 0 })},
		{"NaN zero point", 16, bad(func(o *Options) { o.ZeroPointAB = math.NaN() })},
		{"zero PSF", 16, bad(func(o *Options) { o.PSF = sersic.CentredPSF(make([]float64, 9), 3, 3) })},
		{"PSF size", 16, bad(func(o *Options) { o.PSF = sersic.CentredPSF(make([]float64, 8), 3, 3) })},
		{"bulge n", 16, bad(func(o *Options) { o.BulgeN = 20 })},
		{"model", 16, bad(func(o *Options) { o.Model = 7 })},
	} {
		if _, err := Sersic(good.Sci, good.RMS, c.size, c.opt); err == nil && c.opt.Model == opt.Model {
			t.Errorf("case %d (%s): no error", i, c.name)
		}
		if _, err := All(context.Background(), []Image{good}, c.size, c.opt, 1, nil); err == nil {
			t.Errorf("case %d (%s): All: no error", i, c.name)
		}
	}
	res, err := All(context.Background(), []Image{good, {Sci: good.Sci, RMS: fill(nan, 256)}}, 16, opt, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Converged || !strings.Contains(res[1].Status, "usable pixels") || !math.IsNaN(res[1].Sersic.Mag) {
		t.Errorf("All with one bad stamp: %q, %q", res[0].Status, res[1].Status)
	}
	if _, err := ParseModel("galfit"); err == nil {
		t.Error("ParseModel(galfit): no error")
	}
}

// BenchmarkFitSersic64 fits one noisy 64×64 stamp (mock defaults: Moffat
// PSF, CANDELS-wide F160W) per op, cycling through 16 random profiles.
func BenchmarkFitSersic64(b *testing.B) {
	gen, opt := setup(b, 64)
	f, err := NewFitter(64, opt)
	if err != nil {
		b.Fatal(err)
	}
	d := gen.NewDrawer()
	rng := rand.New(rand.NewPCG(3, 4))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	ims := make([]Image, 16)
	for i := range ims {
		ims[i] = stamp(b, gen, d, mock.Object{ID: int64(i), Mag: u(18, 24), Sersic: sersic.Sersic{ReArcsec: math.Exp(u(math.Log(0.1), math.Log(1.5))),
			N: u(0.5, 6), Q: u(0.1, 1), PADeg: u(0, 180), X0: u(32, 33), Y0: u(32, 33)}}, false)
	}
	b.ResetTimer()
	start := time.Now()
	i, draws := 0, 0
	for b.Loop() {
		r, err := f.Sersic(ims[i%len(ims)].Sci, ims[i%len(ims)].RMS)
		if err != nil {
			b.Fatal(err)
		}
		draws += r.NEval
		i++
	}
	b.ReportMetric(1e3*time.Since(start).Seconds()/float64(i), "ms/stamp")
	b.ReportMetric(float64(draws)/float64(i), "draws/stamp")
}
