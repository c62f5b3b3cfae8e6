// Package cosmo implements flat ΛCDM background cosmology: cosmic time, scale
// factor and redshift conversions, and the distances needed to place a
// simulated galaxy on the sky.
//
// It is a leaf package shared by sims (ages from formation scale factors,
// snapshot redshifts) and render (luminosity and angular-diameter distances).
// Radiation is neglected, which changes ages by < 0.1 % at z < 10.
//
// References:
//   - Hogg D. W. 1999, "Distance measures in cosmology", astro-ph/9905116.
//   - Peebles P. J. E. 1993, Principles of Physical Cosmology, eq. 13.20
//     (closed-form age of a flat matter + Λ universe).
package cosmo

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/integrate/quad"
)

// Physical constants.
const (
	// SpeedOfLightKmS is c in km/s.
	SpeedOfLightKmS = 299792.458
	// MpcKm is one megaparsec in km.
	MpcKm = 3.0856775814913673e19
	// GyrS is one gigayear (Julian years) in s.
	GyrS = 3.15576e16
	// ArcsecRad is one arcsecond in radians.
	ArcsecRad = math.Pi / (180 * 3600)
)

// FlatLCDM is a flat ΛCDM cosmology with Ω_Λ = 1 − Ω_m.
type FlatLCDM struct {
	// H0 is the Hubble constant in km/s/Mpc. It must be positive.
	H0 float64
	// OmegaM is the matter density parameter today. It must be in (0, 1].
	OmegaM float64
}

// Default returns the galforge default cosmology, H0 = 70 km/s/Mpc, Ω_m = 0.3.
func Default() FlatLCDM { return FlatLCDM{H0: 70, OmegaM: 0.3} }

// Validate reports whether the parameters are physical.
func (c FlatLCDM) Validate() error {
	if !(c.H0 > 0) || math.IsInf(c.H0, 0) {
		return fmt.Errorf("cosmo: H0 = %v km/s/Mpc, must be positive", c.H0)
	}
	if !(c.OmegaM > 0 && c.OmegaM <= 1) {
		return fmt.Errorf("cosmo: OmegaM = %v, must be in (0, 1]", c.OmegaM)
	}
	return nil
}

// HubbleTimeGyr returns 1/H0 in Gyr.
func (c FlatLCDM) HubbleTimeGyr() float64 { return MpcKm / c.H0 / GyrS }

// HubbleDistanceMpc returns c/H0 in Mpc.
func (c FlatLCDM) HubbleDistanceMpc() float64 { return SpeedOfLightKmS / c.H0 }

// E returns H(z)/H0.
func (c FlatLCDM) E(z float64) float64 {
	a1 := 1 + z
	return math.Sqrt(c.OmegaM*a1*a1*a1 + (1 - c.OmegaM))
}

// HubbleTimeAtGyr returns the Hubble time 1/H(z) in Gyr at redshift z.
func (c FlatLCDM) HubbleTimeAtGyr(z float64) float64 { return c.HubbleTimeGyr() / c.E(z) }

// AgeAtScaleFactor returns the cosmic time in Gyr at scale factor a (a ≥ 0).
func (c FlatLCDM) AgeAtScaleFactor(a float64) float64 {
	if a <= 0 {
		return 0
	}
	ol := 1 - c.OmegaM
	if ol <= 0 { // Einstein–de Sitter
		return 2.0 / 3.0 * c.HubbleTimeGyr() * math.Pow(a, 1.5)
	}
	return 2.0 / (3.0 * math.Sqrt(ol)) * c.HubbleTimeGyr() * math.Asinh(math.Sqrt(ol/c.OmegaM)*math.Pow(a, 1.5))
}

// AgeGyr returns the cosmic time in Gyr at redshift z (z > −1).
func (c FlatLCDM) AgeGyr(z float64) float64 { return c.AgeAtScaleFactor(1 / (1 + z)) }

// ScaleFactorAtAge returns the scale factor at cosmic time t Gyr; it inverts
// AgeAtScaleFactor exactly. It returns 0 for t ≤ 0.
func (c FlatLCDM) ScaleFactorAtAge(t float64) float64 {
	if t <= 0 {
		return 0
	}
	ol := 1 - c.OmegaM
	x := 1.5 * t / c.HubbleTimeGyr()
	if ol <= 0 {
		return math.Pow(x, 2.0/3.0)
	}
	s := math.Sinh(x*math.Sqrt(ol)) / math.Sqrt(ol/c.OmegaM)
	return math.Pow(s, 2.0/3.0)
}

// RedshiftAtAge returns the redshift at cosmic time t Gyr (t > 0).
func (c FlatLCDM) RedshiftAtAge(t float64) float64 { return 1/c.ScaleFactorAtAge(t) - 1 }

// ComovingDistanceMpc returns the line-of-sight comoving distance to redshift z
// in Mpc, integrated with 64-point Gauss–Legendre quadrature (relative error
// below 1e-10 for z < 20).
func (c FlatLCDM) ComovingDistanceMpc(z float64) float64 {
	if z <= 0 {
		return 0
	}
	f := func(x float64) float64 { return 1 / c.E(x) }
	return c.HubbleDistanceMpc() * quad.Fixed(f, 0, z, 64, quad.Legendre{}, 0)
}

// LuminosityDistanceMpc returns d_L = (1+z) d_C in Mpc.
func (c FlatLCDM) LuminosityDistanceMpc(z float64) float64 {
	return (1 + z) * c.ComovingDistanceMpc(z)
}

// AngularDiameterDistanceMpc returns d_A = d_C/(1+z) in Mpc.
func (c FlatLCDM) AngularDiameterDistanceMpc(z float64) float64 {
	return c.ComovingDistanceMpc(z) / (1 + z)
}

// KpcPerArcsec returns the proper transverse size in kpc of one arcsecond at
// redshift z. It returns +Inf for z ≤ 0.
func (c FlatLCDM) KpcPerArcsec(z float64) float64 {
	if z <= 0 {
		return math.Inf(1)
	}
	return c.AngularDiameterDistanceMpc(z) * 1e3 * ArcsecRad
}

// CriticalDensityMsunKpc3 returns the critical density 3H(z)²/(8πG) in M☉/kpc³.
func (c FlatLCDM) CriticalDensityMsunKpc3(z float64) float64 {
	h := c.H0 * c.E(z) / 1e3 // km/s/kpc
	return 3 * h * h / (8 * math.Pi * GravityKpcKmS2Msun)
}

// GravityKpcKmS2Msun is Newton's constant in kpc (km/s)² / M☉.
const GravityKpcKmS2Msun = 4.30091727e-6

// DeltaVirBryanNorman returns the virial overdensity relative to the critical
// density at z for a flat universe (Bryan & Norman 1998, ApJ 495, 80, eq. 6).
func (c FlatLCDM) DeltaVirBryanNorman(z float64) float64 {
	a1 := 1 + z
	om := c.OmegaM * a1 * a1 * a1 / (c.E(z) * c.E(z))
	x := om - 1
	return 18*math.Pi*math.Pi + 82*x - 39*x*x
}

// VirialRadiusKpc returns the physical virial radius in kpc of a halo of mass
// mvir M☉ at redshift z, with the Bryan & Norman (1998) overdensity.
func (c FlatLCDM) VirialRadiusKpc(mvir, z float64) float64 {
	rho := c.DeltaVirBryanNorman(z) * c.CriticalDensityMsunKpc3(z)
	return math.Cbrt(3 * mvir / (4 * math.Pi * rho))
}
