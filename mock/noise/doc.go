// Package noise adds HST-like noise to noise-free images in count rates
// (e⁻/s per pixel), as in the background-subtracted CANDELS mosaics, and
// writes the matching rms map.
//
// Model (AddTo). For a pixel with noise-free rate M (source, e⁻/s), uniform
// background B (sky + dark, e⁻/s), total exposure t (s) and n exposures of
// read noise RN (e⁻):
//
//	N   ~ Poisson((M + B)·t)                 electrons collected
//	R   ~ Normal(0, n·RN²)                   read noise of n reads
//	sci = (N + R)/t − B                      e⁻/s, background subtracted
//	rms = √((M + B)·t + n·RN²) / t           expected σ of sci, e⁻/s
//
// so E[sci] = M and Var[sci] = rms². M + B below zero (ringing of a
// PSF-convolved model) is treated as zero in the Poisson mean and the rms.
// Poisson deviates are exact for means up to GaussianThreshold (1e5 e⁻):
// the multiplication method below 10 and Hörmann's transformed rejection
// (PTRS) above; beyond the threshold a Normal(λ, λ) deviate is used (its
// skewness 1/√λ < 0.0032 is negligible beside the noise itself).
//
// Correlated noise (AddCorrelatedTo). Drizzled mosaics have noise correlated
// between neighbouring pixels. The per-pixel noise deviates d = sci − M are
// whitened (d/rms, unit variance), convolved with a separable kernel
// K = k ⊗ k normalised so that Σ K² = 1, and multiplied back by rms: the
// per-pixel variance stays rms² exactly (for any rms map) while
// neighbouring pixels become correlated by ρ₁ = Σ k_i k_{i+1} / Σ k_i²
// along x and y (ρ₁² along diagonals). A border of the kernel's half-width
// is filled with unit Normal deviates so edge pixels keep the full
// variance. With correlated noise the deviates are no longer exactly Poisson
// (they are weighted sums of Poisson and Normal deviates); mean and variance
// are unchanged.
//
// Kernels: Correlated3(ρ) is the 3-tap k = (ε, 1, ε) with
// ε = (1 − √(1 − 2ρ²))/(2ρ), giving neighbour correlation ρ (ρ ≤ 1/√2);
// Drizzle(pixfrac, inScale, outScale) approximates drizzle's square-drop
// kernel: tap d is the overlap of a drop of width pixfrac·inScale/outScale
// (output pixels), centred on pixel 0, with output pixel d.
//
// Every random draw comes from the *rand.Rand the caller passes (seeded per
// object, e.g. sims.NewRand); the package has no global randomness.
//
// Speed: the samplers use pure-Go exp, log and ln Γ (internal/fastmath) and a copy
// of math/rand/v2's NormFloat64 whose rejection test uses that exp
// (normal.go), because built with GOEXPERIMENT=simd the math package's
// assembly for Exp and Log costs up to ~1.3 µs a call on the development
// machine. The deviates are those of the
// math package's functions draw for draw (TestSameDeviates): the pure-Go
// functions only enter acceptance tests, where a last-bit difference could
// flip a decision with a probability of ~1e-16. AddTo takes ~50–70 ns a pixel
// (~0.2–0.3 ms for a 64×64 stamp).
//
// References:
//
//   - Hörmann, W. 1993, Insurance: Mathematics and Economics 12, 39: "The
//     transformed rejection method for generating Poisson random variables"
//     (PTRS, as in NumPy).
//   - Knuth, D. E., TAOCP Vol. 2, §3.4.1: multiplication method for small means.
//   - Fruchter, A. S. & Hook, R. N. 2002, PASP 114, 144: Drizzle, its square
//     drop (pixfrac) and the noise correlation it introduces.
//   - Casertano, S. et al. 2000, AJ 120, 2747: noise correlation in
//     drizzled HDF-S images.
//   - Koekemoer, A. M. et al. 2011, ApJS 197, 36: CANDELS mosaics and their
//     rms maps.
package noise
