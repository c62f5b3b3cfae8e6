package instrument

import "math"

// Physical constants of the conversions.
const (
	// SpeedOfLightAngstromPerS is c in Å/s.
	SpeedOfLightAngstromPerS = 2.99792458e18
	// ABZeroPointJy is the flux density of AB magnitude 0 (Oke & Gunn 1983).
	ABZeroPointJy = 3631.0
	// microJyCGS is 1 µJy in erg s⁻¹ cm⁻² Hz⁻¹.
	microJyCGS = 1e-29
)

// MagToCountRate returns the count rate (e⁻/s) of a source of AB magnitude
// m: 10^(−0.4 (m − ZeroPointAB)).
func (b Band) MagToCountRate(m float64) float64 {
	return math.Pow(10, -0.4*(m-b.ZeroPointAB))
}

// CountRateToMag returns the AB magnitude of a count rate c (e⁻/s):
// −2.5 log10(c) + ZeroPointAB. It is +Inf for c = 0 and NaN for c < 0.
func (b Band) CountRateToMag(c float64) float64 {
	return -2.5*math.Log10(c) + b.ZeroPointAB
}

// PHOTFNU returns the inverse sensitivity in f_ν, µJy per e⁻/s:
// PHOTFLAM · PHOTPLAM² / c (the PHOTFNU header card is the same in Jy s/e⁻).
func (b Band) PHOTFNU() float64 {
	return b.PHOTFLAM * b.PHOTPLAM * b.PHOTPLAM / SpeedOfLightAngstromPerS / microJyCGS
}

// MicroJyToCountRate returns the count rate (e⁻/s) of a source of flux
// density f (µJy at the pivot wavelength): f / PHOTFNU. It is linear, so it
// also converts images in µJy per pixel (render.Image planes) to e⁻/s per
// pixel.
func (b Band) MicroJyToCountRate(f float64) float64 { return f / b.PHOTFNU() }

// CountRateToMicroJy returns the flux density in µJy of a count rate c
// (e⁻/s): c · PHOTFNU.
func (b Band) CountRateToMicroJy(c float64) float64 { return c * b.PHOTFNU() }

// MicroJyToCountRateTo converts a plane in µJy per pixel to e⁻/s per pixel:
// dst[i] = src[i] / PHOTFNU. dst and src may be the same slice; they must have
// the same length, otherwise it panics.
func (b Band) MicroJyToCountRateTo(dst, src []float64) {
	if len(dst) != len(src) {
		panic("instrument: MicroJyToCountRateTo: length mismatch")
	}
	k := 1 / b.PHOTFNU()
	for i, v := range src {
		dst[i] = v * k
	}
}

// MagToMicroJy returns the flux density (µJy) of AB magnitude m:
// 3631 Jy · 10^(−0.4 m) = 10^(−0.4 (m − 23.9)).
func MagToMicroJy(m float64) float64 { return ABZeroPointJy * 1e6 * math.Pow(10, -0.4*m) }

// MicroJyToMag returns the AB magnitude of a flux density f in µJy.
func MicroJyToMag(f float64) float64 { return -2.5 * math.Log10(f*1e-6/ABZeroPointJy) }
