package toy

import (
	"math"

	"github.com/galforge/galforge/cosmo"
)

// This file holds the empirical scaling relations the built-in galaxies are
// drawn from: halo growth, the stellar-to-halo mass relation, halo
// concentration, the stellar mass–size relation, the stellar mass–metallicity
// relation and the stellar return fraction.

// ZSolar is the solar metal mass fraction assumed by the mass–metallicity
// relation (Ma et al. 2016 use Z☉ = 0.02, as BC03 does).
const ZSolar = 0.02

// zFirstStars is the redshift at which the star-formation histories start.
const zFirstStars = 12

// haloGrowth is the mass accretion history of a halo in the exponential form
// of Wechsler et al. (2002, ApJ 568, 52), normalised at zRef:
//
//	M_h(z) = M_h(zRef) exp[−α (z − zRef)].
type haloGrowth struct {
	MRef, ZRef, Alpha float64
}

// massAt returns the virial halo mass in M☉ at redshift z.
func (h haloGrowth) massAt(z float64) float64 { return h.MRef * math.Exp(-h.Alpha*(z-h.ZRef)) }

// meanGrowthAlpha returns the mean α of the exponential form for a halo of
// mass m M☉, from the mean accretion rate of Fakhouri, Ma & Boylan-Kolchin
// (2010, MNRAS 406, 2267): dM/dt = 46.1 M☉/yr (M/10¹² M☉)^1.1
// (1 + 1.11 z) E(z). With dz/dt = −(1+z) H0 E(z) this gives
// dlnM/dz = −0.0461 Gyr⁻¹ (M/10¹²)^0.1 (1+1.11z)/[(1+z) H0], nearly constant
// in z; it is evaluated at z = 3 ((1+1.11z)/(1+z) = 1.08). α ≈ 0.70 for
// 10¹² M☉ and H0 = 70.
func meanGrowthAlpha(c cosmo.FlatLCDM, m float64) float64 {
	h0 := 1 / c.HubbleTimeGyr() // Gyr⁻¹
	return 0.0461 * math.Pow(m/1e12, 0.1) * (1 + 1.11*3) / (1 + 3) / h0
}

// stellarMassMoster13 returns the stellar mass in M☉ of a central galaxy in a
// halo of mass mh M☉ at redshift z, from the stellar-to-halo mass relation of
// Moster, Naab & White (2013, MNRAS 428, 3121; their eq. 2 with the
// redshift-dependent best-fit parameters):
//
//	M*/M_h = 2N [(M_h/M1)^−β + (M_h/M1)^γ]^−1
//
// with log M1 = 11.590 + 1.195 z/(1+z), N = 0.0351 − 0.0247 z/(1+z),
// β = 1.376 − 0.826 z/(1+z), γ = 0.608 + 0.329 z/(1+z).
func stellarMassMoster13(mh, z float64) float64 {
	a := z / (1 + z)
	m1 := math.Pow(10, 11.590+1.195*a)
	n := 0.0351 - 0.0247*a
	beta := 1.376 - 0.826*a
	gamma := 0.608 + 0.329*a
	x := mh / m1
	return mh * 2 * n / (math.Pow(x, -beta) + math.Pow(x, gamma))
}

// haloMassForStellarMass inverts stellarMassMoster13 at redshift z by
// bisection in log M_h (the relation is monotonic in M_h).
func haloMassForStellarMass(mstar, z float64) float64 {
	lo, hi := 8.0, 16.0
	for range 100 {
		mid := 0.5 * (lo + hi)
		if stellarMassMoster13(math.Pow(10, mid), z) < mstar {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Pow(10, 0.5*(lo+hi))
}

// concentrationDM14 returns the virial concentration c_vir of a halo of
// virial mass mh M☉ at redshift z (Dutton & Macciò 2014, MNRAS 441, 3359,
// their fit for Bryan & Norman virial masses, valid for 0 ≤ z ≤ 5 and
// extrapolated beyond): log c = a + b log(M h/10¹² M☉) with
// b = −0.097 + 0.024 z, a = 0.537 + (1.025 − 0.537) exp(−0.718 z^1.08).
func concentrationDM14(mh, z, h float64) float64 {
	b := -0.097 + 0.024*z
	a := 0.537 + (1.025-0.537)*math.Exp(-0.718*math.Pow(z, 1.08))
	return math.Pow(10, a+b*math.Log10(mh*h/1e12))
}

// lateTypeReKpc returns the median effective (projected half-light) radius
// in kpc of late-type galaxies of stellar mass m M☉ at redshift z (van der
// Wel et al. 2014, ApJ 788, 28, Table 1 and §4.2): R_e = A(z) (M*/5·10¹⁰)^0.22
// with A(z) = 10^0.86 [(1+z)/1.25]^−0.75 kpc, which reproduces their
// tabulated log A = 0.86 … 0.51 for 0.25 ≤ z ≤ 2.75 to within 0.03 dex and
// extrapolates their (1+z)^−0.75 size evolution to higher redshift.
func lateTypeReKpc(m, z float64) float64 {
	a := math.Pow(10, 0.86) * math.Pow((1+z)/1.25, -0.75)
	return a * math.Pow(m/5e10, 0.22)
}

// earlyTypeReKpc returns the median effective radius in kpc of early-type
// galaxies (van der Wel et al. 2014, Table 1): R_e = A(z) (M*/5·10¹⁰)^0.75,
// A(z) = 10^0.60 [(1+z)/1.25]^−1.48 kpc. Used for bulges.
func earlyTypeReKpc(m, z float64) float64 {
	a := math.Pow(10, 0.60) * math.Pow((1+z)/1.25, -1.48)
	return a * math.Pow(m/5e10, 0.75)
}

// logZMa16 returns log10(Z*/Z☉) of the stellar mass–metallicity relation of
// Ma et al. (2016, MNRAS 456, 2140) for stellar mass m M☉ at redshift
// z: log(Z*/Z☉) = 0.40 [log(M*/M☉) − 10] + 0.67 exp(−0.50 z) − 1.04.
func logZMa16(m, z float64) float64 {
	return 0.40*(math.Log10(m)-10) + 0.67*math.Exp(-0.50*z) - 1.04
}

// Metallicity gradient of discs and its clamp.
const (
	// discGradientDexKpc is the radial metallicity gradient of discs,
	// d log Z/dR = −0.1 dex/kpc, pivoting at the effective radius (typical of
	// z ≈ 1–2 discs, e.g. Jones et al. 2013, ApJ 765, 48; Ma et al. 2017,
	// MNRAS 466, 4780).
	discGradientDexKpc = -0.1
	// gradientClampDex bounds the gradient term to [−1, +0.3] dex so that
	// far outer stars keep a plausible metallicity.
	gradientClampLoDex, gradientClampHiDex = -1.0, 0.3
	// metallicityScatterDex is the star-to-star scatter in log Z.
	metallicityScatterDex = 0.1
)

// metallicity returns the metal mass fraction of a star born when the galaxy
// had stellar mass m M☉ at redshift z, at radius dR kpc from the effective
// radius (0 for spheroids), with a unit Gaussian deviate g for the scatter.
func metallicity(m, z, dR, g float64) float64 {
	grad := math.Min(math.Max(discGradientDexKpc*dR, gradientClampLoDex), gradientClampHiDex)
	return ZSolar * math.Pow(10, logZMa16(m, z)+grad+metallicityScatterDex*g)
}

// returnFraction returns the fraction of a stellar population's initial mass
// returned to the interstellar medium by winds and supernovae at age ageGyr,
// for a Chabrier (2003) IMF (Leitner & Kravtsov 2011, ApJ 734, 48):
// f_ret(t) = C0 ln(1 + t/λ) with C0 = 0.046 and λ = 2.76·10⁵ yr. It is 0.27
// at 100 Myr, 0.40 at 1.5 Gyr and 0.49 at 10 Gyr. A star particle's current
// mass is its initial mass × (1 − f_ret(age)).
func returnFraction(ageGyr float64) float64 {
	if ageGyr <= 0 {
		return 0
	}
	return 0.046 * math.Log1p(ageGyr/2.76e-4)
}

// returnFractionTypical is f_ret at 1.5 Gyr (≈ 0.40), used to turn a stellar
// mass from the stellar-to-halo mass relation into the mass formed.
var returnFractionTypical = returnFraction(1.5)
