package arepo

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/internal/h5"
	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/simstest"
)

const (
	camelsSnap = "../../testdata/camels/camels_snap.hdf5"
	camelsSub  = "../../testdata/camels/camels_subhalo.hdf5"
)

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// TestCAMELSSubhalo3 checks the reader against numpy on the same file
// (testdata/README.md): 726 stars, 9.568e9 M☉ (0.1 %: the reference is given
// to 4 digits), Re3D = 4.881 kpc (1 %: the interpolation of the half-mass
// crossing differs from numpy's nearest particle by up to one interparticle gap).
func TestCAMELSSubhalo3(t *testing.T) {
	t.Parallel()
	g, err := Reader{}.Read(camelsSnap, sims.ReadOptions{GroupFile: camelsSub, Subhalo: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := g.Stars.Len(); n != 726 {
		t.Errorf("stars: got %d, want 726", n)
	}
	if e := relErr(g.StellarMassMsun(), 9.568e9); e > 1e-3 {
		t.Errorf("stellar mass: got %.4g M☉, want 9.568e9 (rel err %.2g)", g.StellarMassMsun(), e)
	}
	if e := relErr(g.Truth.Re3DKpc, 4.881); e > 0.01 {
		t.Errorf("Re3D: got %.4f kpc, want 4.881 (rel err %.2g)", g.Truth.Re3DKpc, e)
	}
	if g.Truth.Aperture != "all" || g.Truth.Family != sims.FamilyReal {
		t.Errorf("truth: aperture %q family %q", g.Truth.Aperture, g.Truth.Family)
	}
	if math.Abs(g.Redshift-(1/0.909046978208372-1)) > 1e-9 || g.HubbleParam != 0.6711 {
		t.Errorf("header: z = %v, h = %v", g.Redshift, g.HubbleParam)
	}
	// Ages: cosmic time at a = 0.909 with h = 0.6711, Ω_m = 0.3 is ~12.4 Gyr;
	// formation scale factors span 0.120–0.883 (SOURCES.md), so ages lie in
	// (0, t_snap − t(0.12)].
	c := cosmo.FlatLCDM{H0: 67.11, OmegaM: 0.3}
	maxAge := c.AgeAtScaleFactor(0.909046978208372) - c.AgeAtScaleFactor(0.119)
	for i, a := range g.Stars.AgeGyr {
		if a < 0 || a > maxAge {
			t.Fatalf("star %d: age %v Gyr outside [0, %v]", i, a, maxAge)
		}
	}
	if len(g.Stars.HsmlKpc) != 726 || g.Stars.VelKms != nil {
		t.Errorf("hsml %d entries (want 726), velocities %d (want none: the file has none)", len(g.Stars.HsmlKpc), len(g.Stars.VelKms))
	}
	simstest.CheckGalaxy(t, g)
}

// TestCAMELSAllSubhaloes checks that the selections tile the snapshot.
func TestCAMELSAllSubhaloes(t *testing.T) {
	t.Parallel()
	want := []int{278, 656, 441, 726, 8, 26, 569, 165, 149, 461}
	all, err := Reader{}.Read(camelsSnap, sims.ReadOptions{Subhalo: -1})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for k, n := range want {
		g, err := Reader{}.Read(camelsSnap, sims.ReadOptions{GroupFile: camelsSub, Subhalo: k, WithGas: true})
		if err != nil {
			t.Fatalf("subhalo %d: %v", k, err)
		}
		if g.Stars.Len() != n {
			t.Errorf("subhalo %d: %d stars, want %d", k, g.Stars.Len(), n)
		}
		sum += g.StellarMassMsun()
	}
	if e := relErr(sum, all.StellarMassMsun()); e > 1e-12 {
		t.Errorf("sum of subhalo masses %v != total %v", sum, all.StellarMassMsun())
	}
	if all.Stars.Len() != 3479 {
		t.Errorf("all stars: %d, want 3479", all.Stars.Len())
	}
}

func TestCAMELSGas(t *testing.T) {
	t.Parallel()
	g, err := Reader{}.Read(camelsSnap, sims.ReadOptions{GroupFile: camelsSub, Subhalo: 0, WithGas: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.Gas.Len() != 64 {
		t.Errorf("gas cells: got %d, want 64", g.Gas.Len())
	}
	if len(g.Gas.HsmlKpc) != 64 || len(g.Gas.SFRMsunYr) != 64 {
		t.Errorf("gas hsml/sfr lengths %d/%d", len(g.Gas.HsmlKpc), len(g.Gas.SFRMsunYr))
	}
}

// plummerGalaxy makes a built-in-like galaxy with n stars.
func plummerGalaxy(n int, seed uint64) *sims.Galaxy {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := cosmo.Default()
	g := &sims.Galaxy{TimeGyr: c.AgeGyr(2), Redshift: 2, ScaleFactor: 1.0 / 3, HubbleParam: 0.7, OmegaM: 0.3}
	s := &g.Stars
	for i := 0; i < n; i++ {
		u := rng.Float64()
		r := 2 / math.Sqrt(math.Pow(u, -2.0/3)-1)
		ct := 2*rng.Float64() - 1
		ph := 2 * math.Pi * rng.Float64()
		st := math.Sqrt(1 - ct*ct)
		s.PosKpc = append(s.PosKpc, [3]float64{r * st * math.Cos(ph), r * st * math.Sin(ph), r * ct})
		s.VelKms = append(s.VelKms, [3]float64{rng.NormFloat64() * 50, rng.NormFloat64() * 50, rng.NormFloat64() * 50})
		m0 := 1e5 * (1 + rng.Float64())
		s.InitialMassMsun = append(s.InitialMassMsun, m0)
		s.MassMsun = append(s.MassMsun, 0.7*m0)
		tf := g.TimeGyr * rng.Float64()
		s.FormationTimeGyr = append(s.FormationTimeGyr, tf)
		s.AgeGyr = append(s.AgeGyr, g.TimeGyr-tf)
		s.Metallicity = append(s.Metallicity, 0.02*rng.Float64())
		s.Component = append(s.Component, uint8(i%3))
	}
	g.Truth = sims.NewTruth()
	g.Truth.GalaxyID, g.Truth.Family, g.Truth.Snapshot = 1234, sims.FamilyCompaction, 7
	g.Truth.Phase, g.Truth.TCompactionGyr = sims.PhaseCompaction, 3.1
	g.Truth.RvirKpc = 80
	sims.MeasureTruth(g)
	return g
}

// TestRoundTrip writes a built-in galaxy and reads it back: positions to
// 1e-9 kpc and ages to 1e-9 Gyr (double precision with the a/h conversions
// and the exact inverse t(a)), truth labels exactly.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	g := plummerGalaxy(2000, 1)
	path := filepath.Join(t.TempDir(), "snap.hdf5")
	if err := Write(path, g, Meta{Version: "test", ConfigHash: "abc", Seed: 9}); err != nil {
		t.Fatal(err)
	}
	back, err := Reader{}.Read(path, sims.ReadOptions{Subhalo: -1})
	if err != nil {
		t.Fatal(err)
	}
	simstest.CheckGalaxy(t, back)
	if back.Stars.Len() != g.Stars.Len() {
		t.Fatalf("stars: %d, want %d", back.Stars.Len(), g.Stars.Len())
	}
	var worstPos, worstAge, worstV, worstM float64
	for i := range g.Stars.PosKpc {
		for k := 0; k < 3; k++ {
			worstPos = math.Max(worstPos, math.Abs(back.Stars.PosKpc[i][k]-g.Stars.PosKpc[i][k]))
			worstV = math.Max(worstV, math.Abs(back.Stars.VelKms[i][k]-g.Stars.VelKms[i][k]))
		}
		worstAge = math.Max(worstAge, math.Abs(back.Stars.AgeGyr[i]-g.Stars.AgeGyr[i]))
		worstM = math.Max(worstM, relErr(back.Stars.InitialMassMsun[i], g.Stars.InitialMassMsun[i]))
		if back.Stars.Component[i] != g.Stars.Component[i] {
			t.Fatalf("star %d: component %d, want %d", i, back.Stars.Component[i], g.Stars.Component[i])
		}
	}
	// The reader subtracts the mean velocity within 10 kpc; the written galaxy has
	// BulkVel 0, so velocities come back shifted by that mean: compare after it.
	worstV = 0
	for i := range g.Stars.VelKms {
		for k := 0; k < 3; k++ {
			worstV = math.Max(worstV, math.Abs(back.Stars.VelKms[i][k]+back.BulkVelKms[k]-g.Stars.VelKms[i][k]))
		}
	}
	if worstPos > 1e-9 || worstAge > 1e-9 || worstV > 1e-9 || worstM > 1e-12 {
		t.Errorf("round trip: worst |Δpos| %g kpc, |Δage| %g Gyr, |Δv| %g km/s, mass rel %g", worstPos, worstAge, worstV, worstM)
	}
	gt, bt := g.Truth, back.Truth
	if gt.GalaxyID != bt.GalaxyID || gt.Family != bt.Family || gt.Snapshot != bt.Snapshot ||
		gt.Phase != bt.Phase || gt.MergerStage != bt.MergerStage || gt.Re3DKpc != bt.Re3DKpc ||
		gt.TCompactionGyr != bt.TCompactionGyr || gt.Aperture != bt.Aperture || !math.IsNaN(bt.MassRatio) {
		t.Errorf("truth: got %+v, want %+v", bt, gt)
	}
}

// TestMultiFile splits a snapshot into two files and checks the reader joins them.
func TestMultiFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	g := plummerGalaxy(1000, 2)
	one := filepath.Join(dir, "one.hdf5")
	if err := Write(one, g, Meta{}); err != nil {
		t.Fatal(err)
	}
	f, err := h5.Open(one)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]float64{}
	for _, name := range []string{"Coordinates", "Masses", "GFM_InitialMass", "GFM_Metallicity", "GFM_StellarFormationTime"} {
		v, _, err := f.Float64s("PartType4/" + name)
		if err != nil {
			t.Fatal(err)
		}
		cols[name] = v
	}
	f.Close()
	split := []int{0, 400, 1000}
	for k := 0; k < 2; k++ {
		w, err := h5.Create(filepath.Join(dir, "snap_010."+string(rune('0'+k))+".hdf5"))
		if err != nil {
			t.Fatal(err)
		}
		w.Attr("Header/Time", g.ScaleFactor)
		w.Attr("Header/HubbleParam", g.HubbleParam)
		w.Attr("Header/Omega0", g.OmegaM)
		w.Attr("Header/NumFilesPerSnapshot", int64(2))
		lo, hi := split[k], split[k+1]
		w.Float64s("PartType4/Coordinates", cols["Coordinates"][3*lo:3*hi], hi-lo, 3)
		for _, name := range []string{"Masses", "GFM_InitialMass", "GFM_Metallicity", "GFM_StellarFormationTime"} {
			w.Float64s("PartType4/"+name, cols[name][lo:hi])
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	back, err := Reader{}.Read(filepath.Join(dir, "snap_010.0.hdf5"), sims.ReadOptions{Subhalo: -1})
	if err != nil {
		t.Fatal(err)
	}
	if back.Stars.Len() != 1000 || relErr(back.StellarMassMsun(), g.StellarMassMsun()) > 1e-12 {
		t.Errorf("multi-file: %d stars, mass %v; want 1000, %v", back.Stars.Len(), back.StellarMassMsun(), g.StellarMassMsun())
	}
	os.Remove(filepath.Join(dir, "snap_010.1.hdf5"))
	if _, err := (Reader{}).Read(filepath.Join(dir, "snap_010.0.hdf5"), sims.ReadOptions{Subhalo: -1}); err == nil ||
		!strings.Contains(err.Error(), "file 1 of 2 missing") {
		t.Errorf("missing second file: got %v", err)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.hdf5")
	os.WriteFile(text, []byte("this is not HDF5\n"), 0o644)
	full, _ := os.ReadFile(camelsSnap)
	trunc := filepath.Join(dir, "truncated.hdf5")
	os.WriteFile(trunc, full[:len(full)/2], 0o644)

	// A snapshot with NaN coordinates and negative masses.
	bad := filepath.Join(dir, "nan.hdf5")
	w, _ := h5.Create(bad)
	w.Attr("Header/Time", 0.5)
	w.Attr("Header/HubbleParam", 0.7)
	w.Attr("Header/Omega0", 0.3)
	pos := []float64{1, 2, 3, math.NaN(), 0, 0, 4, 5, 6}
	w.Float64s("PartType4/Coordinates", pos, 3, 3)
	w.Float64s("PartType4/Masses", []float64{1e-5, 1e-5, -1e-5})
	w.Float64s("PartType4/GFM_StellarFormationTime", []float64{0.3, 0.3, 0.3})
	w.Float64s("PartType4/GFM_Metallicity", []float64{0.01, 0.01, 0.01})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	nometal := filepath.Join(dir, "nometal.hdf5")
	w, _ = h5.Create(nometal)
	w.Attr("Header/Time", 0.5)
	w.Attr("Header/HubbleParam", 0.7)
	w.Attr("Header/Omega0", 0.3)
	w.Float64s("PartType4/Coordinates", pos[:3], 1, 3)
	w.Float64s("PartType4/Masses", []float64{1e-5})
	w.Float64s("PartType4/GFM_StellarFormationTime", []float64{0.3})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		path string
		opt  sims.ReadOptions
		want []string
	}{
		{"missing file", filepath.Join(dir, "nope.hdf5"), sims.ReadOptions{Subhalo: -1}, []string{"nope.hdf5", "no such file"}},
		{"not HDF5", text, sims.ReadOptions{Subhalo: -1}, []string{"notes.hdf5", "not an HDF5 file"}},
		{"truncated", trunc, sims.ReadOptions{Subhalo: -1}, []string{"truncated.hdf5"}},
		{"subhalo out of range", camelsSnap, sims.ReadOptions{GroupFile: camelsSub, Subhalo: 10}, []string{"subhalo 10 out of range", "10 subhaloes"}},
		{"group file missing", camelsSnap, sims.ReadOptions{GroupFile: filepath.Join(dir, "fof.hdf5"), Subhalo: 1}, []string{"fof.hdf5"}},
		{"subhalo without catalogue", camelsSnap, sims.ReadOptions{Subhalo: 2}, []string{"no group catalogue"}},
		{"NaN and negative mass", bad, sims.ReadOptions{Subhalo: -1}, []string{"nan.hdf5", "1 of 3 stars have non-finite positions", "1 negative"}},
		{"missing dataset", nometal, sims.ReadOptions{Subhalo: -1}, []string{"nometal.hdf5", "no metallicity dataset"}},
		{"group catalogue is not a catalogue", camelsSnap, sims.ReadOptions{GroupFile: camelsSnap, Subhalo: 0}, []string{"Subhalo/SubhaloLenType", "not found"}},
		{"bad centre", camelsSnap, sims.ReadOptions{Subhalo: -1, Centre: "middle"}, []string{"unknown centring method"}},
	}
	for i, c := range cases {
		_, err := Reader{}.Read(c.path, c.opt)
		if err == nil {
			t.Errorf("case %d (%s): no error", i, c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d (%s): error %q does not mention %q", i, c.name, err, w)
			}
		}
	}
	if _, err := (Reader{}).Read(bad, sims.ReadOptions{Subhalo: -1}); !errors.Is(err, sims.ErrBadParticles) {
		t.Errorf("NaN file: error %v does not wrap ErrBadParticles", err)
	}
}

// TestWriteAtomic checks that a failed write leaves nothing behind.
func TestWriteAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	g := plummerGalaxy(10, 3)
	g.Stars.MassMsun[3] = math.NaN()
	path := filepath.Join(dir, "bad.hdf5")
	if err := Write(path, g, Meta{}); err == nil {
		t.Fatal("writing a galaxy with a NaN mass succeeded")
	}
	if err := Write(filepath.Join(dir, "missing-dir", "x.hdf5"), plummerGalaxy(10, 3), Meta{}); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

func BenchmarkReadCAMELS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := (Reader{}).Read(camelsSnap, sims.ReadOptions{Subhalo: -1, WithGas: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadCAMELSSubhalo3(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := (Reader{}).Read(camelsSnap, sims.ReadOptions{GroupFile: camelsSub, Subhalo: 3}); err != nil {
			b.Fatal(err)
		}
	}
}
