package render

import (
	"math"

	"github.com/galforge/galforge/sims"
)

// Physical constants of the dust model.
const (
	kpc2Cm2   = 9.521406e42 // (3.0856775814913673e21 cm)²
	msunG     = 1.98841e33  // M☉ in g
	mHydrogen = 1.6735575e-24
	xHydrogen = 0.7     // hydrogen mass fraction of the ISM
	zSun      = 0.0134  // solar metal mass fraction (Asplund et al. 2009)
	nhPerAV   = 2.21e21 // N_H / A_V in cm⁻² mag⁻¹ (Güver & Özel 2009, MNRAS 400, 2050)
	rvCalz    = 4.05    // R_V of the Calzetti et al. (2000) law
)

// CalzettiK returns k(λ) = A_λ/E(B−V) of Calzetti et al. (2000, ApJ 533,
// 682, eq. 4) for a rest wavelength in Å, with R_V = 4.05. The law is defined
// from 0.12 to 2.2 µm; outside that range the same polynomials are used
// (as is common practice) and k is clamped at 0.
func CalzettiK(waveAA float64) float64 {
	l := waveAA / 1e4 // µm
	var k float64
	if l >= 0.63 {
		k = 2.659*(-1.857+1.040/l) + rvCalz
	} else {
		k = 2.659*(-2.156+1.509/l-0.198/(l*l)+0.011/(l*l*l)) + rvCalz
	}
	return math.Max(k, 0)
}

// columnGrid accumulates a mass column along the line of sight on a 3D grid
// of nxy×nxy×nz cells covering the image field in x, y and the same extent
// in depth, so that the column in front of a point is a table lookup.
type columnGrid struct {
	nxy, nz   int
	x0, cell  float64   // xy origin and cell size, kpc
	z0, zcell float64   // depth origin and cell size, kpc
	cum       []float64 // column density in front of the middle of each cell, M☉/kpc²
}

// newColumnGrid deposits mass (nearest grid point) at (x, y, depth) and
// integrates from the observer side (large depth): the column in front of a
// cell counts every cell nearer the observer plus half of the cell itself.
func newColumnGrid(fovKpc float64, nxy, nz int, x, y, depth, mass []float64) *columnGrid {
	g := &columnGrid{nxy: nxy, nz: nz, x0: -fovKpc / 2, cell: fovKpc / float64(nxy), z0: -fovKpc / 2, zcell: fovKpc / float64(nz)}
	m := make([]float64, nxy*nxy*nz)
	for i := range x {
		ix, iy, iz, ok := g.index(x[i], y[i], depth[i])
		if !ok {
			continue
		}
		m[(iy*nxy+ix)*nz+iz] += mass[i]
	}
	g.cum = make([]float64, len(m))
	area := g.cell * g.cell
	for c := 0; c < nxy*nxy; c++ {
		var front float64
		for iz := nz - 1; iz >= 0; iz-- {
			own := m[c*nz+iz]
			g.cum[c*nz+iz] = (front + own/2) / area
			front += own
		}
	}
	return g
}

func (g *columnGrid) index(x, y, d float64) (ix, iy, iz int, ok bool) {
	fx := (x - g.x0) / g.cell
	fy := (y - g.x0) / g.cell
	fz := (d - g.z0) / g.zcell
	if fx < 0 || fy < 0 || fx >= float64(g.nxy) || fy >= float64(g.nxy) {
		return 0, 0, 0, false
	}
	iz = int(fz)
	switch {
	case fz < 0:
		iz = 0
	case iz >= g.nz:
		iz = g.nz - 1
	}
	return int(fx), int(fy), iz, true
}

// column returns the surface density in front of (x, y, depth), M☉/kpc²;
// 0 outside the field.
func (g *columnGrid) column(x, y, d float64) float64 {
	ix, iy, iz, ok := g.index(x, y, d)
	if !ok {
		return 0
	}
	if d-g.z0 >= float64(g.nz)*g.zcell { // in front of the whole grid
		return 0
	}
	return g.cum[(iy*g.nxy+ix)*g.nz+iz]
}

// dustModel computes per-star V-band optical depths for one view.
type dustModel struct {
	cfg    DustConfig
	useGas bool
	restAA []float64 // rest-frame effective wavelength of each band (0 for mass)
}

// tauV returns the screen optical depth in V for every star of g seen in
// the view, from the column in front of each star.
func (d *dustModel) tauV(g *sims.Galaxy, v View, fovKpc float64, nxy int, xs, ys, ds []float64) []float64 {
	n := g.Stars.Len()
	tau := make([]float64, n)
	var grid *columnGrid
	var perColumn float64
	if d.useGas {
		gas := g.Gas
		gx := make([]float64, gas.Len())
		gy := make([]float64, gas.Len())
		gd := make([]float64, gas.Len())
		gm := make([]float64, gas.Len())
		for i, p := range gas.PosKpc {
			gx[i], gy[i], gd[i] = v.Project(p)
			gm[i] = gas.MassMsun[i] * gas.Metallicity[i]
		}
		grid = newColumnGrid(fovKpc, nxy, d.cfg.LOSCells, gx, gy, gd, gm)
		// A_V per (M☉ of metals / kpc²), then τ_V = A_V / 1.0857.
		perColumn = (d.cfg.DustToMetal / 0.4) / zSun * xHydrogen * msunG / kpc2Cm2 / mHydrogen / nhPerAV / 1.0857
	} else {
		grid = newColumnGrid(fovKpc, nxy, d.cfg.LOSCells, xs, ys, ds, g.Stars.MassMsun)
		perColumn = d.cfg.TauVPerStellarColumn / 1e8
	}
	for i := 0; i < n; i++ {
		tau[i] = perColumn * grid.column(xs[i], ys[i], ds[i])
	}
	return tau
}

// transmission returns exp(−τ) in band b for a star with screen optical depth
// tauV and age ageGyr.
func (d *dustModel) transmission(b int, tauV, ageGyr float64) float64 {
	l := d.restAA[b]
	if l <= 0 {
		return 1
	}
	t := tauV * CalzettiK(l) / rvCalz
	if ageGyr < d.cfg.BirthCloudAgeGyr {
		t += d.cfg.BirthCloudTauV * math.Pow(l/5500, -0.7)
	}
	return math.Exp(-t)
}
