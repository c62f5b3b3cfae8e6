// Package instrument describes the HST cameras and bands that galforge
// mocks: WFC3/IR F105W, F125W, F160W and ACS/WFC F435W, F606W, F775W, F814W,
// F850LP, with their photometric calibration (PHOTFLAM, PHOTPLAM, AB
// zero-point), detector properties (gain, read noise, dark current), a typical
// sky level and the CANDELS exposure presets.
//
// Units: count rates are in e⁻/s (the unit of drizzled HST mosaics, BUNIT =
// 'ELECTRONS/S'); flux densities in µJy; magnitudes are AB; pixel scales in
// arcsec.
//
// Photometric conventions (STScI; HST data handbooks):
//
//	f_λ = PHOTFLAM · C                       (erg s⁻¹ cm⁻² Å⁻¹; C in e⁻/s)
//	f_ν = f_λ · PHOTPLAM² / c                (c = 2.99792458e18 Å/s)
//	ZP_AB = −2.5 log10(PHOTFLAM) − 21.10 − 5 log10(PHOTPLAM) + 18.692
//	m_AB = −2.5 log10(C) + ZP_AB
//	m_AB = −2.5 log10(f_ν / 3631 Jy) = 23.9 − 2.5 log10(f_ν / µJy)
//
// The constants 21.10 and 18.692 in STScI's ZP_AB formula round
// 2.5 log10(c) − 48.60 (5.0e-5 mag), and 3631 Jy rounds 10^(−48.60/2.5)
// (6.7e-5 mag): the two routes (ZP_AB and f_ν) differ by 1.17e-4 mag, well
// below any calibration uncertainty (≈0.01 mag). Magnitudes use ZP_AB
// (MagToCountRate, CountRateToMag); flux densities use PHOTFLAM and PHOTPLAM
// (MicroJyToCountRate, CountRateToMicroJy).
//
// Band.LimitingMagAB gives the nσ point-source depth of an Exposure in a
// circular aperture (CCD-equation noise in native detector pixels); the
// CANDELS presets are checked against the team's published 5σ limits in
// TestPresetDepths.
//
// Where the values come from is documented next to each band in bands.go:
// PHOTFLAM/PHOTPLAM of real image headers where one is in ../shared/data
// (F105W: HFF Abell 2744 60 mas mosaic; F814W: COSMOS ACS), else STScI's
// published zero-points for the calibration in force when the CANDELS/GOODS
// data were taken.
//
// References:
//
//   - Sirianni, M., et al. 2005, PASP 117, 1049: ACS photometric calibration
//     (AB zero-points, Table 10; sky count rates for the ACS ETC).
//   - Kalirai, J. S., et al. 2009, WFC3 ISR 2009-30 and the WFC3/IR
//     zero-point table of March 2012 (PHOTFLAM, PHOTPLAM, ZP_AB per filter).
//   - Dressel, L., et al., WFC3 Instrument Handbook (read noise, dark
//     current, gain; §5.7 and §7.9) and Pirzkal, N. 2014, WFC3 ISR 2014-11
//     (WFC3/IR sky background).
//   - WFC3 Instrument Handbook §7.6 (IR encircled energy, Table 7.7) and
//     ACS Instrument Handbook §5.2.3, §5.6 (0.2″ ETC aperture, charge
//     diffusion); Bohlin 2011/2012 ACS ISRs (ACS/WFC encircled energy at
//     0.5″): the apertures of TestPresetDepths.
//   - Grogin, N. A., et al. 2011, ApJS 197, 35 and Koekemoer, A. M., et al.
//     2011, ApJS 197, 36: CANDELS observing design and mosaics (0.06″ pixels).
//   - Giavalisco, M., et al. 2004, ApJ 600, L93: GOODS ACS exposure times.
//   - Oke, J. B. & Gunn, J. E. 1983, ApJ 266, 713: AB magnitudes.
package instrument
