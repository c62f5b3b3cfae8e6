package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/galforge/galforge/mock"
	shardfmt "github.com/galforge/galforge/mock/shard"
)

// TestMockParticlesBackground inserts particle mocks (render.bands F105W)
// into the real Frontier Fields F105W image of mock/testdata:
//   - the catalogue flags neighbours as analytic catalogues do
//     (has_neighbour, neighbour_dist_pix, neighbour_mag, background, bg_x0/y0);
//   - with noise off, SCI − MODEL is the image at (bg_x0, bg_y0) pixel for
//     pixel (to float32 rounding of the stored planes: 1e-6 relative to the
//     largest of the three values);
//   - --shard 0/2 and 1/2 give catalogues that concatenate to the
//     single-machine one and shards that join into its shard byte for byte;
//   - a band of render.bands without background images is a usage error
//     naming the key and the band.
func TestMockParticlesBackground(t *testing.T) {
	cfg := tinyConfig(t)
	sim := t.TempDir()
	if _, stderr, code := run(t, "simulate", "-c", cfg, "--out", sim, "--set", "simulate.n_compaction=1", "--set", "simulate.n_merger=0", "--set", "simulate.n_isolated=0"); code != 0 {
		t.Fatal(stderr)
	}
	img, err := filepath.Abs("../../mock/testdata/abell_2744_dwarf_galaxy_f105w.fits.gz")
	if err != nil {
		t.Fatal(err)
	}
	rms := strings.Replace(img, "_f105w.fits.gz", "_f105w_rms.fits.gz", 1)
	bg := fmt.Sprintf("mock.background.bands={F105W: {images: [%s], rms: [%s]}}", img, rms)
	sets := []string{"-c", cfg, "--set", "mock.source=particles", "--set", "render.input=" + sim, "--set", "render.views=fibonacci:3",
		"--set", "render.bands=[mass,F105W]", "--set", "mock.stamp_size=32", "--set", "mock.psf.kind=gaussian", "--set", "mock.shard_block=2",
		"--set", "mock.exptime_s=68952", "--set", bg}
	whole := t.TempDir()
	if _, stderr, code := run(t, append([]string{"mock", "--out", whole}, sets...)...); code != 0 {
		t.Fatalf("mock particles with background: %s", stderr)
	}
	cat := readCSV(t, filepath.Join(whole, "catalog.csv"))
	for _, col := range []string{"has_neighbour", "neighbour_dist_pix", "neighbour_mag", "neighbour_band", "background", "bg_x0", "bg_y0"} {
		if _, ok := cat[col]; !ok {
			t.Fatalf("catalogue has no column %s", col)
		}
	}
	nrows := len(cat["bg_x0"])
	for i := 0; i < nrows; i++ {
		if cat["background"][i] != filepath.Base(img) || cat["neighbour_band"][i] != "F105W" {
			t.Errorf("row %d: background %q, neighbour band %q", i, cat["background"][i], cat["neighbour_band"][i])
		}
		has, dist := cat["has_neighbour"][i], cat["neighbour_dist_pix"][i]
		if (has == "1") == (dist == "" || dist == "NaN") {
			t.Errorf("row %d: has_neighbour %s but neighbour_dist_pix %q", i, has, dist)
		}
	}

	// The shard's truth vectors end with the neighbour columns, equal to the
	// catalogue's row by row.
	checkShardNeighbours(t, filepath.Join(whole, "shards", "mock.gfs"), cat)

	// Noise off: SCI − MODEL is the background image at the recorded position.
	quiet := t.TempDir()
	if _, stderr, code := run(t, append([]string{"mock", "--out", quiet, "--set", "mock.noise.enabled=false"}, sets...)...); code != 0 {
		t.Fatalf("mock particles, noise off: %s", stderr)
	}
	b, err := mock.LoadBackground(img, rms, 0.06, 0)
	if err != nil {
		t.Fatal(err)
	}
	qcat := readCSV(t, filepath.Join(quiet, "catalog.csv"))
	sci, ax := readCube(t, filepath.Join(quiet, "stamps_F105W.fits"), "SCI")
	model, _ := readCube(t, filepath.Join(quiet, "stamps_F105W.fits"), "MODEL")
	const n = 32
	if len(ax) != 3 || ax[2] != nrows {
		t.Fatalf("SCI axes %v, want [32 32 %d]", ax, nrows)
	}
	for r := 0; r < nrows; r++ {
		x0, _ := strconv.Atoi(qcat["bg_x0"][r])
		y0, _ := strconv.Atoi(qcat["bg_y0"][r])
		if qcat["bg_x0"][r] != cat["bg_x0"][r] || qcat["bg_y0"][r] != cat["bg_y0"][r] {
			t.Errorf("row %d: cutout at (%s, %s) with noise, (%d, %d) without: the position depends on the noise setting", r, cat["bg_x0"][r], cat["bg_y0"][r], x0, y0)
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				k := r*n*n + y*n + x
				want := b.Sci[(y0+y)*b.NX+x0+x]
				got := float64(sci[k]) - float64(model[k])
				scale := math.Max(math.Abs(float64(sci[k])), math.Max(math.Abs(float64(model[k])), math.Abs(want)))
				if math.Abs(got-want) > 1e-6*scale+1e-12 {
					t.Fatalf("row %d pixel (%d, %d): SCI − MODEL = %g, background image %g", r, x, y, got, want)
				}
			}
		}
	}

	// Shards.
	parts := t.TempDir()
	var gfs, rows []string
	for i := 0; i < 2; i++ {
		if _, stderr, code := run(t, append([]string{"mock", "--out", parts, "--shard", fmt.Sprintf("%d/2", i), "--workers", "1"}, sets...)...); code != 0 {
			t.Fatal(stderr)
		}
		suffix := fmt.Sprintf(".shard-%04d-of-0002", i)
		gfs = append(gfs, filepath.Join(parts, "shards", "mock"+suffix+".gfs"))
		c, err := os.ReadFile(filepath.Join(parts, "catalog"+suffix+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		l := strings.Split(strings.TrimSpace(string(c)), "\n")
		if i == 0 {
			rows = append(rows, l[0])
		}
		rows = append(rows, l[1:]...)
	}
	wcat, _ := os.ReadFile(filepath.Join(whole, "catalog.csv"))
	if strings.Join(rows, "\n") != strings.TrimSpace(string(wcat)) {
		t.Error("sharded catalogues do not concatenate to the single-machine catalogue")
	}
	joined := filepath.Join(t.TempDir(), "j.gfs")
	if err := shardfmt.Concat(joined, gfs...); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(joined)
	w, _ := os.ReadFile(filepath.Join(whole, "shards", "mock.gfs"))
	if !bytes.Equal(a, w) {
		t.Error("sharded particle mocks with a background do not join into the single-machine shard")
	}

	// A band without background images.
	bad := append(append([]string{"mock", "--out", t.TempDir()}, sets...), "--set", "render.bands=[mass,F105W,F125W]", "--set", "mock.exposure=candels-deep")
	if _, stderr, code := run(t, bad...); code != 2 || !strings.Contains(stderr, "mock.background.bands") || !strings.Contains(stderr, "F125W") {
		t.Errorf("F125W without a background: exit %d, %q", code, stderr)
	}
}

// checkShardNeighbours: the shard at path has has_neighbour,
// neighbour_dist_pix and neighbour_mag as its last truth columns, with the
// values of the catalogue's rows in order.
func checkShardNeighbours(t *testing.T, path string, cat map[string][]string) {
	t.Helper()
	r, err := shardfmt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols := r.Header().Truth
	nc := len(cols)
	if nc < 3 || cols[nc-3].Name != "has_neighbour" || cols[nc-2].Name != "neighbour_dist_pix" || cols[nc-1].Name != "neighbour_mag" {
		t.Fatalf("%s: truth columns %v do not end with the neighbour columns", path, cols)
	}
	if r.Len() != len(cat["has_neighbour"]) || r.Len() == 0 {
		t.Fatalf("%s: %d examples, catalogue %d rows", path, r.Len(), len(cat["has_neighbour"]))
	}
	for i := 0; i < r.Len(); i++ {
		ex, err := r.Example(i)
		if err != nil {
			t.Fatal(err)
		}
		tv := ex.Truth[nc-3:]
		for k, name := range []string{"has_neighbour", "neighbour_dist_pix", "neighbour_mag"} {
			want, _ := strconv.ParseFloat(cat[name][i], 64)
			if cat[name][i] == "" {
				want = math.NaN()
			}
			got := float64(tv[k])
			if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && math.Abs(got-want) > 1e-4*(1+math.Abs(want))) {
				t.Errorf("example %d %s: shard %v, catalogue %q", i, name, got, cat[name][i])
			}
		}
	}
}

// TestMockAnalyticBackgroundShard: analytic stamps inserted into the real
// Frontier Fields image (configs/hff-f105w-background.yaml) carry the
// neighbour flags in the shard's truth vectors as in the catalogue, and some
// stamps do have a neighbour.
func TestMockAnalyticBackgroundShard(t *testing.T) {
	out := t.TempDir()
	if _, stderr, code := run(t, "mock", "-c", "../../configs/hff-f105w-background.yaml", "--out", out,
		"--set", "mock.n_objects=40", "--set", "mock.psf.file=../../mock/psf/testdata/f105w_psf.fits.gz",
		"--set", "mock.background.images=[../../mock/testdata/abell_2744_dwarf_galaxy_f105w.fits.gz]",
		"--set", "mock.background.rms=[../../mock/testdata/abell_2744_dwarf_galaxy_f105w_rms.fits.gz]"); code != 0 {
		t.Fatalf("mock: %s", stderr)
	}
	cat := readCSV(t, filepath.Join(out, "catalog.csv"))
	n := 0
	for _, h := range cat["has_neighbour"] {
		if h == "1" {
			n++
		}
	}
	if n == 0 || n == len(cat["has_neighbour"]) {
		t.Errorf("%d of %d stamps with a neighbour: the test needs both kinds", n, len(cat["has_neighbour"]))
	}
	checkShardNeighbours(t, filepath.Join(out, "shards", "mock.gfs"), cat)
}
