// Package toy is galforge's built-in galaxy simulator: it produces labelled
// star-particle snapshots (sims.Galaxy with a full sims.Truth) without a
// supercomputer, for training sets and for tests that need galaxies whose
// truth is known exactly. Galaxies are real particle distributions, not
// images; render and mock turn them into observations.
//
// Two families, chosen per galaxy by Plan and simulated by Simulate:
//
//   - Compaction (VELA-like, sims.FamilyCompaction; compaction.go): a galaxy
//     followed from z_start ≈ 7 to z_end ≈ 1 on a grid of ≈ 0.2 Gyr steps.
//     Its halo grows along the exponential form of Wechsler et al. (2002)
//     with the mean rate of Fakhouri et al. (2010); the mass it forms follows
//     the stellar-to-halo mass relation of Moster et al. (2013). Before the
//     event it is an extended, thick, star-forming exponential disc (sizes
//     from the late-type mass–size relation of van der Wel et al. 2014,
//     growing inside out) with giant star-forming clumps. The wet-compaction
//     event at t_c (when the stellar mass reaches ≈ 10^9.5 M☉, with scatter)
//     makes a compact central starburst, the blue nugget (a Plummer sphere of
//     a few hundred pc), while the stars already there contract, so the 3D
//     half-mass radius drops. After it the centre quenches inside out (the
//     nugget ages into a red nugget; no new stars form inside a growing
//     radius) and star formation, at a reduced rate, continues in an outer
//     disc or ring. Truth.Phase = sims.PhaseAt(t, t_c, 0.15 t_H(t_c))
//     (Huertas-Company et al. 2018). The whole particle population is drawn
//     once from the star-formation history and a snapshot at t holds the
//     particles formed by t, so particles persist, with the same identity
//     (index), formation time and metallicity, through all later snapshots.
//   - Mergers (Horizon-AGN-like, sims.FamilyMerger; merger.go, orbit.go,
//     integrator.go) and isolated controls (sims.FamilyIsolated, the same
//     code without the companion): two disc + bulge galaxies of star
//     particles in rigid potentials (a Hernquist dark halo matched to an NFW
//     halo, the bulge and a Hernquist stand-in for the disc) with stellar
//     mass ratio 1–10, on a bound near-parabolic orbit of random orientation.
//     The two centres attract each other and lose energy to Chandrasekhar
//     dynamical friction until they coalesce; the stars are test particles
//     in the two moving potentials (restricted N-body, Toomre & Toomre 1972),
//     integrated with a kick–drift–kick leapfrog of fixed step (split into
//     power-of-two sub-steps for stars deep in a potential), which produces
//     tidal tails, bridges and shells. The discs keep forming stars, and a
//     central starburst peaks at coalescence. Truth.MergerStage follows the
//     orbit of the two centres (sims.MergerStage); snapshots are regularly
//     spaced with one more in any stage window none falls in, so a default
//     run covers every stage.
//
// Both families: stars are equal-mass particles (n_particles at the last
// snapshot) whose formation times sample the star-formation history by
// stratified sampling, so the initial mass of the stars formed by any time
// equals the integrated history to within one particle. Metallicities follow
// the stellar mass–metallicity relation of Ma et al. (2016) at the star's
// birth, with a −0.1 dex/kpc radial gradient in discs and 0.1 dex scatter.
// Current masses are initial masses × (1 − f_ret(age)) with the Chabrier-IMF
// return fraction of Leitner & Kravtsov (2011). Disc velocities are the
// circular speed of the enclosed mass (stars and dark halo) plus a
// dispersion that grows with age; spheroids have the isotropic Jeans
// dispersion. Positions are physical kpc relative to the galaxy centre (the
// primary's centre in mergers), velocities km/s; Truth carries the halo mass,
// virial radius (Bryan & Norman 1998) and the family's labels, and its Re3D,
// M* and SFR are measured from the particles by sims.MeasureTruth within
// 0.1 R_vir.
//
// Determinism: every random draw comes from sims.NewRand(seed, galaxy ID,
// stream…), so Simulate is bit-for-bit reproducible and independent of the
// order and concurrency of calls (it is safe to call concurrently).
//
// Units: kpc, km/s, M☉, Gyr; internally velocities are kpc/Gyr.
//
// References:
//   - Boylan-Kolchin M., Ma C.-P. & Quataert E. 2008, MNRAS 383, 93 (Coulomb
//     logarithm of major mergers).
//   - Binney J. & Tremaine S. 2008, Galactic Dynamics, 2nd ed. (Chandrasekhar
//     friction eq. 8.13, Jacobi radius eq. 8.106, Jeans equation §4.8).
//   - Bryan G. L. & Norman M. L. 1998, ApJ 495, 80 (virial overdensity).
//   - Chandrasekhar S. 1943, ApJ 97, 255 (dynamical friction).
//   - Cox T. J. et al. 2008, MNRAS 384, 386 (merger-driven starbursts versus
//     mass ratio).
//   - Dekel A. & Burkert A. 2014, MNRAS 438, 1870 (wet compaction).
//   - Di Matteo P. et al. 2007, A&A 468, 61 (star formation in mergers).
//   - Dutton A. A. & Macciò A. V. 2014, MNRAS 441, 3359 (halo concentration).
//   - Elmegreen B. G. & Elmegreen D. M. 2006, ApJ 650, 644 (thick high-z discs).
//   - Fakhouri O., Ma C.-P. & Boylan-Kolchin M. 2010, MNRAS 406, 2267 (mean
//     halo accretion rate).
//   - Förster Schreiber N. M. et al. 2009, ApJ 706, 1364 (v/σ of z ≈ 2 discs).
//   - Hernquist L. 1990, ApJ 356, 359 (Hernquist sphere).
//   - Huertas-Company M. et al. 2018, ApJ 858, 114 (compaction phases).
//   - Jones T. et al. 2013, ApJ 765, 48 (metallicity gradients at z ≈ 2).
//   - Lang P. et al. 2014, ApJ 788, 11 (bulges of z ≈ 1–2 galaxies).
//   - Leitner S. N. & Kravtsov A. V. 2011, ApJ 734, 48 (return fraction).
//   - Ma X. et al. 2016, MNRAS 456, 2140 (mass–metallicity relation).
//   - Ma X. et al. 2017, MNRAS 466, 4780 (metallicity gradients in FIRE).
//   - Mandelker N. et al. 2014, MNRAS 443, 3675; 2017, MNRAS 464, 635 (giant
//     clumps in VELA).
//   - Moster B. P., Naab T. & White S. D. M. 2013, MNRAS 428, 3121
//     (stellar-to-halo mass relation).
//   - Navarro J. F., Frenk C. S. & White S. D. M. 1997, ApJ 490, 493 (NFW).
//   - Plummer H. C. 1911, MNRAS 71, 460 (Plummer sphere).
//   - Springel V., Di Matteo T. & Hernquist L. 2005, MNRAS 361, 776
//     (Hernquist halo matched to NFW).
//   - Tacchella S. et al. 2016, MNRAS 457, 2790; MNRAS 458, 242 (compaction
//     and inside-out quenching in VELA).
//   - Toomre A. & Toomre J. 1972, ApJ 178, 623 (restricted N-body).
//   - van der Wel A. et al. 2014, ApJ 788, 28 (mass–size relations).
//   - Wechsler R. H. et al. 2002, ApJ 568, 52 (halo mass accretion histories).
//   - Zolotov A. et al. 2015, MNRAS 450, 2327 (compaction in VELA).
package toy
