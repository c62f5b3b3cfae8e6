package instrument

import (
	"fmt"
	"math"
)

// LimitingMagAB returns the AB magnitude of a point source detected at
// nSigma (signal-to-noise nSigma) in exposure e, measured in a circular
// aperture of radius radiusArcsec that holds the fraction ee of the source's
// flux (the encircled energy of the PSF at that radius).
//
// The noise model is that of the HST exposure time calculators for a CCD or
// a MULTIACCUM ramp, in electrons summed over the aperture:
//
//	S = F · ee · t                                  (signal, e⁻)
//	σ² = S + A_pix · (sky + dark) · t + A_pix · NExp · RN²
//
// with F the total count rate of the source (e⁻/s), t = e.TimeS, sky the sky
// and dark the dark current in e⁻/s per native detector pixel
// (SkyEPerSPerPix rescaled from PixelScaleArcsec to NativePixelScaleArcsec,
// and DarkEPerS), RN = ReadNoiseE (e⁻ per native pixel per exposure) and
// A_pix = π radiusArcsec² / NativePixelScaleArcsec² the aperture area in
// native pixels (0.128″ WFC3/IR, 0.05″ ACS/WFC: the pixels in which read
// noise and dark are defined; drizzling onto a finer grid redistributes but
// does not reduce this noise). S/σ = nSigma is solved exactly:
//
//	S = (n² + √(n⁴ + 4 n² B)) / 2,   B = σ² − S,
//
// and the magnitude is CountRateToMag(S / (ee · t)). Correlated noise from
// drizzling, flat-field and background-subtraction errors, and cosmic-ray
// rejection losses are not modelled, so measured mosaic depths are typically
// a little shallower.
//
// e.TimeS, nSigma, radiusArcsec must be positive, e.NExp non-negative and ee
// in (0, 1], otherwise LimitingMagAB panics.
func (b Band) LimitingMagAB(e Exposure, nSigma, radiusArcsec, ee float64) float64 {
	if !(e.TimeS > 0) || e.NExp < 0 || !(nSigma > 0) || !(radiusArcsec > 0) || !(ee > 0 && ee <= 1) {
		panic(fmt.Sprintf("instrument: LimitingMagAB(%+v, nSigma=%v, r=%v″, ee=%v): invalid argument", e, nSigma, radiusArcsec, ee))
	}
	r := b.NativePixelScaleArcsec / b.PixelScaleArcsec
	skyNative := b.SkyEPerSPerPix * r * r
	aPix := math.Pi * radiusArcsec * radiusArcsec / (b.NativePixelScaleArcsec * b.NativePixelScaleArcsec)
	bg := aPix*(skyNative+b.DarkEPerS)*e.TimeS + aPix*float64(e.NExp)*b.ReadNoiseE*b.ReadNoiseE
	n2 := nSigma * nSigma
	s := (n2 + math.Sqrt(n2*n2+4*n2*bg)) / 2
	return b.CountRateToMag(s / (ee * e.TimeS))
}
