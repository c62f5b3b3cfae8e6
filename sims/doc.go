// Package sims is the first stage of galforge: the particle data model of a
// simulated galaxy (Galaxy: star particles with position, velocity, current
// and initial mass, formation time, age and metallicity; optional gas) and the
// labels only a simulation knows (Truth). Readers live in sub-packages:
// sims/arepo (GADGET/AREPO/GIZMO HDF5, also the format of built-in
// snapshots) and sims/ramses (RAMSES star particles). The built-in galaxy
// simulator is sims/toy; invariants every galaxy source must satisfy are in
// sims/simstest.
//
// Units: kpc, km/s, M☉, Gyr; metallicity as a mass fraction.
//
// References:
//   - Power C. et al. 2003, MNRAS 338, 14 (shrinking-sphere centre).
//   - Huertas-Company M. et al. 2018, ApJ 858, 114 (compaction phases).
//   - Bryan G. L. & Norman M. L. 1998, ApJ 495, 80 (virial overdensity).
package sims
