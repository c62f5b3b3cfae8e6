// Package ramses reads the star particles and, optionally, the gas cells of
// RAMSES outputs (Teyssier 2002; from Horizon-AGN-era versions to current
// ones) as a sims.Galaxy: Reader implements sims.Reader for an
// output_NNNNN directory (or its info_NNNNN.txt).
//
// # Files
//
//   - info_NNNNN.txt (amr/output_amr.f90, output_info): ncpu, ndim, boxlen,
//     time, aexp, H0, omega_m, omega_l, omega_k, unit_l, unit_d, unit_t, as
//     "key = value" lines (Fortran I11 and E23.15; D exponents accepted).
//     ReadInfo parses it.
//   - part_NNNNN.outCCCCC, CCCCC = 00001 … ncpu (pm/output_part.f90,
//     backup_part): Fortran unformatted sequential records, each a 4-byte
//     length marker, the payload and the marker again. The header is ncpu,
//     ndim, npart, localseed (4 integers, or 8 with MC tracers), nstar_tot,
//     mstar_tot (real64), mstar_lost (real64), nsink, and in some 2013–2016
//     versions nindsink (recognised as a 4-byte record where the first
//     particle record should be); integers of 4 or 8 bytes are accepted.
//     One record per particle variable follows, in the order given by:
//   - part_file_descriptor.txt (amr/dump_utils.f90; version 1: "# version:
//     1", "# ivar, variable_name, variable_type", then lines such as
//     " 1, position_x, d"; types b, h, i, q, f, d, ? as RAMSES writes them,
//     and B, H, I, Q as yt accepts), when present: the "new" format with
//     position_x…z, velocity_x…z, mass, identity, levelp, family, tag,
//     birth_time, metallicity and any others (initial_mass is used when
//     present);
//   - otherwise the "Particle fields" line of header_NNNNN.txt
//     (output_header: "pos vel mass iord level [family tag] [phi] [tform
//     [metal]]"), when every word on it is known;
//   - otherwise the old fixed layout (Horizon-AGN era): x, y, z, vx, vy, vz,
//     mass (real64), identity (int32, or int64 under LONGINT — taken from
//     the record length), level (int32), then birth time and metallicity
//     (real64) when star formation and metals were on, detected from the
//     record lengths; later records (sink properties) are ignored — in a run
//     with stars but no metals, a first sink record of exactly npart reals
//     would be taken for metallicities (use the header file then). A
//     one-byte-per-particle record after level is reported as a new-format
//     file whose descriptor is missing. A particle potential record
//     (OUTPUT_PARTICLE_POTENTIAL) cannot be told from a birth-time record in
//     this layout without the header file.
//
// Reader.Format forces FormatDescriptor (the descriptor must exist) or
// FormatFixed. The byte order is detected from the first record marker, so
// big-endian files read too. Not supported: 8-byte record markers, gfortran
// sub-records (records over 2 GiB), outputs split into group_NNNNN folders,
// and sink files.
//
// With ReadOptions.WithGas, the gas is read from:
//
//   - amr_NNNNN.outCCCCC (amr/output_amr.f90, backup_amr): header records
//     ncpu, ndim, (nx, ny, nz), nlevelmax, ngridmax, nboundary,
//     ngrid_current, boxlen, (noutput, iout, ifout), tout, aout, t, dtold,
//     dtnew, (nstep, nstep_coarse), (einit, mass_tot_0, rho_tot), the 7
//     cosmological parameters, (aexp, hexp, aexp_old, epot_tot_int,
//     epot_tot_old), mass_sph (absent in old versions: told by its length),
//     headl, taill, numbl(ncpu, nlevelmax), numbtot, [headb, tailb,
//     numbb(nboundary, nlevelmax) when nboundary > 0], the free-memory
//     record, ordering (absent in old versions), bound_key (or the five
//     bisection records), and the coarse son, flag1 and cpu_map. Then, for
//     each level and each block (CPUs 1 … ncpu, then the boundaries) with
//     numbl (numbb) > 0 grids, 37 records of one value per grid: grid
//     index, next, prev, the 3 grid centres (real), father, 6 neighbours, 8
//     son indices, 8 CPU maps and 8 refinement flags (one per cell of the
//     oct). Only the file's own block holds its CPU's grids; the others are
//     ghost copies and are skipped, as are boundary blocks (yt's RAMSES
//     frontend and utils/f90/amr2cell.f90 do the same). A cell is a leaf
//     when its son index is 0. Cell ind = 1 … 8 of an oct sits at the grid
//     centre + ((ix, iy, iz) − ½) dx with ind − 1 = ix + 2 iy + 4 iz and
//     dx = 2^−level in coarse-cell units.
//   - hydro_NNNNN.outCCCCC (hydro/output_hydro.f90, backup_hydro): ncpu,
//     nvar, ndim, nlevelmax, nboundary, gamma, then for each level and
//     block the level and the grid count (which must match the AMR file)
//     and, when not empty, for each cell of the oct nvar records of one
//     value per grid: density, velocities, (non-thermal pressures),
//     pressure, passive scalars.
//   - hydro_file_descriptor.txt, in the new layout (as the particle
//     descriptor: " 1, density, d"; types d or f) or the old one ("nvar =
//     6", "variable #  1: density"; reals of the width given by the record
//     lengths). The density is the variable named density and the metal
//     mass fraction the one named metallicity, or, in the old layout,
//     passive_scalar_1 (RAMSES puts the metallicity first among the passive
//     scalars: imetal = ndim+3+nener in hydro/read_hydro_params.f90).
//     Without a descriptor, the density is variable 1 and the metallicity
//     variable 6 when nvar ≥ 6 (yt's default for such outputs). Either
//     guess is dropped when namelist.txt sets metal = .false.;
//     Reader.GasMetalVar overrides them all.
//
// Integers of 4 or 8 bytes and reals of 8 (or, in single-precision builds,
// 4) bytes are accepted, the width taken from the record lengths (or the
// descriptor's type). An output without hydro files (an N-body run, or a
// copy without them) gives a galaxy without gas (Galaxy.Gas nil, said in
// Galaxy.Source), not an error; some hydro files missing, or AMR files
// missing beside hydro files, are errors. Only 3D trees with a cubic coarse
// grid are read (ndim ≠ 3 is an error naming the file).
//
// # Stars
//
// With a family variable, stars are family 2 (FAM_STAR in pm/pm_commons.f90);
// dark matter (1), clouds (3), debris (4), other (5) and tracers (≤ 0) are
// excluded. Without one (old layout), stars are the particles with a
// non-zero birth time and a positive identity: dark matter has birth time 0
// and sink cloud particles carry negative identities.
//
// # Units
//
// Positions × unit_l are physical cm (for cosmological runs unit_l already
// holds aexp), velocities × unit_l/unit_t cm/s, masses × unit_d·unit_l³ g.
// They are converted with KpcCm = 3.0856775814913673e21 cm, KmCm = 1e5 cm
// and MsunG = 1.98841e33 g. Metallicity is RAMSES's metal mass fraction zp;
// runs without metals get Reader.MetallicityIfAbsent (stars and gas cells
// alike). RAMSES does not store
// initial masses by default: InitialMassMsun is the initial_mass variable
// when the descriptor or header lists one, else the current mass.
//
// # Times
//
// A run is cosmological unless aexp = 1 and H0 = 1 (RAMSES's defaults, the
// test utils/f90/part2birth.f90 makes). Cosmological runs must be flat
// (|Ωm + ΩΛ − 1| ≤ 1e-3). Galaxy.TimeGyr is
// cosmo.FlatLCDM{H0, Ωm}.AgeAtScaleFactor(aexp), Redshift = 1/aexp − 1.
// Birth times are read in one of two conventions (Reader.BirthTime):
//
//   - conformal (BirthTimeConformal): RAMSES's default. The birth time is
//     the code time t at birth, the "super-comoving" conformal time τ in
//     units of 1/H0, zero today, with dτ = da/(a³ E(a)), E = H/H0 — RAMSES's
//     friedman routine (amr/init_time.f90, utils/f90/utils.f90) tabulates
//     it by integrating dadtau = √(a³(Ωm + ΩΛa³ + Ωk a)). This package
//     tabulates τ(ln a) from a = 10⁻³ to 2 by 5-point Gauss–Legendre
//     quadrature on 4402 intervals and interpolates the cosmic time t(τ)
//     (AgeAtScaleFactor at the nodes) by cubic Hermite interpolation with
//     the exact slope dt/dτ = a²/H0 (good to better than 10⁻⁹ Gyr), rather
//     than RAMSES's and yt's linear interpolation in a 1000-entry table
//     (good to ~10⁻⁴ Gyr). A
//     star's age is the difference, on this clock, between the info file's
//     time (τ of the snapshot) and its birth τ, both converted to cosmic
//     time; its formation time is TimeGyr − age. Differencing on
//     the τ clock keeps the ages of the youngest stars exact even though
//     RAMSES's own aexp(τ) is tabulated; if the info file's τ and aexp
//     disagree by more than 1 Myr, ages are taken from aexp instead.
//   - proper (BirthTimeProper): the birth time is RAMSES's texp, the proper
//     look-back time in units of 1/H0, zero today, written when the run set
//     use_proper_time (forced by rt_star in RAMSES-RT, rt/rt_init.f90). The
//     formation time is AgeAtScaleFactor(1) + t_birth/H0.
//
// BirthTimeAuto (the default) reads proper times when the output's
// namelist.txt sets use_proper_time = .true. or rt_star = .true., or when
// the output is a RAMSES-RT one (info_rt_NNNNN.txt present) — yt's rule —
// and conformal times otherwise. Neither part_file_descriptor.txt nor the
// info file records the convention, so a run with use_proper_time and no
// namelist copy in its output directories needs BirthTime: BirthTimeProper.
// Birth times outside the convention's range (before a = 10⁻³ for conformal
// times, before the Big Bang for proper ones) or more than 1 Myr after the
// snapshot are errors suggesting the other convention; stars born less than
// 1 Myr after the snapshot (rounding, RAMSES's tabulated clock) get age 0.
//
// Non-cosmological runs use code time: TimeGyr = time · unit_t, formation
// time = birth time · unit_t (negative for initial-condition stars),
// whatever Reader.BirthTime says; Redshift = 0, ScaleFactor = 1 and
// HubbleParam = OmegaM = 0 (no cosmology).
//
// # Gas
//
// Galaxy.Gas holds the leaf cells whose centres lie within
// Reader.GasRadiusKpc of the galaxy centre (RadiusKpc when that is 0 and
// set, else the distance of the farthest star read); cells straddling the
// sphere are kept or dropped by their centre. Positions are relative to
// Galaxy.CentreKpc (nearest periodic image in cosmological boxes): the code
// position is (x_g − (nx − nx_loc)/2) · boxlen_info with x_g the cell
// centre in coarse-cell units and nx_loc = boxlen_amr / boxlen_info (the
// info file's boxlen is boxlen/nx_loc: output_info), times unit_l. The
// mass is density × cell volume, (2^−level boxlen_info)³ ρ in code units,
// times unit_d·unit_l³; the metallicity is the metal mass fraction
// (Reader.MetallicityIfAbsent when the run has none; negative values, from
// the advection of the passive scalar, are set to 0 and counted in
// Galaxy.Source); HsmlKpc is the radius of the sphere of the cell's volume,
// (3/4π)^{1/3} dx, as sims/arepo gives Voronoi cells without a smoothing
// length. SFRMsunYr is nil (RAMSES does not store it). Non-finite or
// negative densities are errors wrapping sims.ErrBadParticles, counted per
// hydro file.
//
// Cost: every AMR file is read (the Hilbert-key domain bounds of the info
// file are not used to skip CPUs whose domains miss the region); the hydro
// file of a CPU is opened only when one of its leaf cells lies in the
// region, and only its blocks holding such cells are decoded (the others
// are read through). The files of Reader.Workers CPUs are read at once.
//
// # Selection and centring
//
// RAMSES outputs carry no group catalogue: ReadOptions.Subhalo must be
// negative and GroupFile empty, and every star is read. The centre is the
// shrinking-sphere centre of all stars (sims.ShrinkingSphereCentre), or
// Reader.CentreKpc (box frame, physical kpc). Reader.RadiusKpc > 0 keeps
// the stars within that radius of the centre, to pull one galaxy out of a
// box; with ReadOptions.Centre = "shrink" and CentreKpc set, the shrinking
// sphere starts at CentreKpc with radius RadiusKpc. In cosmological boxes
// positions are wrapped to the nearest periodic image of CentreKpc.
// Positions are relative to Galaxy.CentreKpc, and velocities to
// Galaxy.BulkVelKms, the mass-weighted mean velocity of the stars within
// RadiusKpc (10 kpc when RadiusKpc is 0; all stars if none lies there).
// Galaxy.Truth is sims.NewTruth with GalaxyID 0, Family "real" and Snapshot
// the output number, measured by sims.MeasureTruth (aperture "all").
//
// # Errors
//
// Missing or truncated files, record-marker mismatches, descriptor lines
// with unknown types, records whose length does not match npart × the
// declared type, header values that disagree with the info file, and
// outputs without stars are errors naming the file and the record or line.
// Non-finite positions or velocities and negative masses are reported with
// counts per part file, wrapping sims.ErrBadParticles.
//
// # Testing
//
// No public RAMSES star-particle output is available to the tests: they
// write small outputs (info file, two part files in both layouts,
// descriptor, header, namelist, and AMR and hydro files of a known tree
// with ghost and boundary blocks) following the formats above byte for
// byte (writer_test.go), check ages against Gauss–Legendre integrals of
// the Friedmann equation and against a transcription of RAMSES's friedman
// table, and check every gas cell and the total gas mass against the
// tree and its (linear, so exactly integrated) density field.
//
// References:
//   - Teyssier R. 2002, A&A 385, 337 (RAMSES); the RAMSES user guide and
//     source, github.com/ramses-organisation/ramses: pm/output_part.f90,
//     amr/output_amr.f90, amr/dump_utils.f90, amr/init_time.f90,
//     pm/pm_commons.f90, rt/rt_init.f90, hydro/output_hydro.f90,
//     hydro/read_hydro_params.f90, utils/f90/part2birth.f90,
//     utils/f90/utils.f90, utils/f90/amr2cell.f90.
//   - yt's RAMSES frontend, yt/frontends/ramses/: data_structures.py
//     (use_conformal_time, the AMR header and tree), particle_handlers.py,
//     field_handlers.py (hydro files and the default variables without a
//     descriptor), io.py (_read_part_file_descriptor,
//     _read_fluid_file_descriptor), definitions.py (particle families).
package ramses
