// Package sps turns star particles into observed fluxes: stellar population
// synthesis with simple-stellar-population (SSP) spectra and synthetic
// photometry through the HST bands of galforge.
//
// The pipeline has three pieces:
//
//   - SSP: spectra L_λ in L☉/Å per M☉ of initial stellar mass on a grid of
//     ages (Gyr), metallicities (metal mass fraction Z) and rest-frame
//     wavelengths (Å). ReadBC03 reads Bruzual & Charlot (2003) .ised binaries,
//     DefaultBC03 returns the embedded low-resolution Padova 1994 / Chabrier
//     grid (6 metallicities, Z = 0.0001 … 0.05, 221 ages, 1221 wavelengths),
//     and ReadMIUSCAT reads the MIUSCAT FITS tables of Vazdekis et al. (2012).
//   - Filter: a total-system throughput curve, linear between its samples and
//     zero outside them. FilterByName returns the embedded curves of WFC3/IR
//     F105W, F125W, F160W and ACS/WFC F435W, F606W, F775W, F814W, F850LP.
//   - PhotTable: for one redshift and cosmology, the band-averaged observed
//     flux density (µJy per M☉ of initial mass) of every SSP on the grid, so
//     that a particle costs one bilinear interpolation in (log age, log Z):
//     see (*PhotTable).FluxesTo.
//
// # Conventions
//
// A source at redshift z > 0 with rest-frame luminosity density L_λ has the
// observed flux density
//
//	f_λ(λ_obs) = L☉ · L_λ(λ_obs/(1+z)) / (4π d_L² (1+z)),
//
// with d_L the luminosity distance of the flat ΛCDM cosmology (package
// cosmo). Redshift 0 means a source at 10 pc, without the (1+z) factors: the
// magnitudes are then absolute magnitudes. L☉ = 3.826·10³³ erg/s, the value
// used by both BC03 and MIUSCAT, so their tables convert back exactly.
//
// The band average is the photon-counting mean of f_ν (what a CCD or an IR
// array measures, and the definition behind STScI's PHOTFLAM/PHOTPLAM):
//
//	⟨f_ν⟩ = ∫ f_ν T(ν) dν/ν / ∫ T(ν) dν/ν = ∫ f_λ T(λ) λ dλ / (c ∫ T(λ) dλ/λ),
//
// and the AB magnitude is m = −2.5 log10(⟨f_ν⟩ / 3631 Jy) (Oke & Gunn 1983:
// m = −2.5 log10 f_ν[erg s⁻¹ cm⁻² Hz⁻¹] − 48.60, the same to 5·10⁻⁵ mag). A
// source with flat f_ν thus has the same AB magnitude in every band. The pivot
// wavelength λ_p = (∫ T λ dλ / ∫ T dλ/λ)^{1/2} is the one for which
// ⟨f_ν⟩ = ⟨f_λ⟩ λ_p²/c exactly.
//
// Spectra and throughputs are taken as linear between their samples; the
// integrals above are then integrals of piecewise-cubic polynomials between
// the merged sample points, which this package computes exactly (up to
// rounding). The optional intergalactic attenuation of Madau (1995)
// multiplies f_λ by exp(−τ_eff(λ_obs, z)) (see MadauTransmission); it is
// smooth between the Lyman-series edges, which are added as break points,
// and integrated with high-order Gauss–Legendre quadrature.
//
// Interpolation over the SSP grid is bilinear in log10 age and log10 Z, at
// fixed wavelength (for spectra) or per band (for PhotTable; as photometry is
// linear in the spectrum the two agree). Outside the grid the values are
// clamped to its edges; ages below the first non-zero age of the grid
// (1.26·10⁵ yr for BC03, whose first tabulated age is 0) take the first
// non-zero age; metallicities Z ≤ 0 take the lowest Z. NaN ages or
// metallicities give NaN.
//
// # Data
//
// The BC03 .ised files (gzip-compressed) and the eight GalSim filter curves
// are embedded with go:embed from the data/ folder, so nothing is read from
// disk or downloaded at run time; data/PROVENANCE.md names the repository,
// path and commit of each file. Users may load other models with ReadBC03,
// ReadMIUSCAT and ReadFilter.
//
// References:
//   - Bruzual G. & Charlot S. 2003, MNRAS 344, 1000: the BC03 SSPs and the
//     .ised format.
//   - Chabrier G. 2003, PASP 115, 763: the IMF of the embedded BC03 grid.
//   - Vazdekis A. et al. 2012, MNRAS 424, 157: MIUSCAT SSP spectra.
//   - Oke J. B. & Gunn J. E. 1983, ApJ 266, 713: the AB magnitude system.
//   - Madau P. 1995, ApJ 441, 18: mean intergalactic attenuation (eqs. 12,
//     15 and footnote 3 for the photoelectric term).
//   - Tokunaga A. T. & Vacca W. D. 2005, PASP 117, 421; Bessell M. & Murphy S.
//     2012, PASP 124, 140: photon-counting band averages and the pivot
//     wavelength.
package sps
