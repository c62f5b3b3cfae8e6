package fit

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/galforge/galforge/mock/sersic"
)

// ErrInput is wrapped by the errors Fit returns for unusable input: images of
// the wrong size, or too few pixels with a finite sci and a finite rms > 0.
var ErrInput = errors.New("bad input")

// Model selects the fitted profile.
type Model int

const (
	// SersicModel is one Sérsic profile: mag, Re, n, q, PA, x0, y0.
	SersicModel Model = iota
	// BulgeDiscModel is a bulge (Sérsic of index BulgeN, 4 by default) plus an
	// exponential disc (n = 1) sharing centre and PA: total mag, B/T, Re and q
	// of each, PA, x0, y0 (and the bulge n with FreeBulgeN).
	BulgeDiscModel
)

func (m Model) String() string {
	switch m {
	case SersicModel:
		return "sersic"
	case BulgeDiscModel:
		return "bd"
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// ParseModel parses "sersic" or "bd" (also "bulge+disc").
func ParseModel(s string) (Model, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "sersic":
		return SersicModel, nil
	case "bd", "bulge+disc", "bulgedisc":
		return BulgeDiscModel, nil
	}
	return 0, fmt.Errorf("fit: model %q: want sersic or bd", s)
}

// Parameter bounds (see the package comment). Re is bounded in pixels:
// [MinRePix, MaxReStamps × stamp size].
const (
	MinN        = 0.3
	MaxN        = 8.0
	MinQ        = 0.05
	MinRePix    = 0.05
	MaxReStamps = 2.0
	// magSpan bounds the magnitude to ZP ± magSpan (flux between 1e-12 and
	// 1e12 e⁻/s): only to keep the model finite.
	magSpan = 30.0
)

// Options configures a fit. PixelScaleArcsec and ZeroPointAB are required;
// the PSF and its convention must be those the stamps were made with (for
// mock stamps: mock.Generator's PSF, centred as NewGenerator centres it).
type Options struct {
	// PixelScaleArcsec is the pixel size, arcsec/pixel. It must be positive.
	PixelScaleArcsec float64
	// ZeroPointAB is the AB magnitude of 1 e⁻/s (of one unit of the image).
	// It must be finite.
	ZeroPointAB float64
	// PSF is the point-spread function image (normalised to unit sum by the
	// drawer); nil fits profiles integrated over pixels with no PSF.
	PSF *sersic.PSF
	// Convention says whether PSF includes the pixel response (Effective) or
	// not (Instrumental), as in mock/sersic.
	Convention sersic.Convention
	// Model is the profile Fit fits. Default SersicModel.
	Model Model
	// MaxIter bounds the Levenberg–Marquardt iterations (trial steps) of one
	// start. If it is zero, it is defaulted to 100.
	MaxIter int
	// Tol is the convergence threshold: the fit has converged when a full
	// Gauss–Newton step would lower χ² by less than Tol·max(1, χ²_ν) (or by
	// less than 10 times that and no damped step lowers χ²). If it is zero,
	// it is defaulted to 1e-4: the parameters are then within ~0.01–0.03σ of
	// the minimum.
	Tol float64
	// BulgeN is the bulge Sérsic index of bulge+disc fits: fixed, or the
	// start with FreeBulgeN. If it is zero, it is defaulted to 4.
	BulgeN float64
	// FreeBulgeN fits the bulge index too (bounded to [MinN, MaxN]).
	FreeBulgeN bool
}

func (o Options) withDefaults() Options {
	if o.MaxIter == 0 {
		o.MaxIter = 100
	}
	if o.Tol == 0 {
		o.Tol = 1e-4
	}
	if o.BulgeN == 0 {
		o.BulgeN = 4
	}
	return o
}

func (o Options) validate() error {
	switch {
	case !(o.PixelScaleArcsec > 0) || math.IsInf(o.PixelScaleArcsec, 0):
		return fmt.Errorf("fit: pixel scale %v arcsec is not positive", o.PixelScaleArcsec)
	case math.IsNaN(o.ZeroPointAB) || math.IsInf(o.ZeroPointAB, 0):
		return fmt.Errorf("fit: zero point %v is not finite", o.ZeroPointAB)
	case o.Model != SersicModel && o.Model != BulgeDiscModel:
		return fmt.Errorf("fit: unknown model %v", o.Model)
	case o.MaxIter < 0:
		return fmt.Errorf("fit: MaxIter %d < 0", o.MaxIter)
	case !(o.Tol > 0):
		return fmt.Errorf("fit: Tol %v is not positive", o.Tol)
	case !(o.BulgeN >= MinN && o.BulgeN <= MaxN):
		return fmt.Errorf("fit: BulgeN %v outside [%v, %v]", o.BulgeN, MinN, MaxN)
	}
	return nil
}

// SersicParams are the parameters of one Sérsic profile.
type SersicParams struct {
	// Mag is the total AB magnitude of the untruncated profile.
	Mag float64
	// ReArcsec is the semi-major-axis half-light radius, arcsec.
	ReArcsec float64
	// N is the Sérsic index.
	N float64
	// Q is the axis ratio b/a.
	Q float64
	// PADeg is the position angle of the major axis, degrees counter-clockwise
	// from +y, in [−90, 90).
	PADeg float64
	// X0, Y0 are the centre in 1-indexed FITS pixel coordinates.
	X0, Y0 float64
}

// BulgeDiscParams are the parameters of a bulge+disc model.
type BulgeDiscParams struct {
	// Mag is the total AB magnitude; BT the bulge-to-total flux ratio.
	Mag, BT float64
	// Bulge half-light radius (arcsec), Sérsic index and axis ratio.
	BulgeReArcsec, BulgeN, BulgeQ float64
	// Disc half-light radius (arcsec), Sérsic index (1) and axis ratio.
	DiscReArcsec, DiscN, DiscQ float64
	// PADeg (degrees CCW from +y, in [−90, 90)) and centre (1-indexed
	// pixels), shared.
	PADeg, X0, Y0 float64
}

// Result is the outcome of one fit. For SersicModel the Sersic fields are
// set, for BulgeDiscModel the BD fields; the others are zero.
type Result struct {
	Model Model
	// Sersic holds the best-fit parameters and SersicErr their 1σ errors.
	Sersic, SersicErr SersicParams
	// BD holds the best-fit parameters and BDErr their 1σ errors (0 for
	// fixed parameters).
	BD, BDErr BulgeDiscParams
	// Chi2 is Σ((sci − model)/rms)² over the NPix pixels used; Chi2Nu is
	// Chi2/(NPix − NFree), NFree the number of free parameters.
	Chi2, Chi2Nu float64
	NPix, NFree  int
	// Iterations counts the Levenberg–Marquardt trial steps of all starts;
	// NEval the model drawings (Jacobians included).
	Iterations, NEval int
	// Converged reports that the kept start met the convergence test (see
	// Options.Tol); Status says how the fit ended, with any parameter left on
	// a bound ("converged", "converged; n at upper bound 8", "max iterations",
	// "stalled", "failed: …").
	Converged bool
	Status    string
	// Elapsed is the wall time of the fit.
	Elapsed time.Duration
}

// ColumnNames returns the parameter names of model m, as in mock's truth
// catalogue (mag, re_arcsec, n, q, pa_deg, x0, y0 for Sérsic; mag, bt,
// re_bulge_arcsec, n_bulge, q_bulge, re_disk_arcsec, n_disk, q_disk, pa_deg,
// x0, y0 for bulge+disc), in the order Result.Columns returns values.
func ColumnNames(m Model) []string {
	if m == BulgeDiscModel {
		return []string{"mag", "bt", "re_bulge_arcsec", "n_bulge", "q_bulge", "re_disk_arcsec", "n_disk", "q_disk", "pa_deg", "x0", "y0"}
	}
	return []string{"mag", "re_arcsec", "n", "q", "pa_deg", "x0", "y0"}
}

// Columns returns the parameter values and their 1σ errors in the order of
// ColumnNames(r.Model).
func (r Result) Columns() (values, errs []float64) {
	if r.Model == BulgeDiscModel {
		f := func(p BulgeDiscParams) []float64 {
			return []float64{p.Mag, p.BT, p.BulgeReArcsec, p.BulgeN, p.BulgeQ, p.DiscReArcsec, p.DiscN, p.DiscQ, p.PADeg, p.X0, p.Y0}
		}
		return f(r.BD), f(r.BDErr)
	}
	f := func(p SersicParams) []float64 { return []float64{p.Mag, p.ReArcsec, p.N, p.Q, p.PADeg, p.X0, p.Y0} }
	return f(r.Sersic), f(r.SersicErr)
}

// failed returns the Result of a fit that could not run: NaN parameters.
func failed(m Model, err error) Result {
	nan := math.NaN()
	r := Result{Model: m, Chi2: nan, Chi2Nu: nan, Status: "failed: " + err.Error()}
	s := SersicParams{nan, nan, nan, nan, nan, nan, nan}
	b := BulgeDiscParams{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}
	if m == BulgeDiscModel {
		r.BD, r.BDErr = b, b
	} else {
		r.Sersic, r.SersicErr = s, s
	}
	return r
}

// Fitter fits stamps of one size, pixel scale, zero point and PSF. It is safe
// for concurrent use: each call takes a drawer of its own from a free list.
type Fitter struct {
	size int
	opt  Options
	// proto never draws: Drawer.Clone copies the scratch of a drawer that
	// has drawn (its Sérsic row table) into the clone, so clones of a used
	// drawer would share it. Each clone builds its FFT plans on first use.
	proto *sersic.Drawer
	free  chan *sersic.Drawer
	// psfM is the PSF's adaptive covariance (pixels², xx, xy, yy) and
	// psfRe2 its squared circular half-light radius (pixels²), for the start.
	psfM   [3]float64
	psfRe2 float64
}

// NewFitter returns a Fitter for size×size stamps. It returns an error for
// size < 8, invalid options, or a PSF the drawer rejects.
func NewFitter(size int, opt Options) (*Fitter, error) {
	opt = opt.withDefaults()
	if size < 8 {
		return nil, fmt.Errorf("fit: stamp size %d < 8", size)
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	d, err := sersic.NewDrawerPSF(size, size, opt.PixelScaleArcsec, opt.PSF, opt.Convention)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	f := &Fitter{size: size, opt: opt, proto: d, free: make(chan *sersic.Drawer, 64)}
	f.psfMoments()
	return f, nil
}

// Options returns the options of f with defaults filled in.
func (f *Fitter) Options() Options { return f.opt }

// Size returns the stamp side in pixels.
func (f *Fitter) Size() int { return f.size }

func (f *Fitter) drawer() *sersic.Drawer {
	select {
	case d := <-f.free:
		return d
	default:
		return f.proto.Clone()
	}
}

func (f *Fitter) release(d *sersic.Drawer) {
	select {
	case f.free <- d:
	default:
	}
}

// Fit fits the model of f's options to one stamp: sci and rms are size×size
// images (row-major, x fastest, FITS order) in e⁻/s. Pixels whose sci is not
// finite or whose rms is not a finite positive number are left out. It
// returns an error wrapping ErrInput for images of the wrong length or with
// fewer usable pixels than twice the number of parameters, and the drawer's
// error if a model cannot be drawn (with a "failed: …" Result); a fit that
// runs but does not converge is not an error (see Result.Converged and
// Status).
func (f *Fitter) Fit(sci, rms []float32) (Result, error) {
	if f.opt.Model == BulgeDiscModel {
		return f.BulgeDisc(sci, rms)
	}
	return f.Sersic(sci, rms)
}

// Sersic fits one Sérsic profile (see Fit).
func (f *Fitter) Sersic(sci, rms []float32) (Result, error) {
	start := time.Now()
	dat, err := f.data(sci, rms, 7)
	if err != nil {
		return failed(SersicModel, err), err
	}
	d := f.drawer()
	defer f.release(d)
	r, err := f.fitSersic(d, dat)
	r.Elapsed = time.Since(start)
	return r, err
}

// BulgeDisc fits a bulge+disc model (see Fit), starting from a single-Sérsic
// fit.
func (f *Fitter) BulgeDisc(sci, rms []float32) (Result, error) {
	start := time.Now()
	np := 9
	if f.opt.FreeBulgeN {
		np = 10
	}
	dat, err := f.data(sci, rms, np)
	if err != nil {
		return failed(BulgeDiscModel, err), err
	}
	d := f.drawer()
	defer f.release(d)
	s, err := f.fitSersic(d, dat)
	if err != nil {
		return failed(BulgeDiscModel, err), err
	}
	r, err := f.fitBulgeDisc(d, dat, s)
	r.Iterations += s.Iterations
	r.NEval += s.NEval
	r.Elapsed = time.Since(start)
	return r, err
}

// Sersic fits one Sérsic profile to the size×size stamp (sci, rms) with a
// new Fitter (see Fitter.Fit). Use NewFitter to fit many stamps.
func Sersic(sci, rms []float32, size int, opt Options) (Result, error) {
	opt.Model = SersicModel
	f, err := NewFitter(size, opt)
	if err != nil {
		return failed(SersicModel, err), err
	}
	return f.Sersic(sci, rms)
}

// BulgeDisc fits a bulge+disc model to the size×size stamp (sci, rms) with
// a new Fitter (see Fitter.Fit).
func BulgeDisc(sci, rms []float32, size int, opt Options) (Result, error) {
	opt.Model = BulgeDiscModel
	f, err := NewFitter(size, opt)
	if err != nil {
		return failed(BulgeDiscModel, err), err
	}
	return f.BulgeDisc(sci, rms)
}

// data holds the usable pixels of one stamp.
type data struct {
	n    int       // stamp side
	idx  []int32   // indices of the usable pixels
	d    []float64 // sci at idx
	w    []float64 // 1/rms at idx
	sci  []float64 // the whole stamp, 0 where unusable
	good []bool
}

func (f *Fitter) data(sci, rms []float32, npar int) (*data, error) {
	n := f.size
	if len(sci) != n*n || len(rms) != n*n {
		return nil, fmt.Errorf("fit: sci has %d and rms %d pixels, want %d×%d: %w", len(sci), len(rms), n, n, ErrInput)
	}
	dat := &data{n: n, sci: make([]float64, n*n), good: make([]bool, n*n)}
	for i := range sci {
		s, r := float64(sci[i]), float64(rms[i])
		if math.IsNaN(s) || math.IsInf(s, 0) || !(r > 0) || math.IsInf(r, 0) {
			continue
		}
		dat.idx = append(dat.idx, int32(i))
		dat.d = append(dat.d, s)
		dat.w = append(dat.w, 1/r)
		dat.sci[i] = s
		dat.good[i] = true
	}
	if len(dat.idx) < 2*npar {
		return nil, fmt.Errorf("fit: %d usable pixels (finite sci, finite rms > 0), need at least %d: %w", len(dat.idx), 2*npar, ErrInput)
	}
	return dat, nil
}

// flux returns the flux in e⁻/s of AB magnitude mag.
func (f *Fitter) flux(mag float64) float64 { return math.Pow(10, -0.4*(mag-f.opt.ZeroPointAB)) }

// wrapPA wraps an angle in degrees to [−90, 90).
func wrapPA(pa float64) float64 {
	pa = math.Mod(pa+90, 180)
	if pa < 0 {
		pa += 180
	}
	return pa - 90
}

// boundNote lists the parameters left on a bound, for Status.
func boundNote(names []string, th, lo, hi []float64) string {
	var s []string
	for j := range th {
		const eps = 1e-9
		switch {
		case th[j] <= lo[j]+eps*math.Max(1, math.Abs(lo[j])):
			s = append(s, fmt.Sprintf("%s at lower bound %.4g", names[j], lo[j]))
		case th[j] >= hi[j]-eps*math.Max(1, math.Abs(hi[j])):
			s = append(s, fmt.Sprintf("%s at upper bound %.4g", names[j], hi[j]))
		}
	}
	return strings.Join(s, ", ")
}
