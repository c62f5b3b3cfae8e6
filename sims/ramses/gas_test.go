package ramses

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/simstest"
)

// testGas is the gas tree of the tests: refined everywhere to level 2 (a
// 4³ grid), two level-2 cells refined to level 3 (one per CPU) and one of
// those level-3 cells to level 4: 62 + 15 + 8 = 85 leaf cells. Grids with
// centres at x < ½ belong to CPU 1, the others to CPU 2. The density is
// linear in position, so that the sum of density × cell volume over the
// leaves is exactly ∫ρ dV = ρ0 (1 + 0.25 + 0.125 + 0.0625) boxlen³.
func testGas() *tGas {
	return &tGas{
		levelmin: 2, nlevelmax: 4,
		refine: [][4]int{{2, 1, 1, 1}, {2, 2, 2, 1}, {3, 3, 3, 3}},
		owner: func(_ int, c [3]float64) int {
			if c[0] < 0.5 {
				return 0
			}
			return 1
		},
		rho:    func(c [3]float64) float64 { return testRho0 * (1 + 0.5*c[0] + 0.25*c[1] + 0.125*c[2]) },
		metal:  func(c [3]float64) float64 { return 0.001 + 0.02*c[0]*c[1] + 0.001*c[2] },
		desc:   "new",
		ghosts: true,
	}
}

const (
	testRho0   = 0.01 // code density at the origin
	testNLeaf  = 85
	testRhoInt = 1 + 0.25 + 0.125 + 0.0625 // ∫(ρ/ρ0) dV over the unit box
)

// wantGasCell is a gas cell as it should read back, in physical units.
type wantGasCell struct {
	d             [3]float64 // kpc from the centre
	mass, hsml, z float64
}

// expectGas returns the leaf cells of gs within radius kpc of centre (box
// frame, kpc), computed from the tree description and the info units.
func expectGas(gs *tGas, in tInfo, centre [3]float64, radius float64, periodic bool) []wantGasCell {
	_, leaves := gs.build()
	lenKpc := in.ul / kpcCm
	massMsun := in.ud * in.ul * in.ul * in.ul / msunG
	boxKpc := in.boxlen * lenKpc
	var out []wantGasCell
	for _, c := range leaves {
		var w wantGasCell
		var r2 float64
		for k := 0; k < 3; k++ {
			w.d[k] = c.c[k]*boxKpc - centre[k]
			if periodic {
				w.d[k] -= boxKpc * math.Round(w.d[k]/boxKpc)
			}
			r2 += w.d[k] * w.d[k]
		}
		if math.Sqrt(r2) > radius {
			continue
		}
		dx := math.Ldexp(in.boxlen, -c.level) // code units
		rho, z := c.rho, c.metal
		if gs.single {
			rho, z = float64(float32(rho)), float64(float32(z))
		}
		w.mass = rho * dx * dx * dx * massMsun
		w.hsml = math.Cbrt(3/(4*math.Pi)) * dx * lenKpc
		w.z = z
		out = append(out, w)
	}
	return out
}

// checkGas compares g.Gas with want, matching cells by position. Tolerances:
// positions 1e-9 kpc (code positions of up to ~7000 kpc through two float64
// products; a wrong cell offset is off by ≥ 3 kpc), masses and sizes 1e-12
// relative (float64 products), metallicities exact (copied from the file).
func checkGas(t *testing.T, g *sims.Galaxy, want []wantGasCell) {
	t.Helper()
	gas := g.Gas
	if gas.Len() != len(want) {
		t.Fatalf("%d gas cells, want %d (%s)", gas.Len(), len(want), g.Source)
	}
	if len(gas.PosKpc) != len(want) || len(gas.Metallicity) != len(want) || len(gas.HsmlKpc) != len(want) {
		t.Fatalf("gas slice lengths %d, %d, %d; want %d", len(gas.PosKpc), len(gas.Metallicity), len(gas.HsmlKpc), len(want))
	}
	key := func(d [3]float64) [3]int64 {
		return [3]int64{int64(math.Round(d[0] * 1e3)), int64(math.Round(d[1] * 1e3)), int64(math.Round(d[2] * 1e3))}
	}
	byPos := map[[3]int64]wantGasCell{}
	for _, w := range want {
		byPos[key(w.d)] = w
	}
	for i, p := range gas.PosKpc {
		w, ok := byPos[key(p)]
		if !ok {
			t.Fatalf("gas cell %d at %v kpc: no such leaf cell expected", i, p)
		}
		delete(byPos, key(p))
		for k := 0; k < 3; k++ {
			if math.Abs(p[k]-w.d[k]) > 1e-9 {
				t.Errorf("gas cell %d: position %v, want %v", i, p, w.d)
			}
		}
		if !closeRel(gas.MassMsun[i], w.mass, 1e-12) {
			t.Errorf("gas cell %d at %v: mass %v M☉, want %v", i, p, gas.MassMsun[i], w.mass)
		}
		if !closeRel(gas.HsmlKpc[i], w.hsml, 1e-12) {
			t.Errorf("gas cell %d at %v: size %v kpc, want %v", i, p, gas.HsmlKpc[i], w.hsml)
		}
		if gas.Metallicity[i] != w.z {
			t.Errorf("gas cell %d at %v: metallicity %v, want %v", i, p, gas.Metallicity[i], w.z)
		}
	}
}

func closeRel(a, b, rtol float64) bool {
	return math.Abs(a-b) <= rtol*math.Max(math.Abs(a), math.Abs(b))
}

func TestReadGas(t *testing.T) {
	t.Parallel()
	nonCosmoCentre := [3]float64{50, 50, 50}
	box := cosmoInfo().boxlen * cosmoInfo().ul / kpcCm
	corner := [3]float64{1, 1, box - 1}
	withGas := sims.ReadOptions{Subhalo: -1, WithGas: true}
	cases := []struct {
		name   string
		info   tInfo
		centre [3]float64
		edit   func(o *tOutput)
		reader Reader
		radius float64 // of the expected region, kpc
		whole  bool    // the region holds the whole box: check ∫ρ dV
		fixZ   float64 // > 0: every metallicity
	}{
		{name: "new descriptor, ghost blocks, whole box", info: nonCosmoInfo(), centre: nonCosmoCentre,
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000, whole: true},
		{name: "without ghost blocks", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit:   func(o *tOutput) { o.gas.ghosts = false },
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000, whole: true},
		{name: "default region: the farthest star (15 kpc)", info: nonCosmoInfo(), centre: nonCosmoCentre,
			radius: 15},
		{name: "region from RadiusKpc", info: nonCosmoInfo(), centre: nonCosmoCentre,
			reader: Reader{CentreKpc: &nonCosmoCentre, RadiusKpc: 12}, radius: 12},
		{name: "GasRadiusKpc over RadiusKpc", info: nonCosmoInfo(), centre: nonCosmoCentre,
			reader: Reader{CentreKpc: &nonCosmoCentre, RadiusKpc: 12, GasRadiusKpc: 30}, radius: 30},
		{name: "old descriptor, big-endian, AMR without mass_sph", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit: func(o *tOutput) {
				o.bigEndian, o.gas.desc, o.gas.noMassSph, o.gas.extraVar = true, "old", true, true
			},
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000, whole: true},
		{name: "new descriptor, single precision", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit:   func(o *tOutput) { o.gas.single = true },
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000},
		{name: "no descriptor, single precision from record lengths", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit:   func(o *tOutput) { o.gas.single, o.gas.desc = true, "none" },
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000},
		{name: "boundary blocks (nx = 3)", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit:   func(o *tOutput) { o.gas.nboundary = 2 },
			reader: Reader{GasRadiusKpc: 1000}, radius: 1000, whole: true},
		{name: "no descriptor, metal = .false. in the namelist", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit: func(o *tOutput) {
				o.gas.desc, o.namelist = "none", "&PHYSICS_PARAMS\nmetal=.false. ! no metals\n/\n"
			},
			reader: Reader{GasRadiusKpc: 1000, MetallicityIfAbsent: 0.0134}, radius: 1000, fixZ: 0.0134},
		{name: "GasMetalVar", info: nonCosmoInfo(), centre: nonCosmoCentre,
			edit:   func(o *tOutput) { o.gas.extraVar = true },
			reader: Reader{GasRadiusKpc: 1000, GasMetalVar: 7}, radius: 1000, fixZ: 0.5},
		{name: "cosmological, across the periodic boundary", info: cosmoInfo(), centre: corner,
			reader: Reader{CentreKpc: &corner, GasRadiusKpc: 2500}, radius: 2500},
		{name: "cosmological, one worker", info: cosmoInfo(), centre: testCentre,
			reader: Reader{Workers: 1, GasRadiusKpc: 1e5}, radius: 1e5, whole: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, _ := galaxy(FormatDescriptor, map[bool]string{true: "conformal", false: "code"}[tc.info.aexp != 1], tc.info, tc.centre)
			o.gas = testGas()
			if tc.edit != nil {
				tc.edit(&o)
			}
			dir := writeOutput(t, t.TempDir(), o)
			g, err := tc.reader.Read(dir, withGas)
			if err != nil {
				t.Fatal(err)
			}
			simstest.CheckGalaxy(t, g)
			periodic := tc.info.aexp != 1
			want := expectGas(o.gas, tc.info, g.CentreKpc, tc.radius, periodic)
			if len(want) == 0 || (!tc.whole && len(want) == testNLeaf && tc.radius < 1000) {
				t.Fatalf("test setup: %d cells expected", len(want))
			}
			if tc.fixZ > 0 {
				for i := range want {
					want[i].z = tc.fixZ
				}
			}
			checkGas(t, g, want)
			if tc.whole {
				if g.Gas.Len() != testNLeaf {
					t.Errorf("%d gas cells in the whole box, want %d", g.Gas.Len(), testNLeaf)
				}
				var m float64
				for _, x := range g.Gas.MassMsun {
					m += x
				}
				in := tc.info
				wantM := testRho0 * testRhoInt * math.Pow(in.boxlen, 3) * in.ud * in.ul * in.ul * in.ul / msunG
				if !closeRel(m, wantM, 1e-12) { // 1e-12: a sum of 85 float64 products
					t.Errorf("total gas mass %v M☉, want ∫ρ dV = %v", m, wantM)
				}
			}
			if !strings.Contains(g.Source, "gas: ") {
				t.Errorf("Source %q does not describe the gas", g.Source)
			}
		})
	}
}

func TestReadGasAbsent(t *testing.T) {
	t.Parallel()
	withGas := sims.ReadOptions{Subhalo: -1, WithGas: true}
	// No hydro files: a galaxy without gas, not an error.
	o, _ := galaxy(FormatDescriptor, "conformal", cosmoInfo(), testCentre)
	g, err := Reader{}.Read(writeOutput(t, t.TempDir(), o), withGas)
	if err != nil {
		t.Fatal(err)
	}
	if g.Gas != nil {
		t.Errorf("output without hydro files: %d gas cells", g.Gas.Len())
	}
	if !strings.Contains(g.Source, "no gas: no hydro files") {
		t.Errorf("Source %q does not say the output has no gas", g.Source)
	}
	// Hydro files, but gas not asked for.
	o.gas = testGas()
	dir := writeOutput(t, t.TempDir(), o)
	if g, err = (Reader{}).Read(dir, all); err != nil || g.Gas != nil {
		t.Errorf("WithGas = false: gas %v, error %v", g.Gas, err)
	}
	// No leaf cell centre within the radius: no gas.
	c := testCentre
	if g, err = (Reader{CentreKpc: &c, GasRadiusKpc: 1}).Read(dir, withGas); err != nil || g.Gas != nil {
		t.Errorf("no cell within 1 kpc: gas %v, error %v", g.Gas, err)
	}
}

// TestReadGasBadInput checks that unusable AMR and hydro files give errors
// naming the file and the record at fault.
func TestReadGasBadInput(t *testing.T) {
	t.Parallel()
	amr1, hydro2 := "amr_00042.out00001", "hydro_00042.out00002"
	cases := []struct {
		name   string
		edit   func(o *tOutput)
		mutate func(t *testing.T, dir string)
		reader Reader
		want   []string
		is     error
	}{
		{name: "truncated hydro file",
			mutate: func(t *testing.T, dir string) { truncate(t, dir, hydro2, 5) },
			want:   []string{hydro2, "truncated", "level 4"}},
		{name: "corrupt AMR record marker",
			mutate: func(t *testing.T, dir string) { corruptTrailer(t, dir, amr1, 40) },
			want:   []string{amr1, "record 40 ", "marker mismatch"}},
		{name: "truncated AMR header",
			mutate: func(t *testing.T, dir string) { truncateTo(t, dir, amr1, 100) },
			want:   []string{amr1, "truncated"}},
		{name: "missing hydro file",
			mutate: func(t *testing.T, dir string) { remove(t, dir, hydro2) },
			want:   []string{hydro2, "1 of 2 hydro files"}},
		{name: "missing AMR file",
			mutate: func(t *testing.T, dir string) { remove(t, dir, amr1) },
			want:   []string{amr1, "AMR file missing"}},
		{name: "2D AMR file",
			mutate: func(t *testing.T, dir string) { setInt32(t, dir, amr1, 16, 2) },
			want:   []string{amr1, "(ndim)", "ndim = 2", "only 3D"}},
		{name: "descriptor without density",
			mutate: func(t *testing.T, dir string) { editFile(t, dir, "hydro_file_descriptor.txt", " density,", " rho,") },
			want:   []string{"hydro_file_descriptor.txt", `"density"`}},
		{name: "descriptor lists more variables than the file has",
			mutate: func(t *testing.T, dir string) { appendFile(t, dir, "hydro_file_descriptor.txt", " 7, extra, d\n") },
			want:   []string{"hydro_00042.out0000", "nvar = 6", "lists 7"}},
		{name: "descriptor type does not match the records",
			mutate: func(t *testing.T, dir string) {
				editFile(t, dir, "hydro_file_descriptor.txt", "density, d", "density, f")
			},
			want: []string{"hydro_00042.out0000", "(density)", "bytes, want"}},
		{name: "metallicity variable beyond nvar",
			reader: Reader{GasMetalVar: 9},
			want:   []string{"hydro_00042.out0000", "nvar = 6", "metallicity variable 9"}},
		{name: "NaN density",
			edit: func(o *tOutput) {
				rho := o.gas.rho
				o.gas.rho = func(c [3]float64) float64 {
					if c[0] > 0.75 && c[1] > 0.75 && c[2] > 0.75 {
						return math.NaN()
					}
					return rho(c)
				}
			},
			want: []string{hydro2, "1 negative or non-finite densities"}, is: sims.ErrBadParticles},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, _ := galaxy(FormatDescriptor, "conformal", cosmoInfo(), testCentre)
			o.gas = testGas()
			if tc.edit != nil {
				tc.edit(&o)
			}
			dir := writeOutput(t, t.TempDir(), o)
			if tc.mutate != nil {
				tc.mutate(t, dir)
			}
			r := tc.reader
			r.GasRadiusKpc = 1e5
			g, err := r.Read(dir, sims.ReadOptions{Subhalo: -1, WithGas: true})
			if err == nil {
				t.Fatalf("no error; read %d gas cells", g.Gas.Len())
			}
			checkErr(t, err, tc.want, tc.is)
		})
	}
}

// setInt32 overwrites the little-endian int32 at byte off of a file.
func setInt32(t *testing.T, dir, name string, off int, v int32) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[off:], uint32(v))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadHydroDescriptor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "hydro_file_descriptor.txt")
	for _, tc := range []struct {
		text  string
		names []string
		kinds string
		err   string
	}{
		{text: "# version:  1\n# ivar, variable_name, variable_type\n 1, density, d\n 2, velocity_x, f\n",
			names: []string{"density", "velocity_x"}, kinds: "df"},
		{text: "nvar        =          2\nvariable # 1: density\nvariable # 2: thermal_pressure\n",
			names: []string{"density", "thermal_pressure"}, kinds: "\x00\x00"},
		{text: "nvar        =          3\nvariable # 1: density\nvariable # 2: thermal_pressure\n", err: "nvar = 3 but 2 variables"},
		{text: "nvar = 2\nvariable # 2: density\n", err: "line 2"},
		{text: "density\n", err: "line 1"},
	} {
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		names, kinds, err := readHydroDescriptor(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(names, ",") != strings.Join(tc.names, ",") || string(kinds) != tc.kinds {
			t.Errorf("%q: got %v %q %v, want %v %q", tc.text, names, kinds, err, tc.names, tc.kinds)
		}
	}
}

// TestReadGasSkipsCPUs checks that the hydro file of a CPU with no leaf
// cell in the region is not read: it is truncated, and reading a region
// holding only cells of the other CPU still succeeds.
func TestReadGasSkipsCPUs(t *testing.T) {
	t.Parallel()
	in := nonCosmoInfo()
	centre := [3]float64{50, 50, 50}
	o, _ := galaxy(FormatDescriptor, "code", in, centre)
	o.gas = testGas()
	dir := writeOutput(t, t.TempDir(), o)
	truncate(t, dir, "hydro_00042.out00002", 100)
	// Within 6 kpc of the centre: the level-4 cell at (46.875, 46.875,
	// 46.875) kpc, 5.4 kpc away, of the level-4 grid of CPU 1.
	g, err := Reader{CentreKpc: &centre, GasRadiusKpc: 6}.Read(dir, sims.ReadOptions{Subhalo: -1, WithGas: true})
	if err != nil {
		t.Fatal(err)
	}
	checkGas(t, g, expectGas(o.gas, in, centre, 6, false))
	if g.Gas.Len() != 1 || !strings.Contains(g.Source, "from 1 of 2 CPUs") {
		t.Errorf("%d cells; Source %q, want 1 cell from 1 of 2 CPUs", g.Gas.Len(), g.Source)
	}
}

// BenchmarkReadGasLevel6 reads the stars and the gas of a generated output
// whose tree is refined everywhere to level 6 (64³ = 262 144 leaf cells,
// 37 449 octs over two CPUs, ghost copies included: ~41 MB of AMR and hydro
// files), every cell within the region.
func BenchmarkReadGasLevel6(b *testing.B) {
	in := nonCosmoInfo()
	o, _ := galaxy(FormatDescriptor, "code", in, [3]float64{50, 50, 50})
	o.gas = testGas()
	o.gas.levelmin, o.gas.nlevelmax, o.gas.refine = 6, 6, nil
	dir := writeOutput(b, b.TempDir(), o)
	r := Reader{GasRadiusKpc: 1000}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, err := r.Read(dir, sims.ReadOptions{Subhalo: -1, WithGas: true})
		if err != nil {
			b.Fatal(err)
		}
		if g.Gas.Len() != 1<<18 {
			b.Fatalf("%d gas cells, want %d", g.Gas.Len(), 1<<18)
		}
	}
}
