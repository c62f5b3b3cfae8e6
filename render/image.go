package render

import (
	"github.com/galforge/galforge/sims"
)

// Image is what a perfect telescope with no PSF and no noise sees of one
// galaxy from one view: the hand-off type of the render stage.
type Image struct {
	// Bands names each plane: "mass" or an HST band ("F160W").
	Bands []string
	// Units of each plane: "solMass" (stellar mass per pixel) or "uJy" (flux
	// density per pixel, observer frame).
	Units []string
	// Data holds one plane per band, NY×NX row-major with x fastest and the
	// first row at the bottom (FITS order).
	Data [][]float64
	// NX, NY are the image size in pixels.
	NX, NY int
	// PixKpc is the pixel size in physical kpc; PixArcsec in arcsec at Redshift.
	PixKpc, PixArcsec float64
	// Oversample is the oversampling factor relative to Config.NPix.
	Oversample int
	// View is the orientation; the galaxy centre is at the image centre.
	View View
	// Aligned reports whether view directions are in the face-on frame
	// (+z along the stellar angular momentum) rather than the snapshot's axes.
	Aligned bool
	// Redshift at which the galaxy is placed.
	Redshift float64
	// LumDistMpc is the luminosity distance used, Mpc.
	LumDistMpc float64
	// Re2DMassKpc is the projected (2D) stellar half-mass radius in kpc about
	// the centre, from the particles (circular apertures, all stars).
	Re2DMassKpc float64
	// MassInFieldMsun is the stellar mass whose light falls in the field.
	MassInFieldMsun float64
	// Truth are the galaxy's labels.
	Truth sims.Truth
	// Source is the snapshot the galaxy came from.
	Source string
}

// Plane returns the plane of band b, or nil.
func (im *Image) Plane(b string) []float64 {
	for i, n := range im.Bands {
		if n == b {
			return im.Data[i]
		}
	}
	return nil
}

// Sum returns the sum of a plane.
func Sum(p []float64) float64 {
	var s float64
	for _, v := range p {
		s += v
	}
	return s
}
