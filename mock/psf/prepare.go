package psf

import (
	"fmt"
	"math"
	"sort"
)

// Background selects how Prepare removes a residual sky from a PSF stamp.
type Background int

const (
	// BackgroundAnnulus subtracts the median of the pixels in an outer
	// annulus (the default).
	BackgroundAnnulus Background = iota
	// BackgroundNone leaves the pixels as they are.
	BackgroundNone
)

// PrepareOptions configures Prepare. The zero value subtracts the annulus
// background, keeps negative pixels, recentres with Lanczos-3 and
// normalises to unit sum.
type PrepareOptions struct {
	// Background is the background model; BackgroundAnnulus by default.
	Background Background
	// AnnulusWidth is the width in pixels of the background annulus, whose
	// outer radius is (min(NX, NY) − 1)/2 about the centre pixel. It must
	// be non-negative; 0 means max(2, min(NX, NY)/10).
	AnnulusWidth int
	// ClipNegative sets negative pixels to zero after the background step
	// (and again after recentring, where the interpolant rings).
	ClipNegative bool
	// NoRecentre skips the sub-pixel recentring on the flux centroid.
	NoRecentre bool
	// Interpolant is the kernel of the recentring shift; Lanczos3 by default.
	Interpolant Interpolant
	// CentroidTol is the tolerance in pixels of the recentring iteration. It
	// must be non-negative; 0 means 1e-4.
	CentroidTol float64
}

// Prepare readies a PSF stamp for convolution, in place: background
// subtraction, optional clipping of negative pixels, recentring of the flux
// centroid on the centre pixel (NX/2, NY/2) by a sub-pixel shift, and
// normalisation to unit sum. The recentring shifts the original image by
// the accumulated offset (so it is interpolated once, whatever the number of
// iterations) and iterates until the centroid is within CentroidTol pixels
// (at most 20 iterations). It fails if the sum is not positive after the
// background step or if the options are invalid.
func (im *Image) Prepare(opts PrepareOptions) error {
	if opts.AnnulusWidth < 0 || opts.CentroidTol < 0 {
		return fmt.Errorf("psf: prepare: %w: %+v", ErrBadOptions, opts)
	}
	if len(im.Data) != im.NX*im.NY || im.NX < MinSize || im.NY < MinSize {
		return fmt.Errorf("psf: prepare: %w: %d pixels for %d×%d", ErrTooSmall, len(im.Data), im.NX, im.NY)
	}
	tol := opts.CentroidTol
	if tol == 0 {
		tol = 1e-4
	}
	data := append([]float64(nil), im.Data...)
	if opts.Background == BackgroundAnnulus {
		b := im.annulusMedian(opts.AnnulusWidth)
		for i := range data {
			data[i] -= b
		}
	}
	if opts.ClipNegative {
		clipNeg(data)
	}
	if s := sum(data); !(s > 0) {
		return fmt.Errorf("psf: prepare: %w after background subtraction (%g)", ErrBadSum, s)
	}
	if !opts.NoRecentre {
		cx, cy := im.Centre()
		var dx, dy float64
		cur := data
		for it := 0; it < 20; it++ {
			x, y := centroid(cur, im.NX, im.NY)
			ex, ey := float64(cx)-x, float64(cy)-y
			if math.Abs(ex) < tol && math.Abs(ey) < tol {
				break
			}
			dx += ex
			dy += ey
			cur = shifted(data, im.NX, im.NY, dx, dy, opts.Interpolant)
			if opts.ClipNegative {
				clipNeg(cur)
			}
		}
		data = cur
	}
	s := sum(data)
	if !(s > 0) {
		return fmt.Errorf("psf: prepare: %w after recentring (%g)", ErrBadSum, s)
	}
	for i := range data {
		data[i] /= s
	}
	im.Data = data
	return nil
}

// annulusMedian returns the median of the pixels whose distance r from the
// centre pixel satisfies R − w ≤ r ≤ R, R = (min(NX, NY) − 1)/2.
func (im *Image) annulusMedian(w int) float64 {
	if w == 0 {
		w = max(2, min(im.NX, im.NY)/10)
	}
	cx, cy := im.Centre()
	rOut := float64(min(im.NX, im.NY)-1) / 2
	rIn := rOut - float64(w)
	var v []float64
	for j := 0; j < im.NY; j++ {
		for i := 0; i < im.NX; i++ {
			r := math.Hypot(float64(i-cx), float64(j-cy))
			if r >= rIn && r <= rOut {
				v = append(v, im.Data[j*im.NX+i])
			}
		}
	}
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func clipNeg(d []float64) {
	for i, v := range d {
		if v < 0 {
			d[i] = 0
		}
	}
}

func sum(d []float64) float64 {
	var s float64
	for _, v := range d {
		s += v
	}
	return s
}

// centroid returns the flux-weighted centroid (first moments) of d, in
// pixel coordinates.
func centroid(d []float64, nx, ny int) (float64, float64) {
	var s, sx, sy float64
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			v := d[j*nx+i]
			s += v
			sx += v * float64(i)
			sy += v * float64(j)
		}
	}
	return sx / s, sy / s
}

// Centroid returns the flux-weighted centroid of the image in pixel
// coordinates (pixel (i, j) is centred at (i, j)).
func (im *Image) Centroid() (x, y float64) { return centroid(im.Data, im.NX, im.NY) }
