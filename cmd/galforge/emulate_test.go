package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tinyRun is a small analytic experiment: 120 single-Sérsic 32×32 stamps, a
// tiny network, two epochs, the fit on 8 test stamps.
var tinyRun = []string{"-c", "../../configs/deeplegato.yaml",
	"--set", "mock.psf.file=../../mock/psf/testdata/psf_101.fits", "--set", "mock.n_objects=120", "--set", "mock.stamp_size=32", "--set", "mock.profile.re_max_arcsec=0.5",
	"--set", "train.model.widths=[8,16]", "--set", "train.model.dense=32", "--set", "train.epochs=2",
	"--set", "train.batch_size=16", "--set", "train.warmup_steps=2", "--set", "train.fit_max=8",
	"--set", "train.val_fraction=0.2", "--set", "train.test_fraction=0.2"}

// TestRunTrainEvaluatePredict runs the whole analytic experiment through the
// CLI, then predicts the stamps file with the trained model.
func TestRunTrainEvaluatePredict(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, code := run(t, append([]string{"run", "--out", out}, tinyRun...)...)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"report.md", "model/model.json", "model/weights.gfw", "model/state.gfw", "model/loss.png",
		"evaluate/predictions.csv", "evaluate/metrics.csv", "evaluate/fit.csv", "figures/truth_vs_pred.png", "figures/calibration.png",
		"mock/stamps.fits", "mock/shards/mock.gfs"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	rep, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, want := range []string{"## Held-out scores", "log10 re_arcsec", "pa_deg", "## Network vs classic fit", "wall time per 1000 stamps", "RMS error by true magnitude",
		"| σ calibration | none: 24 validation galaxies, fewer than the 50", "central peak"} { // deeplegato.yaml's linear channel
		if !strings.Contains(string(rep), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "R²") {
		t.Errorf("stdout has no scores: %s", stdout)
	}
	// deeplegato.yaml's train.fresh: the second epoch trained on 72 new stamps.
	var spec struct {
		Training struct {
			FreshStamps int `json:"fresh_stamps"`
		} `json:"training"`
	}
	if b, err := os.ReadFile(filepath.Join(out, "model", "model.json")); err != nil || json.Unmarshal(b, &spec) != nil || spec.Training.FreshStamps != 72 {
		t.Errorf("model.json: fresh_stamps %d, want 72 (err %v)", spec.Training.FreshStamps, err)
	}
	// 24 test galaxies of 120 (one stamp each); predictions.csv has one row each.
	rows := readCSVRows(t, filepath.Join(out, "evaluate", "predictions.csv"))
	if len(rows) != 1+24 {
		t.Errorf("predictions.csv has %d rows, want 25", len(rows))
	}
	// The network column of the network-vs-fit table scores the fitted
	// stamps: its magnitude RMSE is that of the fit.csv ids in
	// predictions.csv.
	fitted := map[string]bool{}
	for _, r := range readCSVRows(t, filepath.Join(out, "evaluate", "fit.csv"))[1:] {
		fitted[r[0]] = true
	}
	var se float64
	var nf int
	for _, r := range rows[1:] {
		if fitted[r[0]] {
			tr, _ := strconv.ParseFloat(r[4], 64)
			pr, _ := strconv.ParseFloat(r[5], 64)
			se += (pr - tr) * (pr - tr)
			nf++
		}
	}
	if nf != len(fitted) || nf == 0 {
		t.Fatalf("%d fitted stamps, %d of them in predictions.csv", len(fitted), nf)
	}
	var repRMSE float64
	for _, line := range strings.Split(string(rep), "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 4 && strings.TrimSpace(cells[1]) == "mag" && strings.Contains(cells[3], " / ") {
			repRMSE, _ = strconv.ParseFloat(strings.TrimSpace(strings.Split(cells[3], " / ")[1]), 64)
			break
		}
	}
	if want := math.Sqrt(se / float64(nf)); math.Abs(repRMSE-want) > 1e-3*want {
		t.Errorf("report: network mag RMSE on the fitted stamps %g, predictions.csv gives %g", repRMSE, want)
	}

	// A second run resumes: every stage is complete, training does no step.
	_, stderr, code = run(t, append([]string{"run", "--out", out}, tinyRun...)...)
	if code != 0 {
		t.Fatalf("rerun: %s", stderr)
	}
	if !strings.Contains(stderr, "resuming") || strings.Contains(stderr, "train steps") {
		t.Errorf("rerun did not resume from the finished model:\n%s", stderr)
	}

	// predict on the stamps file: one row per stamp, every target with σ.
	csvPath := filepath.Join(t.TempDir(), "pred.csv")
	stdout, stderr, code = run(t, "predict", "--model", filepath.Join(out, "model"), "--stamps", filepath.Join(out, "mock", "stamps.fits"), "--out", csvPath)
	if code != 0 {
		t.Fatalf("predict: %s", stderr)
	}
	rows = readCSVRows(t, csvPath)
	if len(rows) != 121 {
		t.Fatalf("predict wrote %d rows, want 121", len(rows))
	}
	head := strings.Join(rows[0], ",")
	for _, want := range []string{"id", "mag_pred", "mag_sigma", "re_arcsec_pred", "pa_deg_sigma"} {
		if !strings.Contains(head, want) {
			t.Errorf("predict header %q lacks %s", head, want)
		}
	}
	for _, r := range rows[1:] {
		for i, v := range r[4:] {
			if x, err := strconv.ParseFloat(v, 64); err != nil || x != x {
				t.Fatalf("predict row %v: column %s = %q", r, rows[0][4+i], v)
			}
		}
	}
	_ = stdout

	// A model given stamps of another pixel scale or size is refused, naming the file.
	other := t.TempDir()
	if _, stderr, code := run(t, "mock", "-c", "../../configs/deeplegato.yaml", "--set", "mock.psf.file=../../mock/psf/testdata/psf_101.fits", "--set", "mock.n_objects=4", "--set", "mock.stamp_size=32",
		"--set", "mock.pixel_scale_arcsec=0.03", "--out", other); code != 0 {
		t.Fatalf("mock: %s", stderr)
	}
	_, stderr, code = run(t, "predict", "--model", filepath.Join(out, "model"), "--stamps", filepath.Join(other, "stamps.fits"), "--out", csvPath)
	if code != 2 || !strings.Contains(stderr, "PIXSCALE") || !strings.Contains(stderr, "stamps.fits") {
		t.Errorf("predict at another pixel scale: exit %d, %s", code, stderr)
	}
	// A corrupt model is a clear error.
	os.WriteFile(filepath.Join(out, "model", "weights.gfw"), []byte("GALFWGT1 nonsense"), 0o644)
	_, stderr, code = run(t, "predict", "--model", filepath.Join(out, "model"), "--stamps", filepath.Join(out, "mock", "stamps.fits"), "--out", csvPath)
	if code == 0 || !strings.Contains(stderr, "corrupt checkpoint") || !strings.Contains(stderr, "weights.gfw") {
		t.Errorf("corrupt weights: exit %d, %s", code, stderr)
	}
}

// TestTrainConfigErrors: impossible or misspelt train keys are usage errors
// naming the key.
func TestTrainConfigErrors(t *testing.T) {
	for i, c := range []struct {
		set, want string
	}{
		{"train.epochs=0", "train.epochs"},
		{"train.bakend=go", `did you mean "train.backend"`},
		{"train.backend=tpu", "train.backend"},
		{"train.val_fraction=0.9", "val_fraction"},
		{"train.transforms.n=sqrt", "train.transforms.n"},
		{"train.model.widths=[]", "train.model.widths"},
		{"train.cache_mb=-5", "train.cache_mb"},
		{"train.loss_weights.pa=2", "train.loss_weights.pa"},
		{"train.loss_weights.q=-1", "train.loss_weights.q"},
		{"train.beta_nll_targets.pa_deg=2", "train.beta_nll_targets.pa_deg"},
	} {
		_, stderr, code := run(t, "train", "-c", "../../configs/deeplegato.yaml", "--out", t.TempDir(), "--set", c.set)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("case %d (%s): exit %d, %q; want exit 2 naming %q", i, c.set, code, stderr, c.want)
		}
	}
	// Fresh stamps need analytic priors; the quickstart renders snapshots.
	if _, stderr, code := run(t, "train", "-c", "../../configs/quickstart.yaml", "--out", t.TempDir(), "--set", "train.fresh=true"); code != 2 ||
		!strings.Contains(stderr, "train.fresh") || !strings.Contains(stderr, "mock.source") {
		t.Errorf("train.fresh on particle stamps: exit %d, %q", code, stderr)
	}
	// bench cnn checks its flags before building anything.
	if _, stderr, code := run(t, "bench", "cnn", "--conv", "fft"); code != 2 || !strings.Contains(stderr, "--conv") {
		t.Errorf("bench cnn --conv fft: exit %d, %q", code, stderr)
	}
	if _, stderr, code := run(t, "bench", "cnn", "--dense-layers", "-1"); code != 2 || !strings.Contains(stderr, "--dense-layers") {
		t.Errorf("bench cnn --dense-layers -1: exit %d, %q", code, stderr)
	}
	// --dense and --dense-layers build the network asked for: 16×16×1 input,
	// one block of 4 channels (40 parameters), then 8·8·4 = 256 → 8 → 8 →
	// 12 outputs (2,056 + 72 + 108), as bench/torch_cnn.py counts them.
	stdout, stderr, code := run(t, "bench", "cnn", "--size", "16", "--widths", "4", "--dense", "8", "--dense-layers", "2",
		"--steps", "1", "--warmup", "1", "--batch", "4", "--infer-batch", "4", "--json")
	var sr struct {
		Dense       int `json:"dense"`
		DenseLayers int `json:"dense_layers"`
		Parameters  int `json:"parameters"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &sr) != nil {
		t.Fatalf("bench cnn --dense 8 --dense-layers 2: exit %d, %q, %q", code, stdout, stderr)
	}
	if sr.Dense != 8 || sr.DenseLayers != 2 || sr.Parameters != 40+2056+72+108 {
		t.Errorf("bench cnn --dense 8 --dense-layers 2: %+v, want 2,276 parameters", sr)
	}
	// No shards yet: says what to run first.
	_, stderr, code = run(t, "train", "-c", "../../configs/deeplegato.yaml", "--out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "galforge mock") {
		t.Errorf("no shards: exit %d, %s", code, stderr)
	}
}

func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestInterleaveStamps checks the band interleaving of galforge predict's
// chunks: stamp by stamp, bands in the model's order, and a single band
// passed through without a copy.
func TestInterleaveStamps(t *testing.T) {
	const pix, n = 3, 4
	mk := func(base float32) *stampsFile {
		sf := &stampsFile{n: n}
		for i := range n * pix {
			sf.sci = append(sf.sci, base+float32(i))
			sf.rms = append(sf.rms, -base-float32(i))
		}
		return sf
	}
	a, b := mk(100), mk(200)
	sci, rms := interleaveStamps([]*stampsFile{a, b}, 1, 2, pix, nil, nil)
	want := []float32{103, 104, 105, 203, 204, 205, 106, 107, 108, 206, 207, 208}
	if !slices.Equal(sci, want) {
		t.Fatalf("sci %v, want %v", sci, want)
	}
	for i := range want {
		if rms[i] != -want[i] {
			t.Fatalf("rms %v, want the negated %v", rms, want)
		}
	}
	sci, _ = interleaveStamps([]*stampsFile{a}, 2, 2, pix, nil, nil)
	if !slices.Equal(sci, a.sci[6:12]) || &sci[0] != &a.sci[6] {
		t.Fatalf("one band: %v, want a view of %v", sci, a.sci[6:12])
	}
}
