package psf

import "math"

// FWHM returns the circularised full width at half maximum in arcsec: the
// image is interpolated (Lanczos-3) on a grid of 0.1 pixel around its
// brightest pixel, and FWHM = 2 √(A/π) where A is the area where the
// interpolated surface exceeds half its maximum. The window extends to the
// farthest pixel above a quarter of the peak plus 3 pixels.
func (im *Image) FWHM() float64 {
	imax := 0
	for i, v := range im.Data {
		if v > im.Data[imax] {
			imax = i
		}
	}
	px, py := imax%im.NX, imax/im.NX
	peak := im.Data[imax]
	reach := 0.0
	for j := 0; j < im.NY; j++ {
		for i := 0; i < im.NX; i++ {
			if im.Data[j*im.NX+i] > peak/4 {
				reach = math.Max(reach, math.Hypot(float64(i-px), float64(j-py)))
			}
		}
	}
	r := reach + 3
	const step = 0.1
	k := int(math.Ceil(r / step))
	axis := func(c int) []float64 {
		p := make([]float64, 2*k+1)
		for i := range p {
			p[i] = float64(c) + float64(i-k)*step
		}
		return p
	}
	g := interpGrid(im.Data, im.NX, im.NY, axis(px), axis(py), Lanczos3)
	top := 0.0
	for _, v := range g {
		top = math.Max(top, v)
	}
	count := 0
	for _, v := range g {
		if v > top/2 {
			count++
		}
	}
	area := float64(count) * step * step
	return 2 * math.Sqrt(area/math.Pi) * im.PixelScaleArcsec
}
