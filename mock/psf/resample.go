package psf

import (
	"fmt"
	"math"
)

// Resample returns the PSF on an n×n grid of pixel scale toScaleArcsec, with
// the centre pixel (n/2, n/2) at the position of im's centre pixel. The
// pixel values are interpolated (Lanczos-3) as a surface brightness and
// integrated over each new pixel with an m×m midpoint rule, m =
// max(2, ceil(2·toScale/fromScale)) (sub-samples at most half an old pixel
// apart), so the result is im convolved with the new pixel: for a roughly
// Gaussian PSF, FWHM² grows by 8 ln2 · S²/12 for new pixels of size S.
// The result is then scaled so that its sum equals the flux of im whose
// pixel centres fall inside the new field: a unit-sum PSF resampled onto a
// field that covers it keeps a unit sum. Effective is carried over (see the
// package comment for what resampling does to the pixel response). It fails
// if toScaleArcsec is not positive or n < MinSize.
func (im *Image) Resample(toScaleArcsec float64, n int) (*Image, error) {
	if !(toScaleArcsec > 0) || math.IsInf(toScaleArcsec, 0) || n < MinSize {
		return nil, fmt.Errorf("psf: resample: %w: scale %v″, n %d (want scale > 0, n ≥ %d)", ErrBadOptions, toScaleArcsec, n, MinSize)
	}
	if !(im.PixelScaleArcsec > 0) {
		return nil, fmt.Errorf("psf: resample: %w: source pixel scale %v", ErrNoScale, im.PixelScaleArcsec)
	}
	ratio := toScaleArcsec / im.PixelScaleArcsec // new pixel in old pixels
	m := max(2, int(math.Ceil(2*ratio)))
	cx, cy := im.Centre()
	c := n / 2
	pos := func(centre int) []float64 {
		p := make([]float64, n*m)
		for k := 0; k < n; k++ {
			for s := 0; s < m; s++ {
				u := float64(k-c) - 0.5 + (float64(s)+0.5)/float64(m) // new-pixel units
				p[k*m+s] = float64(centre) + u*ratio
			}
		}
		return p
	}
	fine := interpGrid(im.Data, im.NX, im.NY, pos(cx), pos(cy), Lanczos3)
	out := make([]float64, n*n)
	w := n * m
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			var s float64
			for b := 0; b < m; b++ {
				row := fine[(j*m+b)*w+i*m : (j*m+b)*w+i*m+m]
				for _, v := range row {
					s += v
				}
			}
			out[j*n+i] = s
		}
	}
	// Flux of im inside the new field: old pixel centres within the field.
	half := func(k int) (lo, hi float64) {
		return (float64(-k) - 0.5) * ratio, (float64(n-1-k) + 0.5) * ratio
	}
	xlo, xhi := half(c)
	ylo, yhi := xlo, xhi
	var inside float64
	for j := 0; j < im.NY; j++ {
		dy := float64(j - cy)
		if dy < ylo || dy > yhi {
			continue
		}
		for i := 0; i < im.NX; i++ {
			if dx := float64(i - cx); dx >= xlo && dx <= xhi {
				inside += im.Data[j*im.NX+i]
			}
		}
	}
	if s := sum(out); s != 0 {
		k := inside / s
		for i := range out {
			out[i] *= k
		}
	}
	return &Image{Data: out, NX: n, NY: n, PixelScaleArcsec: toScaleArcsec, Effective: im.Effective}, nil
}
