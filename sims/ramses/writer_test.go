package ramses

// A writer of small RAMSES outputs for the tests. It follows, byte for byte,
// what RAMSES writes (no public RAMSES star-particle sample is available to
// the tests):
//
//   - info_NNNNN.txt: amr/output_amr.f90, output_info (Fortran formats
//     '("ncpu        =",I11)' and '("boxlen      =",E23.15)');
//   - part_NNNNN.outCCCCC: pm/output_part.f90, backup_part — Fortran
//     unformatted sequential records (int32 length, payload, int32 length);
//     header ncpu, ndim, npart, localseed(4), nstar_tot, mstar_tot,
//     mstar_lost, nsink; then one record per particle variable;
//   - part_file_descriptor.txt: amr/dump_utils.f90, dump_header_info and
//     dump_var_info ('("# version: ", i2)', '(I2,", ", a, ", ", a)');
//   - header_NNNNN.txt: amr/output_amr.f90, output_header ("Particle fields"
//     line);
//   - amr_NNNNN.outCCCCC: amr/output_amr.f90, backup_amr — the header
//     records, then for each level and each block (CPUs 1 … ncpu, then the
//     boundaries) with grids: grid index, next, prev, 3 centres, father, 6
//     neighbours, 8 sons, 8 CPU maps, 8 refinement flags;
//   - hydro_NNNNN.outCCCCC: hydro/output_hydro.f90, backup_hydro — ncpu,
//     nvar, ndim, nlevelmax, nboundary, gamma, then for each level and block
//     the level, the grid count and, for each of the 8 cells, nvar records;
//   - hydro_file_descriptor.txt: the new layout of amr/dump_utils.f90 or the
//     old one of file_descriptor_hydro ('("nvar        =",I11)',
//     '("variable #",I2,": density")').

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// tParticle is one particle in code units.
type tParticle struct {
	pos, vel     [3]float64
	mass, mass0  float64
	id           int64
	level        int32
	family, tag  int8
	birth, metal float64
}

// tInfo holds the info-file values.
type tInfo struct {
	ncpu                                           int
	boxlen, time, aexp, h0, om, ol, ob, ul, ud, ut float64
}

// tOutput describes one output to write.
type tOutput struct {
	iout   int
	info   tInfo
	format string // FormatFixed or FormatDescriptor
	cpus   [][]tParticle
	// Optional per-particle variables.
	star, metal, initMass bool
	// Fixed format: identity width (4 or 8 bytes) and the nindsink header
	// record of some 2013–2016 versions; sink records appended after the
	// particle variables (nsink = 2).
	idBytes  int
	nindsink bool
	sinks    bool
	// Files beside the part files.
	descriptor bool   // part_file_descriptor.txt (descriptor format)
	header     bool   // header_NNNNN.txt with a "Particle fields" line
	headerXtra string // words appended to that line
	namelist   string // namelist.txt contents when not empty
	infoRT     bool   // info_rt_NNNNN.txt
	bigEndian  bool
	// gas, when set, writes amr and hydro files (one per CPU of cpus).
	gas *tGas
}

// fortranE formats x as Fortran's E23.15 edit descriptor does.
func fortranE(x float64) string {
	if x == 0 {
		return fmt.Sprintf("%23s", "0.000000000000000E+00")
	}
	s := strconv.FormatFloat(math.Abs(x), 'e', 14, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	sign := ""
	if x < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%23s", fmt.Sprintf("%s0.%sE%+03d", sign, strings.Replace(mant, ".", "", 1), e+1))
}

// round15 rounds x to what an E23.15 info line holds.
func round15(x float64) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(fortranE(x)), 64)
	if err != nil {
		panic(err)
	}
	return v
}

func writeInfo(path string, in tInfo) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ncpu        =%11d\n", in.ncpu)
	fmt.Fprintf(&b, "ndim        =%11d\n", 3)
	fmt.Fprintf(&b, "levelmin    =%11d\n", 7)
	fmt.Fprintf(&b, "levelmax    =%11d\n", 16)
	fmt.Fprintf(&b, "ngridmax    =%11d\n", 200000)
	fmt.Fprintf(&b, "nstep_coarse=%11d\n", 321)
	b.WriteString(" \n")
	for _, kv := range []struct {
		k string
		v float64
	}{
		{"boxlen      =", in.boxlen}, {"time        =", in.time}, {"aexp        =", in.aexp},
		{"H0          =", in.h0}, {"omega_m     =", in.om}, {"omega_l     =", in.ol},
		{"omega_k     =", 1 - in.om - in.ol}, {"omega_b     =", in.ob},
		{"unit_l      =", in.ul}, {"unit_d      =", in.ud}, {"unit_t      =", in.ut},
	} {
		b.WriteString(kv.k + fortranE(kv.v) + "\n")
	}
	b.WriteString(" \n")
	fmt.Fprintf(&b, "ordering type=%-80s\n", "hilbert")
	b.WriteString("   DOMAIN   ind_min                 ind_max\n")
	for i := 1; i <= in.ncpu; i++ {
		fmt.Fprintf(&b, "%8d %s %s\n", i, fortranE(float64(i-1)/float64(in.ncpu)*8), fortranE(float64(i)/float64(in.ncpu)*8))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// recWriter writes Fortran unformatted sequential records.
type recWriter struct {
	buf   bytes.Buffer
	order binary.ByteOrder
}

func (w *recWriter) rec(data any) {
	var p bytes.Buffer
	if err := binary.Write(&p, w.order, data); err != nil {
		panic(err)
	}
	var m [4]byte
	w.order.PutUint32(m[:], uint32(p.Len()))
	w.buf.Write(m[:])
	w.buf.Write(p.Bytes())
	w.buf.Write(m[:])
}

// descriptorFields lists the variables written in the descriptor format.
func (o *tOutput) descriptorFields() []field {
	fs := []field{
		{fPosX, 'd'}, {fPosY, 'd'}, {fPosZ, 'd'}, {fVelX, 'd'}, {fVelY, 'd'}, {fVelZ, 'd'},
		{fMass, 'd'}, {fIdentity, 'q'}, {fLevel, 'i'}, {fFamily, 'b'}, {fTag, 'b'},
	}
	if o.star {
		fs = append(fs, field{fBirth, 'd'})
		if o.metal {
			fs = append(fs, field{fMetal, 'd'})
		}
	}
	if o.initMass {
		fs = append(fs, field{fInitMass, 'd'})
	}
	return fs
}

func (o *tOutput) partFile(ps []tParticle) []byte {
	w := &recWriter{order: binary.LittleEndian}
	if o.bigEndian {
		w.order = binary.BigEndian
	}
	n := len(ps)
	nstar := int32(0)
	for _, p := range ps {
		if p.birth != 0 {
			nstar++
		}
	}
	w.rec(int32(o.info.ncpu))
	w.rec(int32(3))
	w.rec(int32(n))
	w.rec([4]int32{-1, 17, 29, 31})
	w.rec(nstar)
	w.rec(float64(0))
	w.rec(float64(0))
	nsink := int32(0)
	if o.sinks {
		nsink = 2
	}
	w.rec(nsink)
	if o.nindsink {
		w.rec(int32(0))
	}
	f64 := func(get func(p tParticle) float64) []float64 {
		v := make([]float64, n)
		for i, p := range ps {
			v[i] = get(p)
		}
		return v
	}
	for k := 0; k < 3; k++ {
		w.rec(f64(func(p tParticle) float64 { return p.pos[k] }))
	}
	for k := 0; k < 3; k++ {
		w.rec(f64(func(p tParticle) float64 { return p.vel[k] }))
	}
	w.rec(f64(func(p tParticle) float64 { return p.mass }))
	if o.format == FormatFixed && o.idBytes != 8 {
		ids := make([]int32, n)
		for i, p := range ps {
			ids[i] = int32(p.id)
		}
		w.rec(ids)
	} else {
		ids := make([]int64, n)
		for i, p := range ps {
			ids[i] = p.id
		}
		w.rec(ids)
	}
	lv := make([]int32, n)
	for i, p := range ps {
		lv[i] = p.level
	}
	w.rec(lv)
	if o.format == FormatDescriptor {
		fam, tag := make([]int8, n), make([]int8, n)
		for i, p := range ps {
			fam[i], tag[i] = p.family, p.tag
		}
		w.rec(fam)
		w.rec(tag)
	}
	if o.star {
		w.rec(f64(func(p tParticle) float64 { return p.birth }))
		if o.metal {
			w.rec(f64(func(p tParticle) float64 { return p.metal }))
		}
	}
	if o.format == FormatDescriptor && o.initMass {
		w.rec(f64(func(p tParticle) float64 { return p.mass0 }))
	}
	if o.sinks {
		w.rec([]float64{1, 2})               // sink masses
		w.rec([]float64{-0.5, -0.4})         // sink birth epochs
		w.rec([]int32{1, 2})                 // sink indices
		w.rec(int32(5))                      // ncloud_sink
		w.rec([]int32{0, 0})                 // new_born (logical)
		w.rec(int32(16))                     // sinkint_level
		w.rec([]float64{0.1, 0.2, 0.3, 0.4}) // an unrelated extra record
	}
	return w.buf.Bytes()
}

// writeOutput writes o under root and returns the output directory.
func writeOutput(t testing.TB, root string, o tOutput) string {
	t.Helper()
	iout := fmt.Sprintf("%05d", o.iout)
	dir := filepath.Join(root, "output_"+iout)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o.info.ncpu = len(o.cpus)
	if err := writeInfo(filepath.Join(dir, "info_"+iout+".txt"), o.info); err != nil {
		t.Fatal(err)
	}
	for c, ps := range o.cpus {
		name := filepath.Join(dir, fmt.Sprintf("part_%s.out%05d", iout, c+1))
		if err := os.WriteFile(name, o.partFile(ps), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.descriptor {
		var b strings.Builder
		fmt.Fprintf(&b, "# version: %2d\n", 1)
		fmt.Fprintf(&b, "# %s, %s, %s\n", "ivar", "variable_name", "variable_type")
		for i, f := range o.descriptorFields() {
			fmt.Fprintf(&b, "%2d, %s, %c\n", i+1, f.name, f.kind)
		}
		if err := os.WriteFile(filepath.Join(dir, "part_file_descriptor.txt"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.header {
		var b strings.Builder
		fmt.Fprintf(&b, "#%12s%10s\n", "Family", "Count")
		for _, fam := range []string{"other_tracer", "debris_tracer", "cloud_tracer", "star_tracer", "other_tracer", "gas_tracer", "DM", "star", "cloud", "debris", "other", "undefined"} {
			fmt.Fprintf(&b, "%13s%10d\n", fam, 0)
		}
		b.WriteString(" Particle fields\n")
		words := "pos vel mass iord level "
		if o.format == FormatDescriptor {
			words += "family tag "
		}
		if o.star {
			words += "tform "
			if o.metal {
				words += "metal "
			}
		}
		b.WriteString(words + o.headerXtra)
		if err := os.WriteFile(filepath.Join(dir, "header_"+iout+".txt"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.namelist != "" {
		if err := os.WriteFile(filepath.Join(dir, "namelist.txt"), []byte(o.namelist), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.gas != nil {
		order := binary.ByteOrder(binary.LittleEndian)
		if o.bigEndian {
			order = binary.BigEndian
		}
		o.gas.write(t, dir, iout, o.info, len(o.cpus), order)
	}
	if o.infoRT {
		if err := os.WriteFile(filepath.Join(dir, "info_rt_"+iout+".txt"), []byte("nRTvar      =          4\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Independent cosmology for the expectations: numerical quadrature with
// gonum's 64-point Gauss–Legendre rule of RAMSES's Friedmann derivatives
// (utils/f90/utils.f90, friedman: dadtau = √(a³(Ωm + ΩΛa³ + Ωk a)),
// dadt = √((Ωm + ΩΛa³ + Ωk a)/a)), not the package's table or the closed
// form of cosmo.

type testCosmo struct{ h0, om, ol float64 }

func (c testCosmo) ok() float64 { return 1 - c.om - c.ol }

func (c testCosmo) dadtau(a float64) float64 {
	return math.Sqrt(a * a * a * (c.om + c.ol*a*a*a + c.ok()*a))
}

func (c testCosmo) dadt(a float64) float64 {
	return math.Sqrt((c.om + c.ol*a*a*a + c.ok()*a) / a)
}

// tau returns the conformal time at a (units 1/H0, zero at a = 1),
// integrating dτ = da/dadtau in x = ln a (smooth integrand).
func (c testCosmo) tau(a float64) float64 {
	f := func(x float64) float64 { a := math.Exp(x); return a / c.dadtau(a) }
	if a < 1 {
		return -quad.Fixed(f, math.Log(a), 0, 64, quad.Legendre{}, 0)
	}
	return quad.Fixed(f, 0, math.Log(a), 64, quad.Legendre{}, 0)
}

// hubbleTimeGyr returns 1/H0 in Gyr.
func (c testCosmo) hubbleTimeGyr() float64 {
	const mpcKm, gyrS = 3.0856775814913673e19, 3.15576e16
	return mpcKm / c.h0 / gyrS
}

// ageGyr returns the cosmic time at a, integrating dt = da/dadt with
// a = u² (smooth integrand near the Big Bang).
func (c testCosmo) ageGyr(a float64) float64 {
	f := func(u float64) float64 { return 2 * u / c.dadt(u*u) }
	return c.hubbleTimeGyr() * quad.Fixed(f, 0, math.Sqrt(a), 64, quad.Legendre{}, 0)
}

// wantStar is what a star should read back as, in physical units.
type wantStar struct {
	posKpc, velKms [3]float64
	mass, mass0, z float64
	formation, age float64
}

// Scenario constants.
var (
	testCos    = testCosmo{h0: 70, om: 0.3, ol: 0.7}
	testAexp   = 0.5
	testCentre = [3]float64{3000, 4000, 5000} // kpc, physical
	testBulk   = [3]float64{100, -50, 30}     // km/s
)

// Unit constants of the expectations, written out independently of the
// package's (the values the package documents).
const (
	mpcCm  = 3.0856775814913673e24
	kpcCm  = 3.0856775814913673e21
	msunG  = 1.98841e33
	kmCm   = 1e5
	gyrSec = 3.15576e16
)

// cosmoInfo returns the info of a cosmological test output at testAexp: a
// 10 Mpc/h comoving box with RAMSES's cosmological units.
func cosmoInfo() tInfo {
	h := testCos.h0 / 100
	a := testAexp
	return tInfo{
		boxlen: 1, time: round15(testCos.tau(a)), aexp: a, h0: testCos.h0, om: testCos.om, ol: testCos.ol, ob: 0.045,
		ul: round15(a * 10 / h * mpcCm),
		ud: round15(testCos.om * 1.8784e-29 * h * h / (a * a * a)),
		ut: round15(a * a / (testCos.h0 * 1e5 / mpcCm)),
	}
}

// nonCosmoInfo returns the info of an isolated-galaxy run (RAMSES defaults
// aexp = 1, H0 = 1, Ωm = 1, ΩΛ = 0; units kpc, 10⁹ M☉/kpc³, G = 1).
func nonCosmoInfo() tInfo {
	return tInfo{
		boxlen: 100, time: 2.5, aexp: 1, h0: 1, om: 1, ol: 0, ob: 0,
		ul: round15(3.0856775814913673e21), ud: round15(6.767e-23), ut: round15(4.7e14),
	}
}

// galaxy builds 24 stars in 12 mirror-symmetric pairs about centre (so that
// their centre of mass is exactly the centre), spread over two CPUs with
// dark matter and other non-star particles, in the given format and
// birth-time convention ("conformal", "proper" or "code"). Ten pairs within
// 8 kpc have mirrored velocities about testBulk; the pair at 9 kpc moves
// with testBulk + (0, 40, 0) and the pair at 15 kpc with testBulk +
// (500, 0, 0), so the bulk velocity depends on which stars it averages. It
// returns the output and the stars as they should read back, in file order.
func galaxy(format, conv string, in tInfo, centre [3]float64) (tOutput, []wantStar) {
	o := tOutput{iout: 42, info: in, format: format, star: true, metal: true, cpus: make([][]tParticle, 2)}
	if format == FormatDescriptor {
		o.descriptor, o.header, o.initMass = true, true, true
	}
	lenKpc := in.ul / kpcCm
	velKms := in.ul / in.ut / kmCm
	massMsun := in.ud * in.ul * in.ul * in.ul / msunG
	boxKpc := in.boxlen * lenKpc
	tH := testCos.hubbleTimeGyr()
	tSnap := testCos.ageGyr(in.aexp)
	if conv == "code" {
		tSnap = in.time * in.ut / gyrSec
	}
	var want []wantStar
	id := int64(1)
	const nstar = 24
	for j := 0; j < nstar/2; j++ {
		r := 0.5 + 0.8*float64(j)
		th := 0.7 * float64(j)
		d := [3]float64{r * math.Cos(th), r * math.Sin(th), 0.3*float64(j%4) - 0.4}
		dv := [3]float64{30 * float64(j), -20 + 5*float64(j), 10 * float64(j%4)}
		m := 1e5 * float64(1+j%3)
		var shift [3]float64 // velocity common to both members of the pair
		switch j {
		case 10:
			d = [3]float64{9, 0, 0}
			dv, shift = [3]float64{}, [3]float64{0, 40, 0}
		case 11:
			d = [3]float64{0, 9, 12}
			dv, shift = [3]float64{}, [3]float64{500, 0, 0}
		}
		for _, sgn := range []float64{1, -1} {
			k := len(want)
			var ws wantStar
			for c := 0; c < 3; c++ {
				ws.posKpc[c] = centre[c] + sgn*d[c]
				ws.velKms[c] = testBulk[c] + shift[c] + sgn*dv[c]
			}
			ws.mass = m
			ws.mass0 = m
			ws.z = 0.001 * float64(k+1)
			p := tParticle{id: id, level: 12, family: familyStar, metal: ws.z}
			id++
			for c := 0; c < 3; c++ {
				x := ws.posKpc[c]
				if in.aexp != 1 {
					x -= boxKpc * math.Floor(x/boxKpc) // stored inside the periodic box
				}
				p.pos[c] = x / lenKpc
				p.vel[c] = ws.velKms[c] / velKms
			}
			p.mass = m / massMsun
			if format == FormatDescriptor {
				ws.mass0 = 1.25 * m
				p.mass0 = ws.mass0 / massMsun
			}
			switch conv {
			case "conformal", "proper":
				// Birth scale factors from 0.1 to aexp (the last star is
				// born at the snapshot: age 0).
				a := 0.1 + (in.aexp-0.1)*float64(k)/(nstar-1)
				if conv == "conformal" {
					p.birth = testCos.tau(a)
				} else {
					p.birth = (testCos.ageGyr(a) - testCos.ageGyr(1)) / tH
				}
				ws.formation = testCos.ageGyr(a)
			case "code":
				// Code time; the first stars are initial-condition stars
				// with negative birth times.
				p.birth = -3 + (in.time+3)*float64(k)/(nstar-1)
				ws.formation = p.birth * in.ut / gyrSec
			}
			ws.age = tSnap - ws.formation
			cpu := 0
			if k >= nstar/2 {
				cpu = 1
			}
			o.cpus[cpu] = append(o.cpus[cpu], p)
			want = append(want, ws)
		}
	}
	// Non-star particles, interleaved: dark matter (birth time 0), a sink
	// cloud particle (old format: negative identity and a birth time; new
	// format: family 3) and a star tracer (family −2).
	for c := 0; c < 2; c++ {
		var ps []tParticle
		for i, p := range o.cpus[c] {
			ps = append(ps, p)
			dm := tParticle{id: id, level: 10, family: 1, mass: 1e7 / massMsun}
			id++
			for k := 0; k < 3; k++ {
				dm.pos[k] = in.boxlen * math.Mod(0.123*float64(i+1)+0.31*float64(k)+0.5*float64(c), 1)
				dm.vel[k] = float64(k-i) * 1e-3
			}
			ps = append(ps, dm)
		}
		cloud := o.cpus[c][0]
		cloud.id, cloud.family, cloud.birth = -7, 3, o.cpus[c][0].birth
		ps = append(ps, cloud)
		if format == FormatDescriptor {
			tr := o.cpus[c][1]
			tr.id, tr.family = id, -2
			id++
			ps = append(ps, tr)
		}
		o.cpus[c] = ps
	}
	return o, want
}

// tGas describes the AMR gas of a test output: a tree refined everywhere
// up to levelmin, with the cells listed in refine refined further, over a
// domain of one coarse cell (nx = 1, or nx = 3 with boundary blocks, as in
// RAMSES's isolated runs). Box units: the domain is [0, 1]³; code position =
// box position × boxlen.
type tGas struct {
	levelmin, nlevelmax int
	// refine lists cells (level, and integer coordinates at that level)
	// refined beyond levelmin.
	refine [][4]int
	// owner returns the CPU (0-based) owning a grid of the given level and
	// centre (box units).
	owner func(level int, c [3]float64) int
	// rho and metal give the code density and metal fraction of a cell
	// from its centre (box units).
	rho, metal func(c [3]float64) float64
	nboundary  int    // > 0: nx = 3 and boundary blocks holding fake grids
	desc       string // "new", "old" or "none"
	single     bool   // hydro reals as float32 (type f in the new descriptor)
	noMassSph  bool   // AMR header without mass_sph (old versions)
	ghosts     bool   // write the other CPUs' grids as ghost blocks
	extraVar   bool   // a passive scalar (0.5 everywhere) after metallicity
}

// tGrid is one oct: level (1-based), centre in box units, and for each
// cell whether it is refined.
type tGrid struct {
	level   int
	c       [3]float64
	refined [8]bool
	owner   int
}

// tCell is one leaf cell as the tests expect it.
type tCell struct {
	level int
	c     [3]float64 // box units
	rho   float64    // code units
	metal float64
}

// offsets of cell ind in an oct, in cell sizes (RAMSES: x fastest).
func tCellOffset(ind int) [3]float64 {
	return [3]float64{float64(ind&1) - 0.5, float64(ind>>1&1) - 0.5, float64(ind>>2&1) - 0.5}
}

// build returns the grids by level (index 0: level 1) and the leaf cells.
func (gs *tGas) build() ([][]tGrid, []tCell) {
	ref := map[[4]int]bool{}
	for _, r := range gs.refine {
		ref[r] = true
	}
	levels := make([][]tGrid, gs.nlevelmax)
	levels[0] = []tGrid{{level: 1, c: [3]float64{0.5, 0.5, 0.5}}}
	var leaves []tCell
	for l := 1; l <= gs.nlevelmax; l++ {
		dx := math.Ldexp(1, -l)
		for gi := range levels[l-1] {
			g := &levels[l-1][gi]
			g.owner = gs.owner(l, g.c)
			for ind := 0; ind < 8; ind++ {
				o := tCellOffset(ind)
				var c [3]float64
				var key [4]int
				key[0] = l
				for k := 0; k < 3; k++ {
					c[k] = g.c[k] + o[k]*dx
					key[k+1] = int(math.Floor(c[k] / dx))
				}
				if l < gs.nlevelmax && (l < gs.levelmin || ref[key]) {
					g.refined[ind] = true
					levels[l] = append(levels[l], tGrid{level: l + 1, c: c})
					continue
				}
				leaves = append(leaves, tCell{level: l, c: c, rho: gs.rho(c), metal: gs.metal(c)})
			}
		}
	}
	return levels, leaves
}

// varNames returns the hydro variables written, new-layout names.
func (gs *tGas) varNames() []string {
	v := []string{"density", "velocity_x", "velocity_y", "velocity_z", "pressure", "metallicity"}
	if gs.extraVar {
		v = append(v, "scalar_01")
	}
	return v
}

// value returns variable v of a cell (boundary: fake values).
func (gs *tGas) value(v int, c [3]float64, boundary bool) float64 {
	if boundary {
		return 1e6
	}
	switch v {
	case 0:
		return gs.rho(c)
	case 5:
		return gs.metal(c)
	case 6:
		return 0.5
	}
	return float64(v) - 2.5 + c[0]
}

func (gs *tGas) write(t testing.TB, dir, iout string, in tInfo, ncpu int, order binary.ByteOrder) {
	t.Helper()
	levels, _ := gs.build()
	nx, skip := 1, 0.0
	if gs.nboundary > 0 {
		nx, skip = 3, 1
	}
	nl := gs.nlevelmax
	// Boundary blocks: one fake grid per boundary at level 1 (outside the
	// domain, unrefined).
	boundary := func(l, b int) []tGrid {
		if l != 1 {
			return nil
		}
		return []tGrid{{level: 1, c: [3]float64{-0.5 - float64(b), 0.5, 0.5}}}
	}
	for cpu := 0; cpu < ncpu; cpu++ {
		// Blocks of this file: own grids, ghost copies of the others'.
		blocks := make([][][]tGrid, nl) // [level][block]
		for l := 1; l <= nl; l++ {
			blocks[l-1] = make([][]tGrid, ncpu+gs.nboundary)
			for _, g := range levels[l-1] {
				if g.owner == cpu || gs.ghosts {
					blocks[l-1][g.owner] = append(blocks[l-1][g.owner], g)
				}
			}
			for b := 0; b < gs.nboundary; b++ {
				blocks[l-1][ncpu+b] = boundary(l, b)
			}
		}
		numbl := make([]int32, ncpu*nl)
		numbb := make([]int32, gs.nboundary*nl)
		ngrid := int32(0)
		for l := 0; l < nl; l++ {
			for ib := 0; ib < ncpu; ib++ {
				numbl[l*ncpu+ib] = int32(len(blocks[l][ib]))
			}
			for b := 0; b < gs.nboundary; b++ {
				numbb[l*gs.nboundary+b] = int32(len(blocks[l][ncpu+b]))
			}
			ngrid += int32(len(blocks[l][cpu]))
		}
		f64s := func(n int, v float64) []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = v + float64(i)
			}
			return x
		}
		i32s := func(n int, v int32) []int32 {
			x := make([]int32, n)
			for i := range x {
				x[i] = v + int32(i)
			}
			return x
		}
		w := &recWriter{order: order}
		w.rec(int32(ncpu))
		w.rec(int32(3))
		w.rec([3]int32{int32(nx), int32(nx), int32(nx)})
		w.rec(int32(nl))
		w.rec(int32(1000))
		w.rec(int32(gs.nboundary))
		w.rec(ngrid)
		w.rec(in.boxlen) // nx_loc = 1: the info file's boxlen
		w.rec([3]int32{2, 2, 2})
		w.rec([]float64{0.25, 0.5})
		w.rec([]float64{in.aexp / 2, in.aexp})
		w.rec(in.time)
		w.rec(f64s(nl, 1e-4))
		w.rec(f64s(nl, 2e-4))
		w.rec([2]int32{1234, 321})
		w.rec([3]float64{0, 1, 2})
		w.rec([7]float64{in.om, in.ol, 1 - in.om - in.ol, in.ob, in.h0, 0.01, 1})
		w.rec([5]float64{in.aexp, 1, in.aexp, 0, 0})
		if !gs.noMassSph {
			w.rec(float64(1e-9))
		}
		w.rec(i32s(ncpu*nl, 1)) // headl
		w.rec(i32s(ncpu*nl, 1)) // taill
		w.rec(numbl)
		w.rec(make([]int32, 10*nl))
		if gs.nboundary > 0 {
			w.rec(i32s(gs.nboundary*nl, 1))
			w.rec(i32s(gs.nboundary*nl, 1))
			w.rec(numbb)
		}
		w.rec([5]int32{1, 2, 3, 4, 5})
		w.rec([]byte(fmt.Sprintf("%-128s", "hilbert")))
		w.rec(f64s(ncpu+1, 0))
		ncoarse := nx * nx * nx
		w.rec(i32s(ncoarse, 1)) // coarse son
		w.rec(make([]int32, ncoarse))
		w.rec(i32s(ncoarse, 1))
		for l := 0; l < nl; l++ {
			for ib := 0; ib < ncpu+gs.nboundary; ib++ {
				gr := blocks[l][ib]
				n := len(gr)
				if n == 0 {
					continue
				}
				w.rec(i32s(n, 10))
				w.rec(i32s(n, 11))
				w.rec(i32s(n, 9))
				for k := 0; k < 3; k++ {
					xg := make([]float64, n)
					for i, g := range gr {
						xg[i] = g.c[k] + skip
					}
					w.rec(xg)
				}
				w.rec(i32s(n, 3))
				for k := 0; k < 6; k++ {
					w.rec(i32s(n, 5))
				}
				for ind := 0; ind < 8; ind++ {
					son := make([]int32, n)
					for i, g := range gr {
						if g.refined[ind] {
							son[i] = int32(100 + i)
						}
					}
					w.rec(son)
				}
				for ind := 0; ind < 8; ind++ {
					cm := make([]int32, n)
					for i := range cm {
						cm[i] = int32(ib%ncpu + 1)
					}
					w.rec(cm)
				}
				for ind := 0; ind < 8; ind++ {
					w.rec(make([]int32, n))
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("amr_%s.out%05d", iout, cpu+1)), w.buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}

		// Hydro file.
		nvar := len(gs.varNames())
		h := &recWriter{order: order}
		h.rec(int32(ncpu))
		h.rec(int32(nvar))
		h.rec(int32(3))
		h.rec(int32(nl))
		h.rec(int32(gs.nboundary))
		h.rec(float64(5.0 / 3))
		for l := 0; l < nl; l++ {
			dx := math.Ldexp(1, -(l + 1))
			for ib := 0; ib < ncpu+gs.nboundary; ib++ {
				gr := blocks[l][ib]
				h.rec(int32(l + 1))
				h.rec(int32(len(gr)))
				if len(gr) == 0 {
					continue
				}
				for ind := 0; ind < 8; ind++ {
					o := tCellOffset(ind)
					for v := 0; v < nvar; v++ {
						vals := make([]float64, len(gr))
						for i, g := range gr {
							var c [3]float64
							for k := range c {
								c[k] = g.c[k] + o[k]*dx
							}
							vals[i] = gs.value(v, c, ib >= ncpu)
						}
						if gs.single {
							v32 := make([]float32, len(vals))
							for i, x := range vals {
								v32[i] = float32(x)
							}
							h.rec(v32)
						} else {
							h.rec(vals)
						}
					}
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("hydro_%s.out%05d", iout, cpu+1)), h.buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var b strings.Builder
	switch gs.desc {
	case "new":
		fmt.Fprintf(&b, "# version: %2d\n", 1)
		fmt.Fprintf(&b, "# %s, %s, %s\n", "ivar", "variable_name", "variable_type")
		kind := 'd'
		if gs.single {
			kind = 'f'
		}
		for i, n := range gs.varNames() {
			fmt.Fprintf(&b, "%2d, %s, %c\n", i+1, n, kind)
		}
	case "old":
		names := []string{"density", "velocity_x", "velocity_y", "velocity_z", "thermal_pressure", "passive_scalar_1"}
		if gs.extraVar {
			names = append(names, "passive_scalar_2")
		}
		fmt.Fprintf(&b, "nvar        =%11d\n", len(names))
		for i, n := range names {
			fmt.Fprintf(&b, "variable #%2d: %s\n", i+1, n)
		}
	default:
		return
	}
	if err := os.WriteFile(filepath.Join(dir, "hydro_file_descriptor.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
