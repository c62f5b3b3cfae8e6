// Package arepo reads GADGET-4 / AREPO / GIZMO HDF5 snapshots (single and
// multi-file, BASE.K.hdf5) into sims.Galaxy values, and writes built-in
// galaxies in the same layout with an extra Truth group so that one reader
// serves real and built-in snapshots.
//
// Star particles come from PartType4 (Coordinates, Velocities, Masses,
// GFM_InitialMass, GFM_StellarFormationTime, GFM_Metallicity and SubfindHsml
// where present; GIZMO/EAGLE names are tried after AREPO's), gas from
// PartType0. Units follow the Header (UnitLength_in_cm, UnitMass_in_g,
// UnitVelocity_in_cm_per_s; GADGET defaults kpc/h, 1e10 M☉/h, km/s when
// absent): comoving lengths are multiplied by a/h, masses divided by h, and
// velocities by √a (GADGET's velocity convention). Formation scale factors are
// turned into cosmic times with the snapshot's flat ΛCDM cosmology
// (HubbleParam, Omega0); wind particles (formation time ≤ 0) are dropped.
// Periodic boxes (Header/BoxSize) are unwrapped about the centre.
//
// One galaxy is selected with a SUBFIND-like group catalogue (SubhaloLenType,
// SubhaloOffsetType or the group structure, SubhaloPos, SubhaloVel).
//
// Whole particle datasets of each file are read and then sliced: fine for
// galaxy cut-outs and small boxes; reading one subhalo out of a
// full-size TNG snapshot would need hyperslab reads (not done yet).
//
// References: Springel V. 2005, MNRAS 364, 1105 (GADGET-2 conventions);
// Nelson D. et al. 2019, ComAC 6, 2 (IllustrisTNG data release, field
// definitions); Villaescusa-Navarro F. et al. 2021, ApJ 915, 71 (CAMELS).
package arepo
