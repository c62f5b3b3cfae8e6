// Package fit is galforge's classic baseline for the emulators: a
// GALFIT/Imfit-style least-squares fit of a PSF-convolved Sérsic (or
// bulge+disc) model to one stamp, the measurement that DeepLeGATo-like
// networks are compared with (Tuccillo et al. 2018).
//
// # Model
//
// The model is drawn exactly as mock draws analytic stamps: by a
// mock/sersic Drawer with the same PSF image, PSF origin and image
// convention, so the pixel integration and the PSF convolution are the
// mock's own, and a noise-free mock is recovered to the precision of the
// minimiser (~1e-5 in magnitude). Conventions are mock/sersic's (DESIGN.md):
// AB magnitude through the zero point (the magnitude of 1 e⁻/s), Re the
// semi-major-axis half-light radius in arcsec, q = b/a, PA in degrees
// counter-clockwise from the +y image axis, reported in [−90, 90) as GALFIT
// does, and the centre in 1-indexed FITS pixel coordinates.
//
// # Minimiser
//
// Fit minimises χ² = Σ ((sci − model)/rms)² over the pixels with a finite
// sci and a finite rms > 0, by Levenberg–Marquardt: damped Gauss–Newton steps
// (JᵀWJ + λ diag(JᵀWJ)) δ = JᵀW r with Marquardt's scaling by the diagonal and
// Nielsen's (1999) update of λ from the ratio of the actual to the predicted
// decrease. The Jacobian is analytic for the magnitude (the model is linear
// in flux) and B/T, and forward finite differences of the PSF-convolved model
// for the other parameters; after an accepted step it is updated by Broyden's
// rank-one formula (in variables scaled by the diagonal of JᵀWJ) instead of
// drawn again, and drawn afresh when a step fails and before convergence is
// declared, so that the covariance always comes from a drawn Jacobian. The
// fit has converged when the full Gauss–Newton step would lower χ² by less
// than Options.Tol·max(1, χ²_ν). Bounds (n ∈ [0.3, 8], q ∈ [0.05, 1], Re between
// 0.05 pixel and twice the stamp, the centre inside the stamp, B/T ∈ [0, 1])
// are enforced by projection, with parameters held at a bound that the
// gradient pushes outwards left out of the step (an active set). For a single
// Sérsic, q may pass 1 during the iterations (the profile then is the one of
// axis ratio 1/q, radius q·Re and PA + 90°, a smooth continuation), so round
// galaxies are not pinned to a bound; results are folded back to q ≤ 1.
//
// The start is measured from the image: the peak of the 3×3-smoothed stamp
// near its centre, adaptive Gaussian moments (centroid, then q and PA from the
// second moments less the PSF's), the curve of growth in elliptical apertures
// (total flux → magnitude, half-light semi-major axis less the PSF's in
// quadrature → Re) and n = 2. If that fit does not converge, or ends with n or
// q on a bound, it is restarted from n = 1 and n = 4 and the lowest χ² kept.
// A bulge+disc fit starts from the single-Sérsic fit.
//
// Uncertainties are the square roots of the diagonal of (JᵀWJ)⁻¹ at the
// solution, not scaled by the reduced χ² (GALFIT's and Imfit's convention).
// They are statistical only: correlated noise and model mismatch make them
// too small. A parameter whose column of J vanishes (PA of a round profile,
// bulge parameters at B/T = 0) gets a NaN error; a fixed one gets 0.
//
// References:
//   - Levenberg, K. 1944, Quarterly of Applied Mathematics 2, 164: the damped
//     least-squares step.
//   - Marquardt, D. W. 1963, J. Soc. Indust. Appl. Math. 11, 431: the scaling
//     of the damping by the diagonal of JᵀWJ.
//   - Nielsen, H. B. 1999, "Damping parameter in Marquardt's method", IMM
//     report REP-1999-05, DTU: the update of λ from the gain ratio.
//   - Broyden, C. G. 1965, Mathematics of Computation 19, 577: the rank-one
//     Jacobian update (as used with Levenberg–Marquardt by Madsen, Nielsen &
//     Tingleff 2004, "Methods for non-linear least squares problems", DTU).
//   - Peng, C. Y., Ho, L. C., Impey, C. D. & Rix, H.-W. 2002, AJ 124, 266
//     (GALFIT): the PSF-convolved parametric fit, its χ² and parameter
//     conventions.
//   - Erwin, P. 2015, ApJ 799, 226 (Imfit): the same with Levenberg–Marquardt
//     and bounded parameters; σ from the covariance matrix.
//   - Bernstein, G. M. & Jarvis, M. 2002, AJ 123, 583; Hirata, C. & Seljak, U.
//     2003, MNRAS 343, 459: adaptive (Gaussian-weighted) moments, used for the
//     starting point.
//   - Tuccillo, D. et al. 2018, MNRAS 475, 894 (DeepLeGATo): the comparison
//     this baseline serves.
package fit
