// Package sersic draws analytic Sérsic and bulge+disc light profiles into
// pixel grids: convolved with a PSF and integrated over pixels, so that the
// stamps agree with GalSim's (Rowe et al. 2015) to ~1e-4 of the peak pixel.
//
// Profiles follow DESIGN.md: I(r) = Ie exp(−b_n[(r/Re)^{1/n} − 1]) with the
// exact b_n of γ(2n, b_n) = Γ(2n)/2 (Bn), Re the semi-major-axis half-light
// radius in arcsec, q = b/a, the position angle in degrees counter-clockwise
// from the +y image axis (GALFIT's convention: PA = 0 puts the major axis
// along +y, PA = 90 along −x) and the centre in 1-indexed FITS pixel
// coordinates (the centre of the first pixel is (1, 1)). Flux is the total of
// the untruncated profile; light beyond the stamp is lost.
//
// # Method
//
// A Drawer works in Fourier space, as GalSim does for PSF-convolved profiles.
// The Fourier transform of a unit-flux circular Sérsic with Re = 1, h_n(κ) =
// 2π ∫ f(r) J0(κr) r dr, is tabulated once per process for 0.2 ≤ n ≤ 10 and
// 1e-3 ≤ κ ≤ 1e4 (interval-by-interval Gauss–Legendre quadrature between the
// zeros of J0 with Wynn's ε acceleration of the alternating tail), and
// interpolated (cubic in ln n and ln κ). An elliptical profile has
// transform F·h_n(Re·√(k_a² + q²k_b²)) with k_a, k_b the wave-vector along
// the major and minor axes; a sub-pixel centre is a phase factor.
//
// The stamp is then exact up to the periodic wrap of the discrete transform:
// its pixel values are samples at pixel centres of
//
//	instrumental: box ⊗ PSF ⊗ S, PSF = Σ_j P_j u(x − x_j) (quintic u)
//	effective:    P ⊛ (box ⊗ S), P the PSF image, which already holds the pixel
//	none:         box ⊗ S (the Sérsic integrated over each pixel)
//
// where box is the unit pixel. The transform of the sampled image at a
// wave-vector k of the FFT grid is P̂(k) Σ_m Ŵ(k+2πm) Ŝ(k+2πm) e^{−i(k+2πm)·c},
// with Ŵ = sinc·û per axis (sinc for the box, û the quintic interpolant's
// transform), P̂ the discrete transform of the PSF image and c the centre:
// the sum over aliases m (|m| ≤ 1 per axis with a PSF, ≤ 2 without) is what
// makes pixel integration of steep centres exact, with no sub-sampling.
// Modes and aliases whose weight |P̂(k)Ŵ(k+2πm)| is below 1e-4 are skipped
// (this changes the GalSim comparison by < 1e-5 of the peak).
//
// Per stamp, the table is sliced at the profile's n (cubic in ln n) and
// re-tabulated on κ² = 2^e(1 + j/64), so that a mode costs a table look-up
// indexed by the bits of κ² (no logarithm) and a linear interpolation; κ² is
// a quadratic form in the integer mode indices, the window Ŵ and the phase
// are separable per axis (the phase is applied once per mode, after the
// alias sum), and the modes are summed in runs of 16 along kx. A run is
// skipped, smallest first, while the sum of bounds (largest weight times
// the largest |Ŝ| beyond the run's smallest κ) of the runs skipped stays
// below 1e-4 of an estimate of the peak pixel: an error bound, measured at
// ≤ 1.2e-4 of the peak (median 1.3e-5) against the full sums.
//
// The FFT period N is 2, 3 or 4 times the stamp size (the inverse
// transform is a Stockham transform of all columns, then all rows, at once:
// mock/conv). The transform draws the periodic sum Σ_m I(x + Nm); the copies
// m ≠ 0 are subtracted in real space as exact bare-profile samples on grids
// over the stamp, corrected to second order for the PSF and the pixel
// (I ≈ S + ½ μ:∇∇S, μ their second moments; without it the PSF's wings
// moved a few per cent of the copies' light across the stamp's edges) and
// interpolated (cubic; linear on 2×2 grids): ring |m|∞ = 1, ring 2, rings
// 3–6 and rings 7 to R, each on a grid fine enough to resolve its nearest
// copy (an elongated profile's copy, seen along its major axis, is a strip
// narrower than the period), copies fainter than 1e-8 of the peak left out,
// and the copies beyond ring R (R ≤ 24) as a uniform level, below 1e-5 of
// the flux over the stamp. N is the smallest size for which the light beyond
// ring 24 is below 3e-5 of the flux, the grids are at most 16×16 and cost at
// most 12000 profile evaluations, the nearest copy is fainter than 3e-3 of
// the peak and the copies put less than 2 % of the flux into the stamp:
// 78 % of the benchmark's stamps (n in [0.3, 6], Re up to 25 px) use
// N = 2 × 64, the others 3 × 64.
//
// A PSF image is centred on a chosen origin (PSF.CX, PSF.CY); a GalSim
// InterpolatedImage re-centred on its centroid is CentroidPSF of the original
// star stamp (using that profile re-sampled at pixel centres instead, as the
// peers' psf.fits is, costs ~1e-2 of the peak for compact galaxies).
//
// Accuracy against GalSim 2.8.4 (testdata/PROVENANCE.md; max|Δ|/peak per
// stamp): 300 Sérsic stamps, median 6.9e-4, worst 3.5e-3 (compact n ≈ 5
// profiles, Re ≈ 2 px), stamp sums within 1.7e-4 of flux_in_stamp (median
// 9e-6); 50 bulge+disc stamps, median 1.1e-3, worst 3.5e-3. The residual at
// the centres of compact high-n profiles has not been traced (candidates:
// GalSim's k-space interpolation of the PSF, pad factor 4, and its maxk
// cut). Against the same drawing with N = 8 × 64 (no wrap to speak of), 450
// stamps with n up to 10 and Re up to 3″ differ by at most 1.8e-4 of the
// peak (median 1.1e-5), and their sums by at most 1.9e-3 (the most extended
// n ≈ 10 profiles). The Sérsic transform table takes ~2 s of CPU (1 s on two
// cores) on first use.
//
// Speed (BenchmarkSersicStamp64: WFC3/IR PSF, instrumental, n in [0.3, 6];
// on the 2-core AVX-512 development machine, shared with other work):
// 0.35–0.5 ms of CPU a stamp, 2,100–2,900 stamps/s on one goroutine (the
// first version of this method: 1.6–1.8 ms, 330–700/s); the effective
// convention (mock's default) has ~3× the alias terms. Built with GOEXPERIMENT=simd,
// the assembly of math.Exp, math.Log and math.Pow runs 5–150× slower there
// than without (measured up to 1.3 µs a call), so the per-stamp paths use
// the pure-Go internal/fastmath, gammaQ (gamma.go) and bnFast (hankel.go).
//
// References:
//   - Sérsic, J. L. 1968, Atlas de Galaxias Australes (Córdoba: Observatorio
//     Astronómico): the profile.
//   - Ciotti, L. & Bertin, G. 1999, A&A 352, 447: the asymptotic series of b_n
//     (used in tests).
//   - Graham, A. W. & Driver, S. P. 2005, PASA 22, 118: b_n, enclosed light
//     P(2n, b_n (R/Re)^{1/n}) and the Sérsic relations used in tests.
//   - Rowe, B. T. P. et al. 2015, Astronomy & Computing 10, 121 (GalSim): the
//     drawing conventions, the quintic interpolant (Bernstein & Gruen 2014,
//     PASP 126, 1) and the reference stamps.
package sersic
