package ramses

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/simstest"
)

// all selects every star (RAMSES has no group catalogue).
var all = sims.ReadOptions{Subhalo: -1}

// Tolerances, with their reasons:
//   - positions: 1e-6 kpc. Coordinates of ~5000 kpc go to code units and
//     back through two float64 products (relative error ~1e-16 each), and
//     the shrinking-sphere centre is a mass-weighted mean of 20 such values:
//     errors are ~1e-12 kpc. A wrong unit or centre is off by ≥ 0.1 kpc.
//   - masses, velocities: 1e-12 relative, for the same reason.
//   - ages and formation times: 1e-6 Gyr (1 kyr). The expectations are
//     64-point Gauss–Legendre integrals (error < 1e-12 Gyr); the reader's
//     τ table inverts to 1e-10 in a; the info file's τ is rounded to 15
//     digits. A wrong convention (conformal read as proper) or a wrong
//     Hubble time is off by ≥ 0.01 Gyr.
const (
	posTol  = 1e-6
	relTol  = 1e-12
	timeTol = 1e-6
)

func TestReadKnownGalaxy(t *testing.T) {
	t.Parallel()
	nonCosmoCentre := [3]float64{50, 50, 50}
	cases := []struct {
		name   string
		format string
		conv   string
		info   tInfo
		centre [3]float64
		edit   func(o *tOutput)
		reader Reader
		// fix adjusts the expectations after edit.
		fix func(w []wantStar)
	}{
		{name: "fixed layout, conformal", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre},
		{name: "fixed layout, int64 ids, nindsink, sinks, big-endian", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) { o.idBytes, o.nindsink, o.sinks, o.bigEndian = 8, true, true, true }},
		{name: "fixed layout with header", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) { o.header = true }},
		{name: "descriptor, conformal", format: FormatDescriptor, conv: "conformal", info: cosmoInfo(), centre: testCentre},
		{name: "descriptor missing, header fields", format: FormatDescriptor, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) { o.descriptor, o.initMass = false, false }},
		{name: "descriptor, proper time from namelist", format: FormatDescriptor, conv: "proper", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) {
				o.namelist = "&RUN_PARAMS\ncosmo=.true.\npic=.true.\n/\n&SF_PARAMS\nn_star=0.1\nuse_proper_time=.true. ! birth in proper time\n/\n"
			}},
		{name: "descriptor, proper time from RT output", format: FormatDescriptor, conv: "proper", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) { o.infoRT = true }},
		{name: "descriptor, proper time by option", format: FormatDescriptor, conv: "proper", info: cosmoInfo(), centre: testCentre,
			reader: Reader{BirthTime: BirthTimeProper}},
		{name: "fixed layout, conformal by option despite namelist", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit:   func(o *tOutput) { o.namelist = "&SF_PARAMS\nuse_proper_time=.true.\n/\n" },
			reader: Reader{BirthTime: BirthTimeConformal}},
		{name: "fixed layout without metals, one worker", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit:   func(o *tOutput) { o.metal = false },
			reader: Reader{MetallicityIfAbsent: 0.0134, Workers: 1},
			fix: func(w []wantStar) {
				for i := range w {
					w[i].z = 0.0134
				}
			}},
		{name: "header naming an unknown word: fixed layout", format: FormatFixed, conv: "conformal", info: cosmoInfo(), centre: testCentre,
			edit: func(o *tOutput) { o.header, o.headerXtra = true, "dust_ratio " }},
		{name: "non-cosmological, fixed layout", format: FormatFixed, conv: "code", info: nonCosmoInfo(), centre: nonCosmoCentre},
		{name: "non-cosmological, descriptor", format: FormatDescriptor, conv: "code", info: nonCosmoInfo(), centre: nonCosmoCentre},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, want := galaxy(tc.format, tc.conv, tc.info, tc.centre)
			if tc.edit != nil {
				tc.edit(&o)
			}
			if !o.initMass {
				for i := range want {
					want[i].mass0 = want[i].mass // no initial_mass: current mass
				}
			}
			if tc.fix != nil {
				tc.fix(want)
			}
			dir := writeOutput(t, t.TempDir(), o)
			g, err := tc.reader.Read(dir, all)
			if err != nil {
				t.Fatal(err)
			}
			simstest.CheckGalaxy(t, g)
			checkStars(t, g, want, tc.centre)

			cosmological := tc.conv != "code"
			if cosmological {
				if g.Redshift != 1 || g.ScaleFactor != 0.5 || g.HubbleParam != 0.7 || g.OmegaM != 0.3 {
					t.Errorf("z = %v, a = %v, h = %v, Ωm = %v; want 1, 0.5, 0.7, 0.3", g.Redshift, g.ScaleFactor, g.HubbleParam, g.OmegaM)
				}
				if w := testCos.ageGyr(testAexp); math.Abs(g.TimeGyr-w) > timeTol {
					t.Errorf("TimeGyr = %.9f, want %.9f", g.TimeGyr, w)
				}
			} else {
				if w := tc.info.time * tc.info.ut / gyrSec; math.Abs(g.TimeGyr-w) > 1e-12 {
					t.Errorf("TimeGyr = %v, want %v", g.TimeGyr, w)
				}
				if g.Redshift != 0 || g.ScaleFactor != 1 || g.HubbleParam != 0 {
					t.Errorf("non-cosmological run: z = %v, a = %v, h = %v; want 0, 1, 0", g.Redshift, g.ScaleFactor, g.HubbleParam)
				}
			}
			if !strings.Contains(g.Source, "birth times "+tc.conv) {
				t.Errorf("Source %q does not record birth-time convention %q", g.Source, tc.conv)
			}
			tr := g.Truth
			if tr.GalaxyID != 0 || tr.Family != sims.FamilyReal || tr.Snapshot != 42 || tr.Aperture != "all" {
				t.Errorf("truth: id %d, family %q, snapshot %d, aperture %q", tr.GalaxyID, tr.Family, tr.Snapshot, tr.Aperture)
			}
			var m float64
			for _, w := range want {
				m += w.mass
			}
			if math.Abs(tr.MstarMsun-m) > relTol*m {
				t.Errorf("truth M* = %v, want %v", tr.MstarMsun, m)
			}
		})
	}
}

// checkStars compares g's stars (in file order) with want.
func checkStars(t *testing.T, g *sims.Galaxy, want []wantStar, centre [3]float64) {
	t.Helper()
	s := &g.Stars
	if s.Len() != len(want) {
		t.Fatalf("read %d stars, want %d (dark matter, sink clouds and tracers excluded)", s.Len(), len(want))
	}
	for k := 0; k < 3; k++ {
		if math.Abs(g.CentreKpc[k]-centre[k]) > posTol {
			t.Errorf("centre = %v kpc, want %v", g.CentreKpc, centre)
			break
		}
	}
	wantBulk := bulk(want, centre, DefaultBulkRadiusKpc)
	for k := 0; k < 3; k++ {
		if math.Abs(g.BulkVelKms[k]-wantBulk[k]) > relTol*1e3 {
			t.Errorf("bulk velocity = %v km/s, want %v", g.BulkVelKms, wantBulk)
			break
		}
	}
	bad := 0
	for i, w := range want {
		for k := 0; k < 3; k++ {
			if d := s.PosKpc[i][k] + g.CentreKpc[k] - w.posKpc[k]; math.Abs(d) > posTol {
				t.Errorf("star %d: position %v + centre %v, want %v kpc", i, s.PosKpc[i], g.CentreKpc, w.posKpc)
				bad++
				break
			}
			if d := s.VelKms[i][k] + g.BulkVelKms[k] - w.velKms[k]; math.Abs(d) > relTol*1e3 {
				t.Errorf("star %d: velocity %v + bulk %v, want %v km/s", i, s.VelKms[i], g.BulkVelKms, w.velKms)
				bad++
				break
			}
		}
		if math.Abs(s.MassMsun[i]-w.mass) > relTol*w.mass || math.Abs(s.InitialMassMsun[i]-w.mass0) > relTol*w.mass0 {
			t.Errorf("star %d: mass %v, initial %v M☉; want %v, %v", i, s.MassMsun[i], s.InitialMassMsun[i], w.mass, w.mass0)
			bad++
		}
		if s.Metallicity[i] != w.z {
			t.Errorf("star %d: Z = %v, want %v", i, s.Metallicity[i], w.z)
			bad++
		}
		if math.Abs(s.FormationTimeGyr[i]-w.formation) > timeTol || math.Abs(s.AgeGyr[i]-w.age) > timeTol {
			t.Errorf("star %d: formation %.9f Gyr, age %.9f Gyr; want %.9f, %.9f", i, s.FormationTimeGyr[i], s.AgeGyr[i], w.formation, w.age)
			bad++
		}
		if bad > 5 {
			t.Fatal("too many differences")
		}
	}
}

// bulk returns the mass-weighted mean velocity of the stars within radius
// kpc of centre.
func bulk(ws []wantStar, centre [3]float64, radius float64) [3]float64 {
	var v [3]float64
	var m float64
	for _, w := range ws {
		var d [3]float64
		for k := range d {
			d[k] = w.posKpc[k] - centre[k]
		}
		if norm(d) > radius {
			continue
		}
		for k := range v {
			v[k] += w.mass * w.velKms[k]
		}
		m += w.mass
	}
	for k := range v {
		v[k] /= m
	}
	return v
}

// The info file's τ and aexp agree only to RAMSES's table accuracy. Here τ
// is made earlier than τ(aexp) by 2e-4 Gyr of cosmic time: a star born at
// the info file's τ must still have age exactly 0 (ages are differences on
// the τ clock), and the oldest (a = 0.1) must keep its age to that offset.
func TestAgesAtEnds(t *testing.T) {
	t.Parallel()
	o, _ := galaxy(FormatFixed, "conformal", cosmoInfo(), testCentre)
	const dtGyr = 2e-4
	o.info.time = round15(o.info.time - dtGyr/(testCos.hubbleTimeGyr()*testAexp*testAexp)) // dt = a² dτ / H0
	// Put the youngest star's birth time exactly at the info file's τ.
	ps := o.cpus[1]
	last := len(ps) - 1
	for ps[last].family != familyStar || ps[last].id < 0 {
		last--
	}
	ps[last].birth = o.info.time
	g, err := Reader{}.Read(writeOutput(t, t.TempDir(), o), all)
	if err != nil {
		t.Fatal(err)
	}
	s := g.Stars
	if a := s.AgeGyr[s.Len()-1]; math.Abs(a) > 1e-9 {
		t.Errorf("star born at the snapshot: age %v Gyr, want 0 (±1e-9: τ-clock difference of equal τ)", a)
	}
	want := testCos.ageGyr(testAexp) - dtGyr - testCos.ageGyr(0.1)
	if math.Abs(s.AgeGyr[0]-want) > 2e-6 { // 2e-6: dτ → dt linearised over 2e-4 Gyr
		t.Errorf("star born at a = 0.1: age %.9f Gyr, want %.9f", s.AgeGyr[0], want)
	}
}

func TestConformalTable(t *testing.T) {
	t.Parallel()
	for _, c := range []testCosmo{{70, 0.3, 0.7}, {67.7, 0.3089, 0.6911}, {70.4, 0.272, 0.728}} {
		cm := cosmo.FlatLCDM{H0: c.h0, OmegaM: c.om}
		tab := newConformalTable(c.om, c.ol, c.ok()).withTime(cm)
		for _, a := range []float64{0.0015, 0.01, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 1.5} {
			tau := c.tau(a)
			got, ok := tab.scaleFactor(tau)
			// 1e-9 relative: the table's Hermite inversion is good to ~1e-11.
			if !ok || math.Abs(got-a) > 1e-9*a {
				t.Errorf("Ωm=%v: a(τ(%v) = %.12f) = %.15f, want %v", c.om, a, tau, got, a)
			}
			if d := tab.tauAt(a) - tau; math.Abs(d) > 1e-10*math.Max(1, math.Abs(tau)) {
				t.Errorf("Ωm=%v: τ(%v) = %.15f, quadrature gives %.15f", c.om, a, tab.tauAt(a), tau)
			}
			// Formation time of a star of birth τ: cosmic time at a
			// (1e-9 Gyr: the Hermite interpolation of t(τ) is good to ~1e-12).
			if tf, ok := tab.cosmicTime(tau); !ok || math.Abs(tf-c.ageGyr(a)) > 1e-9 {
				t.Errorf("Ωm=%v: t(τ(a=%v)) = %.12f Gyr, quadrature gives %.12f", c.om, a, tf, c.ageGyr(a))
			}
		}
		if _, ok := tab.scaleFactor(c.tau(5e-4)); ok {
			t.Errorf("τ at a = 5e-4 (before the table) accepted")
		}
		if _, ok := tab.scaleFactor(math.NaN()); ok {
			t.Errorf("NaN τ accepted")
		}
	}
}

// TestRamsesFriedmanTable compares ages with those RAMSES's own utilities
// compute (utils/f90/part2birth.f90): the friedman routine's midpoint
// integration of a(τ) and a(t) with relative step α, tabulated in n
// entries, and linear interpolation of t in τ. With RAMSES's 1000 entries
// the linear interpolation alone errs by up to ~(Δln a)²/(4E) / H0 ≈ 1e-4
// Gyr, so agreement is asked to 2e-4 Gyr; refining RAMSES's table (α = 2e-6,
// 10⁴ entries) must bring it within 1e-5 Gyr, showing the two agree in the
// limit.
func TestRamsesFriedmanTable(t *testing.T) {
	t.Parallel()
	c := testCos
	in := &Info{H0: c.h0, OmegaM: c.om, OmegaL: c.ol, Aexp: testAexp, Time: c.tau(testAexp)}
	ck := newCosmoClock(in, BirthTimeConformal)
	for _, tab := range []struct {
		alpha float64
		n     int
		tol   float64
	}{{1e-5, 1000, 2e-4}, {2e-6, 10000, 1e-5}} {
		tauF, tF := friedman(c.om, c.ol, c.ok(), tab.alpha, 1e-3, tab.n)
		interp := func(tau float64) float64 {
			i := 1
			for tauF[i] > tau && i < len(tauF)-1 {
				i++
			}
			return tF[i]*(tau-tauF[i-1])/(tauF[i]-tauF[i-1]) + tF[i-1]*(tau-tauF[i])/(tauF[i-1]-tauF[i])
		}
		tSimu := interp(in.Time)
		for _, a := range []float64{0.08, 0.2, 0.35, 0.49} {
			tau := c.tau(a)
			_, age, ok := ck.formation(tau)
			want := (tSimu - interp(tau)) * c.hubbleTimeGyr()
			if !ok || math.Abs(age-want) > tab.tol {
				t.Errorf("α = %g, %d entries, a = %v: age %.7f Gyr, RAMSES's table gives %.7f", tab.alpha, tab.n, a, age, want)
			}
		}
	}
}

// friedman transcribes RAMSES's friedman subroutine (utils/f90/utils.f90):
// tables of conformal time τ and look-back time t (units 1/H0, zero today)
// from a = 1 down to axpMin, sharing the step index.
func friedman(om, ol, ok, alpha, axpMin float64, ntable int) (tauOut, tOut []float64) {
	dadtau := func(a float64) float64 { return math.Sqrt(a * a * a * (om + ol*a*a*a + ok*a)) }
	dadt := func(a float64) float64 { return math.Sqrt((om + ol*a*a*a + ok*a) / a) }
	step := func(aTau, aT, tau, t float64) (float64, float64, float64, float64) {
		dtau := alpha * aTau / dadtau(aTau)
		pre := aTau - dadtau(aTau)*dtau/2
		aTau -= dadtau(pre) * dtau
		tau -= dtau
		dt := alpha * aT / dadt(aT)
		pre = aT - dadt(aT)*dt/2
		aT -= dadt(pre) * dt
		t -= dt
		return aTau, aT, tau, t
	}
	aTau, aT, tau, t := 1.0, 1.0, 0.0, 0.0
	nstep := 0
	for aTau >= axpMin || aT >= axpMin {
		aTau, aT, tau, t = step(aTau, aT, tau, t)
		nstep++
	}
	nskip := nstep / ntable
	tauOut, tOut = []float64{0}, []float64{0}
	aTau, aT, tau, t = 1, 1, 0, 0
	nstep = 0
	for aTau >= axpMin || aT >= axpMin {
		aTau, aT, tau, t = step(aTau, aT, tau, t)
		nstep++
		if nstep%nskip == 0 {
			tauOut = append(tauOut, tau)
			tOut = append(tOut, t)
		}
	}
	return tauOut, tOut
}

func TestExplicitCentre(t *testing.T) {
	t.Parallel()
	// Near the corner of the periodic box: stars are stored wrapped to the
	// far side and must come back to the nearest image of the centre.
	box := cosmoInfo().boxlen * cosmoInfo().ul / kpcCm
	corner := [3]float64{1, 1, box - 1}
	cases := []struct {
		name   string
		centre [3]float64
		radius float64
		opt    sims.ReadOptions
	}{
		{"centre and radius", testCentre, 4, all},
		{"centre, no radius", testCentre, 0, all},
		{"across the periodic boundary", corner, 6, all},
		{"shrink from centre", testCentre, 0, sims.ReadOptions{Subhalo: -1, Centre: sims.CentreShrink}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, want := galaxy(FormatDescriptor, "conformal", cosmoInfo(), tc.centre)
			dir := writeOutput(t, t.TempDir(), o)
			c := tc.centre
			if tc.opt.Centre == sims.CentreShrink {
				c[0] += 2 // a rough start the shrinking sphere must correct
			}
			g, err := Reader{CentreKpc: &c, RadiusKpc: tc.radius}.Read(dir, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			simstest.CheckGalaxy(t, g)
			var kept []wantStar
			for _, w := range want {
				var d [3]float64
				for k := range d {
					d[k] = w.posKpc[k] - tc.centre[k]
				}
				if tc.radius == 0 || norm(d) <= tc.radius {
					kept = append(kept, w)
				}
			}
			if len(kept) == len(want) && tc.radius > 0 && tc.radius < 10 {
				t.Fatalf("test setup: radius %v keeps every star", tc.radius)
			}
			s := g.Stars
			if s.Len() != len(kept) {
				t.Fatalf("kept %d stars within %v kpc, want %d", s.Len(), tc.radius, len(kept))
			}
			for i, w := range kept {
				for k := 0; k < 3; k++ {
					d := w.posKpc[k] - tc.centre[k]
					if math.Abs(s.PosKpc[i][k]-d) > posTol {
						t.Fatalf("star %d: position %v, want %v relative to the centre", i, s.PosKpc[i], d)
					}
				}
			}
			wantC := tc.centre
			for k := range wantC {
				wantC[k] -= box * math.Floor(wantC[k]/box)
			}
			for k := 0; k < 3; k++ {
				if math.Abs(g.CentreKpc[k]-wantC[k]) > posTol {
					t.Fatalf("centre %v, want %v", g.CentreKpc, wantC)
				}
			}
			rb := tc.radius
			if rb == 0 {
				rb = DefaultBulkRadiusKpc
			}
			wantBulk := bulk(want, tc.centre, rb)
			for k := 0; k < 3; k++ {
				if math.Abs(g.BulkVelKms[k]-wantBulk[k]) > 1e-9 {
					t.Fatalf("bulk velocity %v, want %v (stars within %v kpc)", g.BulkVelKms, wantBulk, rb)
				}
			}
		})
	}
}

// TestBadInput checks that unusable outputs give errors naming the file and
// the record or field at fault.
func TestBadInput(t *testing.T) {
	t.Parallel()
	part1, part2 := "part_00042.out00001", "part_00042.out00002"
	type tcase struct {
		name   string
		format string
		edit   func(o *tOutput)               // before writing
		mutate func(t *testing.T, dir string) // after writing
		reader Reader
		opt    *sims.ReadOptions
		want   []string // substrings of the error
		is     error
	}
	cases := []tcase{
		{name: "missing info file", format: FormatFixed,
			mutate: func(t *testing.T, dir string) { remove(t, dir, "info_00042.txt") },
			want:   []string{"info_00042.txt"}},
		{name: "info file without unit_t", format: FormatFixed,
			mutate: func(t *testing.T, dir string) { editFile(t, dir, "info_00042.txt", "unit_t", "unit_x") },
			want:   []string{"info_00042.txt", `"unit_t"`}},
		{name: "missing part file", format: FormatFixed,
			mutate: func(t *testing.T, dir string) { remove(t, dir, part2) },
			want:   []string{part2, "ncpu = 2"}},
		{name: "truncated part file", format: FormatFixed,
			mutate: func(t *testing.T, dir string) { truncate(t, dir, part2, 5) },
			want:   []string{part2, "truncated", "metallicity"}},
		{name: "part file truncated in the header", format: FormatDescriptor,
			mutate: func(t *testing.T, dir string) { truncateTo(t, dir, part1, 40) },
			want:   []string{part1, "truncated", "(npart)"}},
		{name: "corrupt record marker", format: FormatFixed,
			mutate: func(t *testing.T, dir string) { corruptTrailer(t, dir, part1, 9) },
			want:   []string{part1, "record 9 ", "position_x", "marker mismatch"}},
		{name: "missing descriptor (required)", format: FormatDescriptor,
			edit:   func(o *tOutput) { o.descriptor = false },
			reader: Reader{Format: FormatDescriptor},
			want:   []string{"part_file_descriptor.txt"}},
		{name: "missing descriptor (detected)", format: FormatDescriptor,
			edit: func(o *tOutput) { o.descriptor, o.header = false, false },
			want: []string{part1, "part_file_descriptor.txt is missing"}},
		{name: "descriptor with unknown type", format: FormatDescriptor,
			mutate: func(t *testing.T, dir string) { editFile(t, dir, "part_file_descriptor.txt", "mass, d", "mass, x") },
			want:   []string{"part_file_descriptor.txt", "line 9", "mass", `"x"`}},
		{name: "descriptor type does not match the record", format: FormatDescriptor,
			mutate: func(t *testing.T, dir string) { editFile(t, dir, "part_file_descriptor.txt", "mass, d", "mass, f") },
			want:   []string{part1, "record 15 ", "(mass)", "bytes, want"}},
		{name: "descriptor lists more variables than the file has", format: FormatDescriptor,
			mutate: func(t *testing.T, dir string) { appendFile(t, dir, "part_file_descriptor.txt", "15, extra, d\n") },
			want:   []string{part1, "(extra)", "truncated"}},
		{name: "part file ncpu differs from info", format: FormatFixed,
			mutate: func(t *testing.T, dir string) {
				editFile(t, dir, "info_00042.txt", "ncpu        =          2", "ncpu        =          1")
			},
			want: []string{part1, "ncpu = 2", "info file says 1"}},
		{name: "NaN coordinate", format: FormatDescriptor,
			edit: func(o *tOutput) { o.cpus[0][2].pos[1] = math.NaN() },
			want: []string{part1, "1 non-finite positions", "1 of 24 stars"}, is: sims.ErrBadParticles},
		{name: "infinite velocity", format: FormatFixed,
			edit: func(o *tOutput) { o.cpus[1][0].vel[2] = math.Inf(1) },
			want: []string{part2, "1 non-finite velocities"}, is: sims.ErrBadParticles},
		{name: "negative masses", format: FormatFixed,
			edit: func(o *tOutput) { o.cpus[1][0].mass = -1; o.cpus[1][2].mass = -2 },
			want: []string{part2, "2 negative or non-finite masses"}, is: sims.ErrBadParticles},
		{name: "no stars", format: FormatFixed,
			edit: func(o *tOutput) { o.star = false },
			want: []string{"no star particles", "output_00042"}},
		{name: "non-flat cosmology", format: FormatFixed,
			edit: func(o *tOutput) { o.info.ol = 0.6 },
			want: []string{"info_00042.txt", "flat"}},
		{name: "conformal birth times read as proper", format: FormatFixed,
			reader: Reader{BirthTime: BirthTimeProper},
			want:   []string{"before the Big Bang", "BirthTime"}},
		{name: "star born after the snapshot", format: FormatDescriptor,
			edit: func(o *tOutput) { o.cpus[0][0].birth = testCos.tau(0.6) },
			want: []string{"output_00042", "after the snapshot", "BirthTime", "conformal"}},
		{name: "NaN birth time", format: FormatFixed,
			edit: func(o *tOutput) { o.cpus[0][0].birth = math.NaN() },
			want: []string{"output_00042", "1 bad ages"}, is: sims.ErrBadParticles},
		{name: "subhalo requested", format: FormatFixed, opt: &sims.ReadOptions{},
			want: []string{"Subhalo = 0", "Subhalo = -1"}},
		{name: "group file", format: FormatFixed, opt: &sims.ReadOptions{Subhalo: -1, GroupFile: "fof_subhalo_tab_042.hdf5"},
			want: []string{"GroupFile", "no group catalogue"}},
		{name: "bad option", format: FormatFixed, reader: Reader{BirthTime: "lookback"},
			want: []string{"BirthTime", `"lookback"`}},
		{name: "radius excludes every star", format: FormatFixed, reader: Reader{CentreKpc: &[3]float64{10, 10, 10}, RadiusKpc: 1},
			want: []string{"none of the 24 stars", "1 kpc"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, _ := galaxy(tc.format, "conformal", cosmoInfo(), testCentre)
			if tc.edit != nil {
				tc.edit(&o)
			}
			dir := writeOutput(t, t.TempDir(), o)
			if tc.mutate != nil {
				tc.mutate(t, dir)
			}
			opt := all
			if tc.opt != nil {
				opt = *tc.opt
			}
			g, err := tc.reader.Read(dir, opt)
			if err == nil {
				t.Fatalf("no error; read %d stars", g.Stars.Len())
			}
			checkErr(t, err, tc.want, tc.is)
		})
	}
}

func TestPathForms(t *testing.T) {
	t.Parallel()
	o, want := galaxy(FormatDescriptor, "conformal", cosmoInfo(), testCentre)
	root := t.TempDir()
	dir := writeOutput(t, root, o)
	// A renamed directory holding one info file also works.
	other := filepath.Join(root, "snap")
	if err := os.Rename(dir, other); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{other, filepath.Join(other, "info_00042.txt")} {
		g, err := Reader{}.Read(p, all)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if g.Stars.Len() != len(want) {
			t.Errorf("%s: %d stars, want %d", p, g.Stars.Len(), len(want))
		}
	}
	if _, err := (Reader{}).Read(filepath.Join(root, "nothing"), all); err == nil || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("missing path: error %v should name it", err)
	}
}

func TestReadInfo(t *testing.T) {
	t.Parallel()
	in := cosmoInfo()
	in.ncpu = 2
	p := filepath.Join(t.TempDir(), "info_00042.txt")
	if err := writeInfo(p, in); err != nil {
		t.Fatal(err)
	}
	got, err := ReadInfo(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.NCPU != 2 || got.NDim != 3 || got.LevelMin != 7 || got.LevelMax != 16 || got.Aexp != in.aexp || got.H0 != in.h0 ||
		got.UnitL != in.ul || got.UnitD != in.ud || got.UnitT != in.ut || got.Time != in.time || got.OmegaB != in.ob {
		t.Errorf("ReadInfo = %+v, want %+v", got, in)
	}
	if !got.Cosmological() {
		t.Error("cosmological output not recognised")
	}
	if v, err := parseFortranFloat("0.5D+01"); err != nil || v != 5 {
		t.Errorf("parseFortranFloat(0.5D+01) = %v, %v", v, err)
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, dir, name string, cut int64) {
	t.Helper()
	p := filepath.Join(dir, name)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	truncateTo(t, dir, name, st.Size()-cut)
}

func truncateTo(t *testing.T, dir, name string, size int64) {
	t.Helper()
	if err := os.Truncate(filepath.Join(dir, name), size); err != nil {
		t.Fatal(err)
	}
}

func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, text...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// corruptTrailer changes the trailing length marker of record rec (1-based)
// of a little-endian part file.
func corruptTrailer(t *testing.T, dir, name string, rec int) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for i := 1; ; i++ {
		n := int(int32(uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24))
		if i == rec {
			b[off+4+n] ^= 0x10
			break
		}
		off += n + 8
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkErr fails t unless err contains every string of want and, when is is
// not nil, wraps is.
func checkErr(t *testing.T, err error, want []string, is error) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %q does not wrap %v", err, is)
	}
}
