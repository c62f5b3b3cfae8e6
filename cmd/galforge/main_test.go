package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"codeberg.org/astrogo/fitsio"

	shardfmt "github.com/galforge/galforge/mock/shard"

	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/arepo"
)

// run executes the CLI in-process and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRootCommand()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		errb.WriteString("galforge: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

// tinyConfig writes a small simulate config: 1 galaxy of each family.
func tinyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.yaml")
	body := `seed: 5
workers: 2
simulate:
  n_compaction: 2
  n_merger: 1
  n_isolated: 1
  n_particles: 1500
  compaction:
    snapshot_stride: 8
    keep_compaction_window: false
  merger:
    n_snapshots: 3
`
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSimulateShardsResume(t *testing.T) {
	cfg := tinyConfig(t)
	whole := t.TempDir()
	_, stderr, code := run(t, "simulate", "-c", cfg, "--out", whole)
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s", code, stderr)
	}
	csvWhole, err := os.ReadFile(filepath.Join(whole, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csvWhole)), "\n")
	if len(lines) < 5 {
		t.Fatalf("truth.csv has %d lines", len(lines))
	}
	for _, col := range []string{"galaxy_id", "family", "snapshot", "file", "time_gyr", "redshift", "mstar_msun", "sfr_msun_yr",
		"re3d_kpc", "phase", "merger_stage", "mass_ratio", "t_to_coalescence_gyr"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("truth.csv header lacks %q", col)
		}
	}
	if _, err := os.Stat(filepath.Join(whole, "truth.fits")); err != nil {
		t.Error(err)
	}

	// Shards: the concatenated rows equal the single-machine table byte for byte,
	// and the snapshots hold the same particles.
	sharded := t.TempDir()
	var rows []string
	for i := 0; i < 3; i++ {
		_, stderr, code := run(t, "simulate", "-c", cfg, "--out", sharded, "--shard", []string{"0/3", "1/3", "2/3"}[i], "--workers", "1")
		if code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(sharded, "truth.shard-000"+string(rune('0'+i))+"-of-0003.csv"))
		if err != nil {
			t.Fatal(err)
		}
		l := strings.Split(strings.TrimSpace(string(b)), "\n")
		if i == 0 {
			rows = append(rows, l[0])
		}
		rows = append(rows, l[1:]...)
	}
	if got := strings.Join(rows, "\n"); got != strings.Join(lines, "\n") {
		t.Errorf("sharded truth differs from single-machine truth:\n%s\n---\n%s", got, strings.Join(lines, "\n"))
	}
	file := strings.Split(lines[len(lines)-1], ",")[3]
	a, err := arepo.Reader{}.Read(filepath.Join(whole, file), sims.ReadOptions{Subhalo: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := arepo.Reader{}.Read(filepath.Join(sharded, file), sims.ReadOptions{Subhalo: -1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Stars.Len() != b.Stars.Len() {
		t.Fatalf("%s: %d vs %d stars", file, a.Stars.Len(), b.Stars.Len())
	}
	for i := range a.Stars.PosKpc {
		if a.Stars.PosKpc[i] != b.Stars.PosKpc[i] || a.Stars.AgeGyr[i] != b.Stars.AgeGyr[i] {
			t.Fatalf("%s: star %d differs between single-machine and sharded runs", file, i)
		}
	}

	// Resume: a rerun with the same config rewrites no snapshot.
	snap := filepath.Join(whole, file)
	st0, _ := os.Stat(snap)
	if _, stderr, code := run(t, "simulate", "-c", cfg, "--out", whole); code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	st1, _ := os.Stat(snap)
	if !st1.ModTime().Equal(st0.ModTime()) {
		t.Error("rerun with the same config rewrote a finished snapshot")
	}
	again, _ := os.ReadFile(filepath.Join(whole, "truth.csv"))
	if !bytes.Equal(again, csvWhole) {
		t.Error("rerun changed truth.csv")
	}
	// A changed config re-simulates.
	if _, stderr, code := run(t, "simulate", "-c", cfg, "--out", whole, "--set", "seed=6"); code != 0 {
		t.Fatalf("rerun with new seed: exit %d\n%s", code, stderr)
	}
	changed, _ := os.ReadFile(filepath.Join(whole, "truth.csv"))
	if bytes.Equal(changed, csvWhole) {
		t.Error("a new seed gave the same truth table")
	}
}

func TestSimulateBadInput(t *testing.T) {
	t.Parallel()
	cfg := tinyConfig(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "-c", cfg, "--set", "simulate.n_partcles=3"}, `did you mean "simulate.n_particles"`},
		{[]string{"simulate", "-c", cfg, "--shard", "3/3"}, "--shard"},
		{[]string{"simulate", "-c", cfg, "--set", "simulate.n_particles=-1"}, "simulate.n_particles"},
		{[]string{"simulate", "-c", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml"},
	}
	for i, c := range cases {
		_, stderr, code := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("case %d (%v): exit %d, stderr %q; want exit 2 mentioning %q", i, c.args, code, stderr, c.want)
		}
	}
}

func TestInspectCAMELS(t *testing.T) {
	t.Parallel()
	out, stderr, code := run(t, "sims", "inspect", "../../testdata/camels/camels_snap.hdf5",
		"--groups", "../../testdata/camels/camels_subhalo.hdf5", "--subhalo", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"n_star", "mstar_msun", "centre_kpc", "re3d_kpc", "aperture", "redshift", "scale_factor", "h"} {
		if _, ok := s[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if s["n_star"].(float64) != 726 {
		t.Errorf("n_star = %v", s["n_star"])
	}
	if _, stderr, code := run(t, "sims", "inspect", "../../testdata/camels/camels_snap.hdf5", "--groups",
		"../../testdata/camels/camels_subhalo.hdf5", "--subhalo", "99"); code != 1 || !strings.Contains(stderr, "out of range") {
		t.Errorf("subhalo 99: exit %d, %q", code, stderr)
	}
}

func TestConfigPrint(t *testing.T) {
	t.Parallel()
	out, stderr, code := run(t, "config", "print", "-c", "../../configs/quickstart.yaml", "--set", "simulate.n_merger=7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"n_merger: 7", "n_particles: 3000", "coulomb_log:", "h0: 70", "beta_nll: 0.5", "- merger_stage"} {
		if !strings.Contains(out, want) {
			t.Errorf("config print lacks %q:\n%s", want, out)
		}
	}
}

// TestRenderCLI renders a built-in snapshot and the CAMELS galaxy through the
// CLI shorthands, checks the outputs, and that a rerun reuses them.
func TestRenderCLI(t *testing.T) {
	cfg := tinyConfig(t)
	out := t.TempDir()
	if _, stderr, code := run(t, "simulate", "-c", cfg, "--out", out, "--set", "simulate.n_compaction=1", "--set", "simulate.n_merger=0", "--set", "simulate.n_isolated=0"); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	stdout, stderr, code := run(t, "render", "-c", cfg, "--out", out, "--views", "fibonacci:3", "--bands", "mass,F606W,F160W", "--npix", "32", "--fov-kpc", "20", "--preview")
	if code != 0 {
		t.Fatalf("render: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "images of") {
		t.Errorf("stdout: %q", stdout)
	}
	fitsFiles, _ := filepath.Glob(filepath.Join(out, "images", "*.fits"))
	snaps, _ := filepath.Glob(filepath.Join(out, "snapshots", "*.hdf5"))
	if len(fitsFiles) != 3*len(snaps) || len(snaps) == 0 {
		t.Errorf("%d images for %d snapshots × 3 views", len(fitsFiles), len(snaps))
	}
	pngs, _ := filepath.Glob(filepath.Join(out, "previews", "*.png"))
	if len(pngs) != len(snaps) {
		t.Errorf("%d previews for %d snapshots", len(pngs), len(snaps))
	}
	cat, err := os.ReadFile(filepath.Join(out, "render.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(cat), "\n"); n != len(fitsFiles)+1 {
		t.Errorf("render.csv has %d lines for %d images", n, len(fitsFiles))
	}
	st0, _ := os.Stat(fitsFiles[0])
	if _, stderr, code := run(t, "render", "-c", cfg, "--out", out, "--views", "fibonacci:3", "--bands", "mass,F606W,F160W", "--npix", "32", "--fov-kpc", "20", "--preview"); code != 0 {
		t.Fatalf("rerender: %s", stderr)
	}
	st1, _ := os.Stat(fitsFiles[0])
	if !st0.ModTime().Equal(st1.ModTime()) {
		t.Error("a rerun with the same config re-rendered a finished snapshot")
	}
	cat2, _ := os.ReadFile(filepath.Join(out, "render.csv"))
	if !bytes.Equal(cat, cat2) {
		t.Error("a rerun changed render.csv")
	}

	// The CAMELS galaxy (z = 0.1, no velocities: snapshot axes) by flags alone.
	camOut := t.TempDir()
	if _, stderr, code := run(t, "render", "../../testdata/camels/camels_snap.hdf5", "--groups", "../../testdata/camels/camels_subhalo.hdf5",
		"--subhalo", "3", "--views", "axes", "--bands", "mass,F160W", "--npix", "32", "--out", camOut); code != 0 {
		t.Fatalf("render CAMELS: %s", stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(camOut, "images", "camels_snap_sub3_*.fits")); len(m) != 3 {
		t.Errorf("CAMELS images: %v", m)
	}
	// Bad input: unknown band, z = 0 without --redshift.
	if _, stderr, code := run(t, "render", "../../testdata/camels/camels_snap.hdf5", "--bands", "mass,F999W", "--out", camOut); code != 2 || !strings.Contains(stderr, "F999W") {
		t.Errorf("unknown band: exit %d, %q", code, stderr)
	}
}

// readCube reads extension ext of a (possibly gzipped) FITS file as float32 planes.
func readCube(t *testing.T, path string, ext string) ([]float32, []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	ff, err := fitsio.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()
	var hdu fitsio.HDU
	if ext == "" {
		hdu = ff.HDU(0)
	} else {
		hdu = ff.Get(ext)
	}
	img := hdu.(fitsio.Image)
	axes := img.Header().Axes()
	n := 1
	for _, a := range axes {
		n *= a
	}
	data := make([]float32, n)
	if err := img.Read(&data); err != nil {
		t.Fatal(err)
	}
	return data, axes
}

// TestMockGalSimPeer runs configs/galsim-peer.yaml and compares the
// noise-free stamps with GalSim's: max|Δ|/peak ≤ 1e-3 for the median stamp
// and ≤ 1e-2 for every stamp (the mock issue's criterion).
func TestMockGalSimPeer(t *testing.T) {
	out := t.TempDir()
	_, stderr, code := run(t, "mock", "-c", "../../configs/galsim-peer.yaml", "--out", out,
		"--set", "mock.psf.file=../../mock/sersic/testdata/f105w_psf.fits.gz",
		"--set", "mock.profile.table=../../mock/sersic/testdata/sersic_truth.csv")
	if code != 0 {
		t.Fatalf("mock: exit %d\n%s", code, stderr)
	}
	got, gax := readCube(t, filepath.Join(out, "stamps.fits"), "MODEL")
	want, wax := readCube(t, "../../mock/sersic/testdata/sersic_noisefree_first300.fits.gz", "")
	if len(gax) != 3 || gax[2] != 300 || gax[0] != wax[0] || gax[1] != wax[1] || gax[2] != wax[2] {
		t.Fatalf("axes %v, GalSim %v", gax, wax)
	}
	npix := gax[0] * gax[1]
	errs := make([]float64, 300)
	for k := 0; k < 300; k++ {
		var peak, worst float64
		for i := 0; i < npix; i++ {
			w := float64(want[k*npix+i])
			peak = math.Max(peak, w)
			worst = math.Max(worst, math.Abs(float64(got[k*npix+i])-w))
		}
		errs[k] = worst / peak
	}
	sorted := append([]float64(nil), errs...)
	sort.Float64s(sorted)
	t.Logf("max|Δ|/peak over 300 GalSim stamps: median %.2e, worst %.2e", sorted[150], sorted[299])
	if sorted[150] > 1e-3 || sorted[299] > 1e-2 {
		t.Errorf("agreement with GalSim: median %.2e (want ≤ 1e-3), worst %.2e (want ≤ 1e-2)", sorted[150], sorted[299])
	}
	sci, _ := readCube(t, filepath.Join(out, "stamps.fits"), "SCI")
	if sci[1000] != got[1000] {
		t.Error("noise disabled, yet SCI differs from MODEL")
	}
}

// TestMockShards: the shards' catalogues concatenate to the single-machine
// catalogue, their training shards join (shard.Concat) into a byte-identical
// file, and a rerun is skipped.
func TestMockShards(t *testing.T) {
	sets := []string{"--set", "mock.n_objects=40", "--set", "mock.shard_block=8", "--set", "mock.psf.kind=gaussian"}
	whole := t.TempDir()
	if _, stderr, code := run(t, append([]string{"mock", "--out", whole, "--preview", "--per-object"}, sets...)...); code != 0 {
		t.Fatalf("mock: %s", stderr)
	}
	parts := t.TempDir()
	var rows []string
	var gfs []string
	for i := 0; i < 3; i++ {
		spec := fmt.Sprintf("%d/3", i)
		if _, stderr, code := run(t, append([]string{"mock", "--out", parts, "--shard", spec, "--workers", "1"}, sets...)...); code != 0 {
			t.Fatalf("shard %s: %s", spec, stderr)
		}
		suffix := fmt.Sprintf(".shard-%04d-of-0003", i)
		b, err := os.ReadFile(filepath.Join(parts, "catalog"+suffix+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		l := strings.Split(strings.TrimSpace(string(b)), "\n")
		if i == 0 {
			rows = append(rows, l[0])
		}
		rows = append(rows, l[1:]...)
		gfs = append(gfs, filepath.Join(parts, "shards", "mock"+suffix+".gfs"))
	}
	wcat, _ := os.ReadFile(filepath.Join(whole, "catalog.csv"))
	if strings.Join(rows, "\n") != strings.TrimSpace(string(wcat)) {
		t.Error("sharded catalogues do not concatenate to the single-machine catalogue")
	}
	joined := filepath.Join(t.TempDir(), "joined.gfs")
	if err := shardfmt.Concat(joined, gfs...); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(joined)
	b, _ := os.ReadFile(filepath.Join(whole, "shards", "mock.gfs"))
	if !bytes.Equal(a, b) {
		t.Error("joined shards differ from the single-machine shard")
	}
	if objs, _ := filepath.Glob(filepath.Join(whole, "objects", "*.fits")); len(objs) != 40 {
		t.Errorf("%d per-object files, want 40", len(objs))
	}
	if _, err := os.Stat(filepath.Join(whole, "preview.png")); err != nil {
		t.Error(err)
	}
	stdout, _, code := run(t, append([]string{"mock", "--out", whole, "--preview", "--per-object"}, sets...)...)
	if code != 0 || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("rerun: exit %d, %q", code, stdout)
	}
	// Bad input names the key.
	for _, c := range []struct{ set, want string }{
		{"mock.band=F999W", "mock.band"}, {"mock.exptime_s=-5", "mock.exptime_s"}, {"mock.profile.n_min=9", "profile.n_min"},
		{"mock.psf.kind=file", "mock.psf.file"},
	} {
		if _, stderr, code := run(t, "mock", "--out", t.TempDir(), "--set", c.set); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("--set %s: exit %d, %q", c.set, code, stderr)
		}
	}
}

// TestShardsCommand joins the parts of a sharded mock run and verifies a
// shard; a corrupted byte is reported with its block.
func TestShardsCommand(t *testing.T) {
	sets := []string{"--set", "mock.n_objects=24", "--set", "mock.shard_block=4", "--set", "mock.psf.kind=gaussian"}
	whole, parts := t.TempDir(), t.TempDir()
	if _, stderr, code := run(t, append([]string{"mock", "--out", whole}, sets...)...); code != 0 {
		t.Fatal(stderr)
	}
	var names []string
	for i := 0; i < 2; i++ {
		if _, stderr, code := run(t, append([]string{"mock", "--out", parts, "--shard", fmt.Sprintf("%d/2", i)}, sets...)...); code != 0 {
			t.Fatal(stderr)
		}
		names = append(names, filepath.Join(parts, "shards", fmt.Sprintf("mock.shard-%04d-of-0002.gfs", i)))
	}
	joined := filepath.Join(t.TempDir(), "all.gfs")
	if _, stderr, code := run(t, append([]string{"shards", "join", joined}, names...)...); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.ReadFile(joined)
	b, _ := os.ReadFile(filepath.Join(whole, "shards", "mock.gfs"))
	if !bytes.Equal(a, b) {
		t.Error("galforge shards join output differs from the single-machine shard")
	}
	out, stderr, code := run(t, "shards", "inspect", joined, "--verify")
	if code != 0 || !strings.Contains(out, "24 examples in 6 blocks") || !strings.Contains(out, "all 6 blocks verified") {
		t.Errorf("inspect: exit %d, %q %q", code, out, stderr)
	}
	// Corrupt one byte in the middle of the file: inside a block.
	a[len(a)/2] ^= 0xff // inside a compressed block
	bad := filepath.Join(t.TempDir(), "bad.gfs")
	os.WriteFile(bad, a, 0o644)
	if _, stderr, code := run(t, "shards", "inspect", bad, "--verify"); code == 0 || !strings.Contains(stderr, "block") {
		t.Errorf("corrupt shard: exit %d, %q", code, stderr)
	}
}

// TestMockParticles observes simulated snapshots: one stamps file per band,
// one catalogue row and shard example per view, and sharding by snapshot
// joins into the single-machine shard byte for byte.
func TestMockParticles(t *testing.T) {
	cfg := tinyConfig(t)
	sim := t.TempDir()
	if _, stderr, code := run(t, "simulate", "-c", cfg, "--out", sim, "--set", "simulate.n_compaction=1", "--set", "simulate.n_merger=0", "--set", "simulate.n_isolated=0"); code != 0 {
		t.Fatal(stderr)
	}
	snaps, _ := filepath.Glob(filepath.Join(sim, "snapshots", "*.hdf5"))
	sets := []string{"-c", cfg, "--set", "mock.source=particles", "--set", "render.input=" + sim, "--set", "render.views=fibonacci:2",
		"--set", "render.bands=[mass,F125W,F160W]", "--set", "mock.stamp_size=32", "--set", "mock.psf.kind=gaussian", "--set", "mock.shard_block=3"}
	whole := t.TempDir()
	if _, stderr, code := run(t, append([]string{"mock", "--out", whole}, sets...)...); code != 0 {
		t.Fatalf("mock particles: %s", stderr)
	}
	for _, b := range []string{"F125W", "F160W"} {
		_, ax := readCube(t, filepath.Join(whole, "stamps_"+b+".fits"), "SCI")
		if len(ax) != 3 || ax[0] != 32 || ax[2] != 2*len(snaps) {
			t.Errorf("%s: SCI axes %v, want [32 32 %d]", b, ax, 2*len(snaps))
		}
	}
	r, err := shardfmt.Open(filepath.Join(whole, "shards", "mock.gfs"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 2*len(snaps) || len(r.Header().Bands) != 2 {
		t.Errorf("shard: %d examples, bands %v", r.Len(), r.Header().Bands)
	}
	r.Close()
	parts := t.TempDir()
	var gfs []string
	for i := 0; i < 2; i++ {
		if _, stderr, code := run(t, append([]string{"mock", "--out", parts, "--shard", fmt.Sprintf("%d/2", i)}, sets...)...); code != 0 {
			t.Fatal(stderr)
		}
		gfs = append(gfs, filepath.Join(parts, "shards", fmt.Sprintf("mock.shard-%04d-of-0002.gfs", i)))
	}
	joined := filepath.Join(t.TempDir(), "j.gfs")
	if err := shardfmt.Concat(joined, gfs...); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(joined)
	b, _ := os.ReadFile(filepath.Join(whole, "shards", "mock.gfs"))
	if !bytes.Equal(a, b) {
		t.Error("sharded particle mocks do not join into the single-machine shard")
	}
}
