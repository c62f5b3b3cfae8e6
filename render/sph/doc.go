// Package sph projects star particles onto pixel grids with SPH smoothing
// kernels, several bands at once, and computes their smoothing lengths.
//
// # Kernels
//
// Two kernels are provided, CubicSpline (the M4 spline of Monaghan &
// Lattanzio 1985) and WendlandC2 (Dehnen & Aly 2012), both normalised in 3D
// and both in GADGET's convention (Springel 2005): h is the radius of compact
// support, W(r, h) = 0 for r ≥ h. Monaghan's own h is half of it for the cubic
// spline. yt's "cubic" kernel uses the same convention, so smoothing lengths
// can be exchanged with yt and GADGET-family snapshots unchanged.
//
// Images need the line-of-sight integral F(R, h) = ∫ W(√(R² + z²), h) dz (the
// projected kernel of SPLASH, Price 2007). It is tabulated once per kernel, in
// units of h, at 16384 intervals in q² = R²/h² by Gauss–Legendre quadrature
// split at the kernel's breaks, read with linear interpolation in q², and
// renormalised so that the 2D integral of the interpolated table is exactly 1
// (the factor differs from 1 by ~1e-8, the interpolation error). Its 2D
// Laplacian ∇²F = ∫ ∇²W dz is tabulated alongside. From the F table two more
// are integrated: the quadrant integral T(a, b) = ∫₀ᵃ∫₀ᵇ F dx dy on a 65×65
// grid with its derivatives, interpolated by bicubic Hermite (error ≲ 1e-8,
// T(1, 1) = 1/4 exactly), and the strip integral M(b) = 2T(1, b) on 1025
// nodes, cubic Hermite (error ≪ 1e-10). For vectorised evaluation, F and ∇²F
// are also fitted as piecewise polynomials of degree 8 in q = R/h on 16
// equal pieces (split at every singular point of F in q: the R⁴ log R term
// at q = 0, the cubic spline's break at 1/2, the edge at 1), within 1e-9 of
// F(0) for F and 4e-4 of F(0) for ∇²F, and E(c) = M(c)/2 as degree 7 on 16
// pieces of c, within 3e-10; a lane picks its piece's coefficient with one
// AVX-512 two-register permutation, with no table gather.
//
// # Projection
//
// ProjectTo adds each particle's light to every band image, with pixel
// integrals of the projected kernel computed once per particle and applied to
// all bands:
//
//   - Particles with h < 4 pixels get exact cell integrals: pixel (i, j)
//     receives the mixed difference of H(a, b) = ±T(|a|, |b|) at its four
//     corners (a, b the corner offsets in units of h). The footprint sums to
//     H at the far corners, 4·T(1, 1) = 1, whatever the particle's size: a
//     particle far smaller than a pixel deposits its weight exactly — into
//     one pixel, or split exactly between the pixels it straddles — never by
//     sampling pixel centres. Only corners inside the kernel's disc need the
//     2D table: with E(c) = H(c, 1), a corner outside the kernel's x (or y)
//     extent has H = sign(a)E(b) (or sign(b)E(a)), and one outside the disc
//     has H = sign(b)E(a) + sign(a)E(b) − sign(a)sign(b)/4 (the part of the
//     quadrant beyond both a and b is empty). A particle within 2×2 pixels
//     has one inner corner and is deposited from it directly.
//   - Larger particles are deposited row by row. Row j receives the exact
//     light of the kernel in its strip from M (or, where the grid's left or
//     right edge cuts the kernel, the exact on-grid part from T), shared among
//     the row's pixels in proportion to centre samples of F + Pix²∇²F/24, the
//     pixel average of F to fourth order in Pix/h. Only on-grid pixels are
//     ever visited, so a particle far larger than the field costs no more than
//     the field.
//   - Particles with h ≥ 16 pixels are deposited, as above, on a mip level
//     with pixels 2^l times larger, where their h is 8–16 pixels (the
//     coarsest level, at least 8 pixels a side, takes every larger h), and
//     each level's image is prolonged onto the next finer grid: every pixel's
//     light is split between its 2×2 children along x, then along y, by the
//     conservative interpolation of cell integrals that is exact for
//     polynomials of degree 6 (fourth and second order within two cells of
//     an edge), with a child never taking the opposite sign of its parent.
//     A row deposit costs about one sample per pixel covered, so this cuts
//     the cost of the large particles by 4^l; the children sum to their
//     parent, so light is conserved as on the fine grid, and pixels match
//     the exact pixel integrals to 16·(2^l·Pix/h)⁴ of the kernel's peak
//     (measured ≤ 1.6e-3 of it at h = 16 pixels, Wendland C2 at its
//     centre; 4.7e-4 for the cubic spline). Grids with an odd number of
//     rows or columns have no mip levels.
//
// Light is therefore conserved to rounding (≲1e-14 relative in the tests) for
// a particle inside the field and to the quadrant table's accuracy (≲1e-8 of
// its weight) for one cut by the field's edges, of which only the light
// outside is lost. Individual pixels match brute-force pixel integrals to
// ~5e-8 of the particle's weight for h < 4 pixels, to ~(Pix/h)⁴ of the
// kernel's peak for 4 ≤ h < 16 pixels (plus the samples' 1e-9 of it), and to
// 16·(2^l·Pix/h)⁴ of it on mip level l.
//
// The work is parallel over stripes of 8 to 32 image rows: a first pass
// copies each particle's record (position and h in pixel units, weights) into
// the stripes it touches, in particle order; workers (the calling goroutine
// and workers−1 others) then take whole stripes, heaviest first, and
// accumulate into an interleaved (pixel, band) buffer.
// Every pixel's value is computed the same way whichever stripe holds it and
// sums its particles in index order, so images are bit-identical for any
// number of workers.
//
// Built with GOEXPERIMENT=simd on amd64, the 4-band accumulation is one fused
// multiply-add of 4 lanes per pixel (AVX2 + FMA); with AVX-512, large
// particles are sampled and deposited eight pixels at a time (q = √(q²) from
// a 14-bit reciprocal square root and one third-order correction; the last
// 1–7 pixels of a row through masked stores), and cell integrals are computed
// a row of eight corners at a time (E from its polynomial, the 2D table with
// one pair of 512-bit loads per corner inside the disc): footprints of at
// most 3×3 pixels with their whole grid of ≤ 4×4 corners in two registers
// and no loop over rows, wider ones up to 7 columns a corner row at a time,
// and 8 or 9 columns as two column ranges sharing their boundary corner. The
// routines compute every corner and pixel with the same operations, so a
// pixel's value does not depend on which one a stripe's cut of the footprint
// selects. The AVX-512 code uses no scalar floating point, whose legacy-SSE
// encoding would pay a false dependency on the dirty upper register state at
// every instruction: a particle's position and h enter as one vector load of
// its record (scalar arguments were spilled and reloaded with legacy-SSE
// loads: 2× slower), and 1/h is a vector division. Other builds and CPUs use
// portable loops: results differ between the two by rounding and, for small
// particles, by the E polynomial's and the edge table's interpolation errors
// (≲1e-8 of the particle's weight per pixel).
//
// # Smoothing lengths
//
// SmoothingLengths returns the distance to each particle's k-th nearest other
// particle (k = 32 by default), bounded below by a floor, from a kd-tree built
// by median splits on the widest dimension (Friedman, Bentley & Finkel 1977)
// and searched depth first with incremental distances (Arya & Mount 1993);
// each query starts with the bound given by its predecessor in tree order
// and the triangle inequality. Distances are computed exactly as a brute-force
// search computes them, so the results are identical to one.
//
// References:
//
//   - Monaghan J. J. & Lattanzio J. C. 1985, A&A 149, 135: the M4 cubic spline
//     kernel.
//   - Dehnen W. & Aly H. 2012, MNRAS 425, 1068: Wendland kernels, table 1
//     (Wendland C2 in 3D, normalisation 21/(2π)).
//   - Springel V. 2005, MNRAS 364, 1105 (GADGET-2): the cubic spline written
//     with h as its support radius, the convention used here.
//   - Price D. J. 2007, PASA 24, 159 (SPLASH): projected kernels for SPH
//     rendering; yt's pixelize_sph_kernel_projection follows it.
//   - Friedman J. H., Bentley J. L. & Finkel R. A. 1977, ACM TOMS 3, 209:
//     kd-trees for nearest-neighbour search.
//   - Arya S. & Mount D. M. 1993, Proc. 4th ACM-SIAM SODA, 271: incremental
//     distance computation in kd-tree searches.
package sph
