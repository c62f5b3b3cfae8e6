package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for _, want := range []string{"n_merger: 7", "n_particles: 10000", "coulomb_log:", "h0: 70"} {
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
