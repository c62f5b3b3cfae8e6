package sims

import "math/rand/v2"

// SeedFor derives a 64-bit seed from a global seed and the identifiers of an
// object (galaxy id, snapshot, view, …) by chaining SplitMix64 finalisers, so
// every object's random stream is independent of how work is split between
// workers or shards (GalSim's per-object seeding).
func SeedFor(global uint64, parts ...uint64) uint64 {
	h := splitmix(global ^ 0x9e3779b97f4a7c15)
	for _, p := range parts {
		h = splitmix(h ^ splitmix(p+0x632be59bd9b4e019))
	}
	return h
}

// NewRand returns a PCG generator seeded with SeedFor(global, parts...).
func NewRand(global uint64, parts ...uint64) *rand.Rand {
	s := SeedFor(global, parts...)
	return rand.New(rand.NewPCG(s, splitmix(s)))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
