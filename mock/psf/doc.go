// Package psf holds point-spread functions for galforge's mocks: PSF images
// read from FITS (real HST star stamps, TinyTim models, drizzled PSFs) and
// analytic Moffat and Gaussian profiles, with the operations needed before
// convolution: background subtraction, normalisation to unit sum, sub-pixel
// recentring on the flux centroid and resampling onto another pixel grid.
//
// Conventions.
//
//   - Images are NY×NX row-major with x fastest and the first row at the
//     bottom (FITS order). Pixel (i, j) has its centre at coordinates (i, j).
//   - The centre of an image is the pixel (NX/2, NY/2) with integer division:
//     the middle pixel for odd sizes and GalSim's "true centre + ½" for even
//     ones. Prepare puts the flux centroid there and Resample keeps it there.
//   - An Image is either an effective PSF (Effective = true; the default for
//     FITS stamps and for the analytic profiles, which are drawn integrated
//     over pixels): a star image that already includes the pixel response,
//     to be convolved with a model sampled at pixel centres; or an
//     instrumental PSF (Effective = false; GalSim's convention for
//     InterpolatedImage PSFs): drawing with it must add the pixel response.
//   - Sub-pixel shifts and resampling interpolate with a Lanczos-3 kernel by
//     default (sinc(x) sinc(x/3) for |x| < 3, weights renormalised to unit
//     sum so a constant is reproduced exactly), or Keys' bicubic kernel
//     (a = −0.5). Interpolation treats pixels outside the image as zero.
//   - Resample treats the pixel values as samples of a surface brightness,
//     interpolates them and integrates that surface over the new pixels
//     (sub-sampled midpoint rule): the result is the input convolved with
//     the new pixel. For an effective PSF of pixel s resampled to pixel S,
//     the result is the effective PSF at S broadened by the old pixel
//     (variance s²/12 per axis: ≈+3 % on the FWHM of the 0.16″ F105W PSF on
//     its 0.06″ pixels); for S < s it is the effective PSF at s, smoothed
//     by the small new pixel. Resample keeps the Effective flag; resampling an
//     instrumental PSF (Effective = false) onto the detector pixel gives the
//     effective PSF at that pixel, and the caller may then set Effective.
//   - FWHM is measured on a 0.1-pixel Lanczos-interpolated grid as the
//     diameter of the circle whose area equals the area above half the
//     interpolated peak (the circularised FWHM).
//
// References:
//
//   - Moffat, A. F. J. 1969, A&A 3, 455: I(r) ∝ [1 + (r/α)²]^(−β),
//     FWHM = 2α √(2^(1/β) − 1).
//   - Anderson, J. & King, I. R. 2000, PASP 112, 1360: effective PSFs.
//   - Rowe, B. et al. 2015, Astronomy & Computing 10, 121 (GalSim):
//     interpolants (Lanczos, cubic), effective vs. instrumental PSFs.
//   - Keys, R. 1981, IEEE Trans. ASSP 29, 1153: cubic convolution, a = −0.5.
//   - Duchon, C. E. 1979, J. Appl. Meteorol. 18, 1016: Lanczos filter.
package psf
