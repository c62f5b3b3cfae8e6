package sps

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/galforge/galforge/cosmo"
)

// TestPhotTableNodesMatchDirect: at grid nodes the table equals direct
// synthetic photometry (ObservedFnuMicroJy) of the node's spectrum. Both are
// exact integrals of the same piecewise-cubic integrand (Gauss–Legendre
// weights vs Simpson's rule on merged samples) of non-negative terms, so they
// agree to rounding: 1e-10 relative. With the IGM the attenuation is smooth
// between break points and both quadratures (16-panel Simpson, 8-point
// Gauss–Legendre) converge to < 1e-11 (3e-12 seen at z = 6): 1e-10 too.
func TestPhotTableNodesMatchDirect(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	c := cosmo.Default()
	bands := allFilters(t)
	cases := []struct {
		z   float64
		igm bool
		tol float64
	}{{0, false, 1e-10}, {1.5, false, 1e-10}, {4, true, 1e-10}, {6, true, 1e-10}}
	for _, cs := range cases {
		tab, err := NewPhotTable(s, bands, cs.z, c, cs.igm)
		if err != nil {
			t.Fatal(err)
		}
		for _, iz := range []int{0, 4, 5} {
			for _, ia := range []int{1, 60, 103, 135, 180, 220} {
				for b, f := range bands {
					want, err := ObservedFnuMicroJy(s.WaveAA, s.Spectrum(iz, ia), f, cs.z, c, cs.igm)
					if err != nil {
						t.Fatal(err)
					}
					got := tab.FluxMicroJy(b, s.AgesGyr[ia], s.Z[iz])
					if relDiff(got, want) > cs.tol || !(got > 0) {
						t.Errorf("z = %v igm %v, Z = %v, age %v Gyr, %s: table %.15g, direct %.15g µJy", cs.z, cs.igm, s.Z[iz], s.AgesGyr[ia], f.Name, got, want)
					}
				}
			}
		}
	}
}

// TestPhotTableOffNode: between nodes the table is the bilinear interpolation
// in (log age, log Z), which equals the photometry of the spectrum
// interpolated the same way (SSP.SpectrumAt), photometry being linear: 1e-10.
// Geometric midpoints of nodes must give the mean of the four corners, which
// an interpolation linear in age or Z would not.
func TestPhotTableOffNode(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	c := cosmo.Default()
	bands := []Filter{mustFilter(t, "F435W"), mustFilter(t, "F814W"), mustFilter(t, "F160W")}
	z := 1.0
	tab, err := NewPhotTable(s, bands, z, c, false)
	if err != nil {
		t.Fatal(err)
	}
	var spec []float64
	for _, p := range []struct{ age, Z float64 }{{0.0123, 0.0007}, {0.3, 0.02}, {2.345, 0.011}, {9.9, 0.03}, {13.7, 0.0002}} {
		spec = s.SpectrumAt(spec, p.age, p.Z)
		for b, f := range bands {
			want, err := ObservedFnuMicroJy(s.WaveAA, spec, f, z, c, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := tab.FluxMicroJy(b, p.age, p.Z); relDiff(got, want) > 1e-10 {
				t.Errorf("age %v, Z %v, %s: table %.15g, photometry of SpectrumAt %.15g", p.age, p.Z, f.Name, got, want)
			}
		}
	}
	// Geometric midpoints: the mean of the four corners (1e-12: rounding of
	// log10 and of the weights).
	ia, iz := 120, 3
	age := math.Sqrt(s.AgesGyr[ia] * s.AgesGyr[ia+1])
	Z := math.Sqrt(s.Z[iz] * s.Z[iz+1])
	for b := range bands {
		want := 0.25 * (tab.FluxMicroJy(b, s.AgesGyr[ia], s.Z[iz]) + tab.FluxMicroJy(b, s.AgesGyr[ia+1], s.Z[iz]) +
			tab.FluxMicroJy(b, s.AgesGyr[ia], s.Z[iz+1]) + tab.FluxMicroJy(b, s.AgesGyr[ia+1], s.Z[iz+1]))
		if got := tab.FluxMicroJy(b, age, Z); relDiff(got, want) > 1e-12 {
			t.Errorf("band %d at the geometric midpoint: got %.15g, want %.15g", b, got, want)
		}
	}
}

// TestPhotTableClampAndNaN checks the documented edges: ages at or below the
// first non-zero grid age (1.26e-4 Gyr), including 0 and negative ages, take
// that age; ages beyond 20 Gyr take 20 Gyr; Z ≤ 0.0001 takes 0.0001, Z ≥ 0.05
// takes 0.05; NaN gives NaN. FluxesTo equals FluxMicroJy band by band.
func TestPhotTableClampAndNaN(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	tab, err := NewPhotTable(s, []Filter{mustFilter(t, "F606W"), mustFilter(t, "F125W")}, 0, cosmo.Default(), false)
	if err != nil {
		t.Fatal(err)
	}
	a1, aN := s.AgesGyr[1], s.AgesGyr[len(s.AgesGyr)-1]
	z0, zN := s.Z[0], s.Z[len(s.Z)-1]
	cases := []struct {
		age, Z, wantAge, wantZ float64
	}{
		{0, 0.02, a1, 0.02},
		{-1e-3, 0.02, a1, 0.02},
		{a1 / 10, 0.02, a1, 0.02},
		{50, 0.02, aN, 0.02},
		{1, 0, 1, z0},
		{1, -0.1, 1, z0},
		{1, 1e-6, 1, z0},
		{1, 0.2, 1, zN},
		{0, 1, a1, zN},
	}
	dst := make([]float64, 2)
	for i, c := range cases {
		tab.FluxesTo(dst, c.age, c.Z)
		for b := 0; b < 2; b++ {
			want := tab.FluxMicroJy(b, c.wantAge, c.wantZ)
			if dst[b] != want {
				t.Errorf("case %d (age %v, Z %v), band %d: got %v, want %v (age %v, Z %v)", i, c.age, c.Z, b, dst[b], want, c.wantAge, c.wantZ)
			}
			if got := tab.FluxMicroJy(b, c.age, c.Z); got != dst[b] {
				t.Errorf("case %d, band %d: FluxMicroJy %v ≠ FluxesTo %v", i, b, got, dst[b])
			}
		}
	}
	for _, p := range [][2]float64{{math.NaN(), 0.02}, {1, math.NaN()}} {
		tab.FluxesTo(dst, p[0], p[1])
		if !math.IsNaN(dst[0]) || !math.IsNaN(dst[1]) {
			t.Errorf("age %v, Z %v: got %v, want NaN", p[0], p[1], dst)
		}
	}
}

// TestFluxesToNoAlloc: the per-particle path allocates nothing (not parallel:
// AllocsPerRun needs the process to itself).
func TestFluxesToNoAlloc(t *testing.T) {
	tab, err := NewPhotTable(loadBC03(t), allFilters(t), 1, cosmo.Default(), true)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, tab.NumBands())
	if n := testing.AllocsPerRun(100, func() { tab.FluxesTo(dst, 1.7, 0.013) }); n != 0 {
		t.Errorf("FluxesTo allocates %v times per call, want 0", n)
	}
}

// TestPhotTableDistanceScaling compares two redshifts by hand: for a one-node
// SSP with L_λ ∝ λ^β, the table's flux must scale as
// (1+z)^(−β−1) / d_L² (β = −1.5; see TestPowerLawRedshiftScaling for the
// 1e-8), and at z = 0 the source is at 10 pc: its flux there relative to
// z = 0.01 is (1+z)^(β+1) (d_L(0.01)/10 pc)², with the band's K-correction
// exactly that power of 1+z.
func TestPhotTableDistanceScaling(t *testing.T) {
	t.Parallel()
	const beta = -1.5
	var wave, lum []float64
	for l := math.Log(900); l <= math.Log(30000); l += 1e-4 {
		wave = append(wave, math.Exp(l))
		lum = append(lum, 1e-3*math.Pow(math.Exp(l)/5000, beta))
	}
	ssp := &SSP{Name: "power law", AgesGyr: []float64{1}, Z: []float64{0.02}, WaveAA: wave, LumLsunAA: lum}
	c := cosmo.FlatLCDM{H0: 67.7, OmegaM: 0.31}
	bands := []Filter{mustFilter(t, "F850LP"), mustFilter(t, "F125W")}
	flux := map[float64][]float64{}
	for _, z := range []float64{0, 0.01, 0.7, 2.2} {
		tab, err := NewPhotTable(ssp, bands, z, c, false)
		if err != nil {
			t.Fatal(err)
		}
		want := 1e-5
		if z > 0 {
			want = c.LuminosityDistanceMpc(z)
		}
		if tab.LumDistMpc != want || tab.Redshift != z {
			t.Errorf("z = %v: LumDistMpc %v, Redshift %v; want %v, %v", z, tab.LumDistMpc, tab.Redshift, want, z)
		}
		// Any age and Z: a one-node grid is constant.
		flux[z] = tab.Fluxes(5, 0.001)
	}
	scale := func(z float64) float64 {
		d := AbsoluteMagDistanceMpc
		if z > 0 {
			d = c.LuminosityDistanceMpc(z)
		}
		return math.Pow(1+z, -beta-1) / (d * d)
	}
	for _, zz := range [][2]float64{{0.7, 2.2}, {0.01, 0.7}, {0, 0.01}} {
		for b := range bands {
			got := flux[zz[1]][b] / flux[zz[0]][b]
			want := scale(zz[1]) / scale(zz[0])
			if relDiff(got, want) > 1e-8 {
				t.Errorf("%s, z %v → %v: flux ratio %.10g, want %.10g", bands[b].Name, zz[0], zz[1], got, want)
			}
		}
	}
}

func TestPhotTableErrors(t *testing.T) {
	t.Parallel()
	s := loadBC03(t)
	c := cosmo.Default()
	f := mustFilter(t, "F160W")
	nan := Filter{Name: "F160W-broken", WaveAA: []float64{15000, 15100, 15200}, Throughput: []float64{0.3, math.NaN(), 0.3}}
	miu, err := ReadMIUSCAT(miuscatFixture)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		ssp   *SSP
		bands []Filter
		z     float64
		c     cosmo.FlatLCDM
		want  string
		is    error
	}{
		{"nil SSP", nil, []Filter{f}, 1, c, "nil SSP", ErrBadSSP},
		{"no band", s, nil, 1, c, "no band", nil},
		{"NaN throughput", s, []Filter{f, nan}, 1, c, "F160W-broken", ErrBadFilter},
		{"negative z", s, []Filter{f}, -1, c, "redshift", nil},
		{"bad cosmology", s, []Filter{f}, 1, cosmo.FlatLCDM{H0: 70, OmegaM: 2}, "OmegaM", nil},
		// MIUSCAT stops at 9471 Å: F160W at z = 0 is beyond it.
		{"not covered", miu, []Filter{f}, 0, c, "F160W", ErrNotCovered},
	}
	for i, cs := range cases {
		_, err := NewPhotTable(cs.ssp, cs.bands, cs.z, cs.c, false)
		if err == nil || !strings.Contains(err.Error(), cs.want) || (cs.is != nil && !errors.Is(err, cs.is)) {
			t.Errorf("case %d (%s): got %v, want an error with %q", i, cs.name, err, cs.want)
		}
	}
	// MIUSCAT through an optical band at z = 0 works.
	tab, err := NewPhotTable(miu, []Filter{mustFilter(t, "F606W")}, 0, c, false)
	if err != nil {
		t.Fatal(err)
	}
	if v := tab.FluxMicroJy(0, 1, 0.02); !(v > 0) {
		t.Errorf("MIUSCAT F606W at 10 pc: %v µJy, want > 0", v)
	}
}

// benchBands are the 4 bands of the benchmarks.
var benchBands = []string{"F435W", "F606W", "F814W", "F160W"}

func BenchmarkNewPhotTable(b *testing.B) {
	s := loadBC03(b)
	var bands []Filter
	for _, n := range benchBands {
		bands = append(bands, mustFilter(b, n))
	}
	c := cosmo.Default()
	for _, igm := range []bool{false, true} {
		name := "noIGM"
		if igm {
			name = "IGM"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := NewPhotTable(s, bands, 2, c, igm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFluxes1e6 times 10⁶ per-particle lookups (FluxesTo) in 4 bands
// with ages log-uniform in 1 Myr–13 Gyr and Z in 1e-4–0.05.
func BenchmarkFluxes1e6(b *testing.B) {
	s := loadBC03(b)
	var bands []Filter
	for _, n := range benchBands {
		bands = append(bands, mustFilter(b, n))
	}
	tab, err := NewPhotTable(s, bands, 2, cosmo.Default(), true)
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(1, 2))
	ages, zs := make([]float64, n), make([]float64, n)
	for i := range ages {
		ages[i] = math.Pow(10, -3+4.1*rng.Float64())
		zs[i] = math.Pow(10, -4+2.7*rng.Float64())
	}
	dst := make([]float64, len(bands))
	var sum float64
	b.ResetTimer()
	for b.Loop() {
		for i := range ages {
			tab.FluxesTo(dst, ages[i], zs[i])
			sum += dst[0]
		}
	}
	if !(sum > 0) {
		b.Fatal("no flux")
	}
}
