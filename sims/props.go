package sims

import (
	"cmp"
	"math"
	"slices"
)

// HalfMassRadius returns the radius in kpc of the sphere about centre holding
// half of the mass of the particles within aperture kpc (use math.Inf(1) for
// all particles), and that enclosed mass in M☉. The radius is interpolated
// linearly in cumulative mass between the two particles that straddle half
// the mass. It returns NaN when no particle lies in the aperture.
func HalfMassRadius(pos [][3]float64, mass []float64, centre [3]float64, aperture float64) (r, mtot float64) {
	type rm struct{ r, m float64 }
	ps := make([]rm, 0, len(pos))
	for i, p := range pos {
		dx, dy, dz := p[0]-centre[0], p[1]-centre[1], p[2]-centre[2]
		d := math.Sqrt(dx*dx + dy*dy + dz*dz)
		if d <= aperture {
			ps = append(ps, rm{d, mass[i]})
			mtot += mass[i]
		}
	}
	if len(ps) == 0 || mtot <= 0 {
		return math.NaN(), 0
	}
	slices.SortFunc(ps, func(a, b rm) int { return cmp.Compare(a.r, b.r) })
	half := mtot / 2
	var cum, prevR, prevCum float64
	for _, p := range ps {
		next := cum + p.m
		if next >= half {
			if p.m == 0 || cum == 0 {
				return p.r, mtot
			}
			// Interpolate between the previous particle's radius (where the
			// enclosed mass was cum) and this one's (where it is next).
			f := (half - prevCum) / (next - prevCum)
			return prevR + f*(p.r-prevR), mtot
		}
		prevR, prevCum = p.r, next
		cum = next
	}
	return ps[len(ps)-1].r, mtot
}

// ShrinkingSphereCentre returns the centre of mass found by the shrinking-sphere
// method (Power et al. 2003, MNRAS 338, 14, §2.5): start from the centre of mass
// of all particles in a sphere of radius r0 kpc about start (r0 ≤ 0: all
// particles), then repeatedly shrink the radius by 2.5 % and recompute the
// centre of mass of the particles inside, until fewer than max(minN, 0.1 %) of
// the particles remain. It returns start when there are no particles.
func ShrinkingSphereCentre(pos [][3]float64, mass []float64, start [3]float64, r0 float64, minN int) [3]float64 {
	if len(pos) == 0 {
		return start
	}
	if minN < 1 {
		minN = 100
	}
	if m := len(pos) / 1000; m > minN {
		minN = m
	}
	idx := make([]int, 0, len(pos))
	for i := range pos {
		idx = append(idx, i)
	}
	c := start
	if r0 <= 0 {
		c = centreOfMass(pos, mass, idx)
		r0 = 0
		for _, i := range idx {
			if d := dist(pos[i], c); d > r0 {
				r0 = d
			}
		}
	}
	r := r0
	for iter := 0; iter < 1000; iter++ {
		// Count first, so that the last sphere with at least minN particles
		// is kept; then filter in place (no allocation per iteration).
		nin := 0
		for _, i := range idx {
			if dist(pos[i], c) <= r {
				nin++
			}
		}
		if nin < minN {
			break
		}
		in := idx[:0]
		for _, i := range idx {
			if dist(pos[i], c) <= r {
				in = append(in, i)
			}
		}
		c = centreOfMass(pos, mass, in)
		idx = in
		r *= 0.975
	}
	return c
}

func centreOfMass(pos [][3]float64, mass []float64, idx []int) [3]float64 {
	var c [3]float64
	var m float64
	for _, i := range idx {
		for k := 0; k < 3; k++ {
			c[k] += mass[i] * pos[i][k]
		}
		m += mass[i]
	}
	if m > 0 {
		for k := range c {
			c[k] /= m
		}
	}
	return c
}

func dist(a, b [3]float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// MeasureTruth fills the particle-derived labels of g.Truth (MstarMsun,
// SFRMsunYr, Re3DKpc, ApertureKpc, Aperture) about the origin (the galaxy
// centre). When g.Truth.RvirKpc is known the aperture is 0.1 R_vir, otherwise
// all stars are used.
func MeasureTruth(g *Galaxy) {
	t := &g.Truth
	ap := math.Inf(1)
	t.Aperture = "all"
	if rv := t.RvirKpc; rv > 0 && !math.IsNaN(rv) && !math.IsInf(rv, 0) {
		ap = 0.1 * rv
		t.Aperture = "0.1Rvir"
	}
	r, m := HalfMassRadius(g.Stars.PosKpc, g.Stars.MassMsun, [3]float64{}, ap)
	t.Re3DKpc, t.MstarMsun, t.ApertureKpc = r, m, ap
	t.SFRMsunYr = SFR100(&g.Stars)
	t.TimeGyr, t.Redshift = g.TimeGyr, g.Redshift
}
