package sps

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/integrate/quad"

	"github.com/galforge/galforge/cosmo"
)

// PhotTable holds, for one SSP grid, set of bands, redshift and cosmology,
// the band-averaged observed flux density ⟨f_ν⟩ in µJy per M☉ of initial
// stellar mass of every (metallicity, age) SSP, so that the flux of a star
// particle is one interpolation: see FluxesTo. A PhotTable is read-only after
// construction and safe for concurrent use.
type PhotTable struct {
	// Bands are the filter names, in band-index order.
	Bands []string
	// PivotAA are the pivot wavelengths of the bands in Å (observed frame).
	PivotAA []float64
	// Redshift is the source redshift; 0 means a source at 10 pc.
	Redshift float64
	// LumDistMpc is the distance used in Mpc: d_L(z), or 1e-5 (10 pc) at z = 0.
	LumDistMpc float64
	// IGM reports whether Madau (1995) attenuation was applied (never at z = 0).
	IGM bool
	// Model and IMF are copied from the SSP.
	Model, IMF string

	nBand, nAge int
	ages, zs    logAxis
	// tab[(iz*nAge+ia)*nBand+b] is the flux in µJy per M☉ of band b at
	// metallicity iz and age ia (grid indices of the SSP).
	tab []float64
}

// NewPhotTable computes the observed flux density of every SSP of ssp
// through every filter of bands for sources at redshift z (z = 0: at 10 pc,
// for absolute magnitudes) in the cosmology c (unused at z = 0), optionally
// with the intergalactic attenuation of Madau (1995). The photometry is the
// photon-counting ⟨f_ν⟩ of the package documentation, exact for the
// piecewise-linear spectra and throughputs (with igm, the attenuation is
// integrated by 8-point Gauss–Legendre between the Lyman edges and the
// merged samples, within 10⁻¹¹ of 16-panel Simpson). It takes a few
// milliseconds per band. It fails for an invalid SSP, filter, redshift or
// cosmology, and when more than 0.1 % of a band (weighted by dλ/λ) lies
// beyond the SSP's wavelengths at this redshift (ErrNotCovered).
func NewPhotTable(ssp *SSP, bands []Filter, z float64, c cosmo.FlatLCDM, igm bool) (*PhotTable, error) {
	if err := ssp.Validate(); err != nil {
		return nil, err
	}
	if len(bands) == 0 {
		return nil, fmt.Errorf("sps: NewPhotTable: no band")
	}
	dMpc, err := LuminosityDistanceMpc(z, c)
	if err != nil {
		return nil, err
	}
	igm = igm && z > 0
	nb, na, nz, nw := len(bands), len(ssp.AgesGyr), len(ssp.Z), len(ssp.WaveAA)
	t := &PhotTable{
		Redshift:   z,
		LumDistMpc: dMpc,
		IGM:        igm,
		Model:      ssp.Name,
		IMF:        ssp.IMF,
		nBand:      nb,
		nAge:       na,
		ages:       newLogAxis(ssp.AgesGyr),
		zs:         newLogAxis(ssp.Z),
		tab:        make([]float64, nz*na*nb),
	}
	s := 1 + z
	d := dMpc * MpcCm
	for b, f := range bands {
		if err := f.Validate(); err != nil {
			return nil, err
		}
		if err := checkCoverage(f, s*ssp.WaveAA[0], s*ssp.WaveAA[nw-1], "SSP "+ssp.Name, z); err != nil {
			return nil, err
		}
		t.Bands = append(t.Bands, f.Name)
		t.PivotAA = append(t.PivotAA, f.PivotAA())
		k0, w := bandWeights(ssp.WaveAA, f, z, igm)
		// µJy per (L☉/Å) of the spectrum samples.
		scale := LsunErgS / (4 * math.Pi * d * d * s) / (SpeedOfLightAAs * f.momentInvLambda()) / MicroJyCGS
		for i := range w {
			w[i] *= scale
		}
		for iz := 0; iz < nz; iz++ {
			for ia := 0; ia < na; ia++ {
				spec := ssp.Spectrum(iz, ia)[k0 : k0+len(w)]
				var sum float64
				for i, wi := range w {
					sum += wi * spec[i]
				}
				t.tab[(iz*na+ia)*nb+b] = sum
			}
		}
	}
	return t, nil
}

// NumBands returns the number of bands.
func (t *PhotTable) NumBands() int { return t.nBand }

// FluxMicroJy returns the observed flux density in µJy per M☉ of initial
// mass, in band index band, of a stellar population of age ageGyr (Gyr) and
// metallicity Z (mass fraction): bilinear interpolation of the table in
// log10 age and log10 Z, clamped at the grid edges (ages below the first
// non-zero grid age take it; Z ≤ 0 takes the lowest Z); NaN inputs give NaN.
// It panics if band is out of range.
func (t *PhotTable) FluxMicroJy(band int, ageGyr, Z float64) float64 {
	if band < 0 || band >= t.nBand {
		panic(fmt.Sprintf("sps: FluxMicroJy: band %d out of range [0, %d)", band, t.nBand))
	}
	a0, a1, wa := t.ages.locate(ageGyr)
	z0, z1, wz := t.zs.locate(Z)
	nb, na := t.nBand, t.nAge
	return (1-wz)*((1-wa)*t.tab[(z0*na+a0)*nb+band]+wa*t.tab[(z0*na+a1)*nb+band]) +
		wz*((1-wa)*t.tab[(z1*na+a0)*nb+band]+wa*t.tab[(z1*na+a1)*nb+band])
}

// FluxesTo writes into dst[b], for every band b, the observed flux density in
// µJy per M☉ of initial mass of a stellar population of age ageGyr (Gyr) and
// metallicity Z, interpolated as in FluxMicroJy. It does not allocate. It
// panics if len(dst) < NumBands().
func (t *PhotTable) FluxesTo(dst []float64, ageGyr, Z float64) {
	nb, na := t.nBand, t.nAge
	dst = dst[:nb]
	a0, a1, wa := t.ages.locate(ageGyr)
	z0, z1, wz := t.zs.locate(Z)
	c00, c01 := (1-wz)*(1-wa), (1-wz)*wa
	c10, c11 := wz*(1-wa), wz*wa
	p00 := t.tab[(z0*na+a0)*nb:][:nb]
	p01 := t.tab[(z0*na+a1)*nb:][:nb]
	p10 := t.tab[(z1*na+a0)*nb:][:nb]
	p11 := t.tab[(z1*na+a1)*nb:][:nb]
	for b := range dst {
		dst[b] = c00*p00[b] + c01*p01[b] + c10*p10[b] + c11*p11[b]
	}
}

// Fluxes returns the fluxes of FluxesTo in a new slice.
func (t *PhotTable) Fluxes(ageGyr, Z float64) []float64 {
	dst := make([]float64, t.nBand)
	t.FluxesTo(dst, ageGyr, Z)
	return dst
}

// Gauss–Legendre rules on [−1, 1]: 4 points (exact for the cubic integrands
// without attenuation) and 8 points (with the smooth IGM factor).
var (
	gl4x, gl4w = glRule(4)
	gl8x, gl8w = glRule(8)
)

func glRule(n int) (x, w []float64) {
	x, w = make([]float64, n), make([]float64, n)
	quad.Legendre{}.FixedLocations(x, w, -1, 1)
	return x, w
}

// bandWeights returns k0 and w such that, for any spectrum L tabulated at
// rest wavelengths restAA and linear between them,
//
//	∫ L(λ/(1+z)) T(λ) E(λ) λ dλ = Σ_i w[i] L[k0+i],
//
// where T is the filter and E the Madau transmission (1 without igm). Each
// w[i] is the integral of the hat function of rest sample k0+i, moved to the
// observed frame, against T E λ, computed by Gauss–Legendre quadrature
// between the merged break points.
func bandWeights(restAA []float64, f Filter, z float64, igm bool) (k0 int, w []float64) {
	s := 1 + z
	n := len(restAA)
	obs := make([]float64, n)
	for i, l := range restAA {
		obs[i] = s * l
	}
	fw, ft := f.WaveAA, f.Throughput
	lo := math.Max(obs[0], fw[0])
	hi := math.Min(obs[n-1], fw[len(fw)-1])
	if !(hi > lo) {
		return 0, nil
	}
	// Spectrum samples whose hat functions overlap [lo, hi].
	k0 = 0
	for k0+1 < n && obs[k0+1] <= lo {
		k0++
	}
	k1 := n - 1
	for k1 > 0 && obs[k1-1] >= hi {
		k1--
	}
	w = make([]float64, k1-k0+1)
	var extra []float64
	gx, gw := gl4x, gl4w
	var md *madau
	if igm {
		extra = madauEdgesAA(z)
		gx, gw = gl8x, gl8w
		md = newMadau(z)
	}
	pts := breakPoints(lo, hi, obs[k0:k1+1], fw, extra)
	js, jf := k0, 0
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		c, h := 0.5*(a+b), 0.5*(b-a)
		segment(obs, &js, c)
		segment(fw, &jf, c)
		ua, ub := obs[js], obs[js+1]
		for g, xi := range gx {
			x := c + h*xi
			v := gw[g] * h * lerp(fw[jf], fw[jf+1], ft[jf], ft[jf+1], x) * x
			if md != nil {
				v *= md.transmission(x)
			}
			phi := (ub - x) / (ub - ua)
			w[js-k0] += v * phi
			w[js+1-k0] += v * (1 - phi)
		}
	}
	return k0, w
}
