package metrics

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// tol is the tolerance of closed-form results: a few float64 roundings of
// sums over at most a handful of terms.
const tol = 1e-12

func same(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return scalar.EqualWithinAbsOrRel(got, want, tol, tol)
}

func checkRegression(t *testing.T, i int, name string, got, want Regression) {
	t.Helper()
	if got.N != want.N || got.Skipped != want.Skipped {
		t.Errorf("case %d (%s): got N=%d Skipped=%d, want N=%d Skipped=%d", i, name, got.N, got.Skipped, want.N, want.Skipped)
	}
	for _, f := range []struct {
		field     string
		got, want float64
	}{
		{"R2", got.R2, want.R2},
		{"RMSE", got.RMSE, want.RMSE},
		{"Bias", got.Bias, want.Bias},
		{"MAE", got.MAE, want.MAE},
		{"NMAD", got.NMAD, want.NMAD},
		{"OutlierFrac", got.OutlierFrac, want.OutlierFrac},
		{"Within1Sigma", got.Within1Sigma, want.Within1Sigma},
		{"Within2Sigma", got.Within2Sigma, want.Within2Sigma},
		{"MeanSigma", got.MeanSigma, want.MeanSigma},
	} {
		if !same(f.got, f.want) {
			t.Errorf("case %d (%s): %s: got %v, want %v", i, name, f.field, f.got, f.want)
		}
	}
}

func TestEvalRegression(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for i, tc := range []struct {
		name               string
		truth, pred, sigma []float64
		thr                float64
		want               Regression
	}{
		{
			name:  "perfect",
			truth: []float64{1, 2, 3, 4},
			pred:  []float64{1, 2, 3, 4},
			sigma: []float64{1, 1, 1, 1},
			thr:   0.1,
			want: Regression{N: 4, R2: 1, RMSE: 0, Bias: 0, MAE: 0, NMAD: 0, OutlierFrac: 0,
				Within1Sigma: 1, Within2Sigma: 1, MeanSigma: 1},
		},
		{
			// Predicting the mean ȳ = 4 leaves ΣΔ² = Σ(y−ȳ)²: R² = 0.
			// Δ = 3, 2, 1, 0, −6: ΣΔ² = 50, median Δ = 1, |Δ − 1| = 2, 1, 0, 1, 7.
			name:  "mean",
			truth: []float64{1, 2, 3, 4, 10},
			pred:  []float64{4, 4, 4, 4, 4},
			thr:   2.5,
			want: Regression{N: 5, R2: 0, RMSE: math.Sqrt(10), Bias: 0, MAE: 12.0 / 5, NMAD: 1.4826,
				OutlierFrac: 2.0 / 5, Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
		{
			// Δ = 0.5, 0, −0.5, 1 (the NaN truth is skipped): ΣΔ² = 1.5,
			// ȳ = 2.5, Σ(y−ȳ)² = 5, R² = 1 − 1.5/5 = 0.7; median Δ = 0.25,
			// |Δ − 0.25| = 0.25, 0.25, 0.75, 0.75 with median 0.5;
			// |Δ| ≤ σ for entries 0, 1; |Δ| ≤ 2σ for 0, 1, 3.
			name:  "hand",
			truth: []float64{1, 2, 3, 4, nan},
			pred:  []float64{1.5, 2, 2.5, 5, 3},
			sigma: []float64{0.5, 0.1, 0.2, 0.6, 1},
			thr:   0.6,
			want: Regression{N: 4, Skipped: 1, R2: 0.7, RMSE: math.Sqrt(0.375), Bias: 0.25, MAE: 0.5,
				NMAD: 1.4826 * 0.5, OutlierFrac: 0.25, Within1Sigma: 0.5, Within2Sigma: 0.75, MeanSigma: 0.35},
		},
		{
			name:  "infinite prediction and negative sigma skipped",
			truth: []float64{1, 2, 3, 4},
			pred:  []float64{1, math.Inf(1), 3, 4},
			sigma: []float64{1, 1, -1, 1},
			thr:   1,
			want: Regression{N: 2, Skipped: 2, R2: 1, RMSE: 0, Bias: 0, MAE: 0, NMAD: 0, OutlierFrac: 0,
				Within1Sigma: 1, Within2Sigma: 1, MeanSigma: 1},
		},
		{
			name:  "empty",
			thr:   1,
			sigma: []float64{},
			want: Regression{R2: nan, RMSE: nan, Bias: nan, MAE: nan, NMAD: nan, OutlierFrac: nan,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
		{
			name:  "all skipped",
			truth: []float64{nan, 1},
			pred:  []float64{1, nan},
			thr:   1,
			want: Regression{Skipped: 2, R2: nan, RMSE: nan, Bias: nan, MAE: nan, NMAD: nan, OutlierFrac: nan,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
		{
			// One entry: no variance of the truth, so no R²; no threshold,
			// so no outlier fraction.
			name:  "single entry",
			truth: []float64{2},
			pred:  []float64{3},
			thr:   0,
			want: Regression{N: 1, R2: nan, RMSE: 1, Bias: 1, MAE: 1, NMAD: 0, OutlierFrac: nan,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
	} {
		got := EvalRegression(tc.name, "arcsec", tc.truth, tc.pred, tc.sigma, tc.thr)
		checkRegression(t, i, tc.name, got, tc.want)
		if got.Name != tc.name || got.Unit != "arcsec" || got.OutlierThreshold != tc.thr {
			t.Errorf("case %d (%s): got labels %q %q %v", i, tc.name, got.Name, got.Unit, got.OutlierThreshold)
		}
	}
}

func TestEvalRegressionLengthPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Errorf("EvalRegression with slices of different lengths did not panic")
		}
	}()
	EvalRegression("x", "", []float64{1, 2}, []float64{1}, nil, 1)
}

// TestCalibrationGaussian draws residuals from N(0, σ_i²) with the right σ_i
// and checks the fractions within 1σ and 2σ against erf(k/√2). The counts are
// binomial, so the tolerance is 4 standard deviations √(p(1−p)/n) (a false
// failure about once in 16000 seeds; the seed is fixed anyway).
func TestCalibrationGaussian(t *testing.T) {
	t.Parallel()
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	truth := make([]float64, n)
	pred := make([]float64, n)
	sigma := make([]float64, n)
	for i := range truth {
		truth[i] = 10 * rng.Float64()
		sigma[i] = 0.5 + 1.5*rng.Float64()
		pred[i] = truth[i] + sigma[i]*rng.NormFloat64()
	}
	r := EvalRegression("g", "", truth, pred, sigma, 3)
	for i, c := range []struct {
		name string
		got  float64
		k    float64
	}{
		{"1σ", r.Within1Sigma, 1},
		{"2σ", r.Within2Sigma, 2},
		{"Coverage 1σ", Coverage(truth, pred, sigma, 1), 1},
		{"Coverage 3σ", Coverage(truth, pred, sigma, 3), 3},
	} {
		p := math.Erf(c.k / math.Sqrt2)
		tol := 4 * math.Sqrt(p*(1-p)/n)
		if math.Abs(c.got-p) > tol {
			t.Errorf("case %d (%s): got %v, want %v ± %v", i, c.name, c.got, p, tol)
		}
	}
	if r.Within1Sigma != Coverage(truth, pred, sigma, 1) {
		t.Errorf("Within1Sigma %v differs from Coverage %v", r.Within1Sigma, Coverage(truth, pred, sigma, 1))
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	for i, c := range []struct{ x, want float64 }{
		{0, 0}, {2, 2}, {178, -2}, {-178, 2}, {89.5, 89.5}, {90, -90}, {-90, -90},
		{270, -90}, {-181, -1}, {360, 0}, {1e-300, 1e-300}, {-1e-17, -1e-17},
	} {
		got := Wrap(c.x, 180)
		if got < -90 || got >= 90 || !scalar.EqualWithinAbs(got, c.want, 1e-12) {
			t.Errorf("case %d (Wrap(%v, 180)): got %v, want %v", i, c.x, got, c.want)
		}
	}
}

func TestEvalAngle(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for i, tc := range []struct {
		name        string
		truth, pred []float64
		want        Regression
	}{
		{
			// 89° is −91°, 2° below the truth.
			name:  "wrap",
			truth: []float64{-89},
			pred:  []float64{89},
			want: Regression{N: 1, R2: nan, RMSE: 2, Bias: -2, MAE: 2, NMAD: 0, OutlierFrac: 0,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
		{
			// Equal up to multiples of 180°.
			name:  "perfect",
			truth: []float64{-89, 0, 45, 80},
			pred:  []float64{91, 180, -135, 80},
			want: Regression{N: 4, R2: 1, RMSE: 0, Bias: 0, MAE: 0, NMAD: 0, OutlierFrac: 0,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
		{
			// A cluster across ±90°: circular mean 90°, wrapped deviations
			// −5, −2, 2, 5 (Σ = 58); all predictions 1° high (ΣΔ² = 4).
			name:  "across the boundary",
			truth: []float64{85, 88, -88, -85},
			pred:  []float64{86, 89, -87, -84},
			want: Regression{N: 4, R2: 1 - 4.0/58, RMSE: 1, Bias: 1, MAE: 1, NMAD: 0, OutlierFrac: 0,
				Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan},
		},
	} {
		got := EvalAngle(tc.name, tc.truth, tc.pred, nil, 10)
		checkRegression(t, i, tc.name, got, tc.want)
		if got.Unit != "deg" || got.Period != 180 {
			t.Errorf("case %d (%s): got unit %q period %v, want deg 180", i, tc.name, got.Unit, got.Period)
		}
	}
}

func TestEvalClassification(t *testing.T) {
	t.Parallel()
	classes := []string{"a", "b", "c"}
	// The last entry has no valid truth and is skipped.
	truth := []int{0, 0, 0, 1, 1, 2, 2, 2, 2, -1}
	pred := []int{0, 0, 1, 1, 1, 2, 2, 0, 1, 0}
	c := EvalClassificationPred("morph", classes, truth, pred)
	wantConf := [][]int{{2, 1, 0}, {0, 2, 0}, {1, 1, 2}}
	for i := range wantConf {
		for j := range wantConf[i] {
			if c.Confusion[i][j] != wantConf[i][j] {
				t.Errorf("Confusion[%d][%d]: got %d, want %d", i, j, c.Confusion[i][j], wantConf[i][j])
			}
		}
	}
	if c.N != 9 || c.Skipped != 1 {
		t.Errorf("got N=%d Skipped=%d, want 9, 1", c.N, c.Skipped)
	}
	for i, x := range []struct {
		name      string
		got, want float64
	}{
		{"accuracy", c.Accuracy, 6.0 / 9},
		{"recall a", c.Recall[0], 2.0 / 3},
		{"recall b", c.Recall[1], 1},
		{"recall c", c.Recall[2], 0.5},
		{"precision a", c.Precision[0], 2.0 / 3},
		{"precision b", c.Precision[1], 0.5},
		{"precision c", c.Precision[2], 1},
		{"log-loss", c.LogLoss, math.NaN()},
	} {
		if !same(x.got, x.want) {
			t.Errorf("case %d (%s): got %v, want %v", i, x.name, x.got, x.want)
		}
	}

	// Probabilities: the predicted class is the argmax; rows are normalised
	// (4:1 is 0.8) and zero is clipped to 1e-15.
	prob := [][]float64{{0.8, 0.2}, {0.4, 0.6}, {4, 1}, {0, 1}, {math.NaN(), 1}}
	p := EvalClassification("bin", []string{"x", "y"}, []int{0, 1, 0, 0, 1}, prob)
	wantLoss := -(math.Log(0.8) + math.Log(0.6) + math.Log(0.8) + math.Log(1e-15)) / 4
	if p.N != 4 || p.Skipped != 1 || !same(p.Accuracy, 0.75) || !same(p.LogLoss, wantLoss) {
		t.Errorf("probabilities: got N=%d Skipped=%d accuracy=%v log-loss=%v, want 4, 1, 0.75, %v",
			p.N, p.Skipped, p.Accuracy, p.LogLoss, wantLoss)
	}
	if p.Confusion[0][1] != 1 || p.Confusion[0][0] != 2 || p.Confusion[1][1] != 1 {
		t.Errorf("probabilities: got confusion %v, want [[2 1] [0 1]]", p.Confusion)
	}
	// ECE: confidences 0.8 (two hits), 0.6 (a hit) and 1 (a miss) in three
	// bins: (|2 − 1.6| + |1 − 0.6| + |0 − 1|)/4.
	if !same(p.ECE, 0.45) || !math.IsNaN(c.ECE) {
		t.Errorf("ECE %v (classes only: %v), want 0.45 (NaN)", p.ECE, c.ECE)
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	for i, c := range []Classification{
		EvalClassificationPred("e", []string{"a", "b"}, nil, nil),
		EvalClassification("e", []string{"a", "b"}, nil, nil),
	} {
		if c.N != 0 || !math.IsNaN(c.Accuracy) || !math.IsNaN(c.Recall[0]) || !math.IsNaN(c.Precision[1]) ||
			!math.IsNaN(c.LogLoss) || len(c.Confusion) != 2 {
			t.Errorf("case %d: got %+v, want N=0 and NaN scores", i, c)
		}
	}
	if r := EvalAngle("pa", nil, nil, nil, 10); r.N != 0 || !math.IsNaN(r.R2) || !math.IsNaN(r.RMSE) {
		t.Errorf("EvalAngle of nothing: got %+v, want NaN scores", r)
	}
	if v := Coverage(nil, nil, nil, 1); !math.IsNaN(v) {
		t.Errorf("Coverage of nothing: got %v, want NaN", v)
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, []Regression{EvalRegression("x", "", nil, nil, nil, 0)},
		[]Classification{EvalClassificationPred("e", []string{"a"}, nil, nil)}); err != nil {
		t.Errorf("WriteMarkdown: %v", err)
	}
	if err := WriteComparison(&buf, nil); err != nil {
		t.Errorf("WriteComparison: %v", err)
	}
}

func TestWriteMarkdown(t *testing.T) {
	t.Parallel()
	r := EvalRegression("re", "arcsec", []float64{1, 2, 3, 4}, []float64{1.5, 2, 2.5, 5}, []float64{0.5, 0.1, 0.2, 0.6}, 0.6)
	c := EvalClassificationPred("morph", []string{"disc", "sph"}, []int{0, 0, 1}, []int{0, 1, 1})
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, []Regression{r}, []Classification{c}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| re | arcsec | 4 | 0.7000 | 0.6124 | 0.25 | 0.5 | 0.7413 | 0.250 (>0.6) | 0.500 | 0.750 | 0.35 |",
		"| morph | 3 | 0.667 | n/a |",
		"| disc | 2 | 0.500 | 1.000 |",
		"| true ↓ / predicted → | disc | sph |",
		"| disc | 1 | 1 |",
		"| sph | 0 | 1 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown: missing line %q in\n%s", want, out)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	regs := []Regression{
		EvalRegression("re", "arcsec", []float64{1, 2, 3, 4}, []float64{1.5, 2, 2.5, 5}, nil, 0.6),
		EvalAngle("pa", []float64{-89}, []float64{89}, nil, 10),
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, regs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	row := map[string]string{}
	for j, h := range recs[0] {
		row[h] = recs[1][j]
	}
	for _, c := range []struct{ col, want string }{
		{"name", "re"}, {"n", "4"}, {"r2", "0.7"}, {"bias", "0.25"}, {"within_1sigma", ""}, {"period", "0"},
	} {
		if row[c.col] != c.want {
			t.Errorf("column %s: got %q, want %q", c.col, row[c.col], c.want)
		}
	}
	if recs[2][2] != "180" || recs[2][1] != "deg" {
		t.Errorf("angle row: got %v", recs[2])
	}
}

func TestWriteComparison(t *testing.T) {
	t.Parallel()
	methods := []Method{
		{Name: "CNN", SecondsPer1000: 2.5, Regs: []Regression{
			{Name: "re", Unit: "arcsec", R2: 0.95, RMSE: 0.1},
			{Name: "n", R2: 0.8, RMSE: 0.5},
		}},
		{Name: "GALFIT", SecondsPer1000: math.NaN(), Regs: []Regression{
			{Name: "re", Unit: "arcsec", R2: 0.9, RMSE: 0.2},
		}},
	}
	var buf bytes.Buffer
	if err := WriteComparison(&buf, methods); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| target | unit | CNN: R² / RMSE | GALFIT: R² / RMSE |",
		"| re | arcsec | **0.9500** / 0.1 | 0.9000 / 0.2 |",
		"| n |  | **0.8000** / 0.5 | n/a |",
		"| wall time per 1000 stamps (s) | | 2.5 | n/a |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteComparison: missing line %q in\n%s", want, out)
		}
	}
}

// checkPNG decodes path as PNG and checks its size in pixels.
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: got %d×%d pixels, want %d×%d", filepath.Base(path), b.Dx(), b.Dy(), w, h)
	}
}

func TestPlots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200
	truth := make([]float64, n)
	pred := make([]float64, n)
	sigma := make([]float64, n)
	for i := range truth {
		truth[i] = 5 * rng.Float64()
		sigma[i] = 0.1 + 0.2*rng.Float64()
		pred[i] = truth[i] + sigma[i]*rng.NormFloat64()
	}
	truth[0] = math.NaN()
	pa := make([]float64, n)
	for i := range pa {
		pa[i] = Wrap(truth[i]*40+180*float64(i%3), 180)
	}
	epochs := []float64{1, 2, 3, 4, 5}
	c := EvalClassificationPred("morph", []string{"disc", "spheroid", "irregular"},
		[]int{0, 0, 1, 1, 2, 2, 2}, []int{0, 1, 1, 1, 2, 0, 2})

	// Sizes in pixels at 100 dpi: 5-inch panels, loss plots 8×5 inches.
	for i, tc := range []struct {
		name string
		plot func(path string) error
		w, h int
	}{
		{"loss", func(p string) error {
			return PlotLoss(p, epochs, map[string][]float64{"train": {5, 2, 1, 0.5, 0.2}, "val": {6, 3, 2, math.NaN(), 1}})
		}, 800, 500},
		{"loss-negative", func(p string) error {
			return PlotLoss(p, epochs, map[string][]float64{"train": {1, 0, -1, -2, -2.5}})
		}, 800, 500},
		{"loss-empty", func(p string) error { return PlotLoss(p, nil, nil) }, 800, 500},
		{"truth-vs-pred", func(p string) error { return PlotTruthVsPred(p, "re", "arcsec", truth, pred, sigma) }, 500, 500},
		{"truth-vs-pred-empty", func(p string) error { return PlotTruthVsPred(p, "re", "arcsec", nil, nil, nil) }, 500, 500},
		{"grid", func(p string) error {
			return PlotTruthVsPredGrid(p, 0, []Panel{
				{Name: "re", Unit: "arcsec", Truth: truth, Pred: pred, Sigma: sigma},
				{Name: "n", Truth: truth, Pred: pred},
				{Name: "pa", Unit: "deg", Truth: pa, Pred: pa, Period: 180},
			})
		}, 1000, 1000},
		{"confusion", func(p string) error { return PlotConfusion(p, c) }, 500, 500},
		{"confusion-empty", func(p string) error {
			return PlotConfusion(p, EvalClassificationPred("e", []string{"a", "b"}, nil, nil))
		}, 500, 500},
		{"calibration", func(p string) error {
			return PlotCalibration(p, []string{"re", "n", "empty"},
				[][]float64{truth, truth, nil}, [][]float64{pred, pred, nil}, [][]float64{sigma, sigma, nil})
		}, 500, 500},
	} {
		path := filepath.Join(dir, tc.name+".png")
		if err := tc.plot(path); err != nil {
			t.Errorf("case %d (%s): %v", i, tc.name, err)
			continue
		}
		checkPNG(t, path, tc.w, tc.h)
	}

	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".png") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if len(ents) != 9 {
		t.Errorf("got %d files, want 9", len(ents))
	}
}

func TestPlotErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := PlotLoss(filepath.Join(dir, "l.png"), []float64{1, 2}, map[string][]float64{"train": {1}}); err == nil {
		t.Errorf("PlotLoss with a short series: no error")
	}
	if err := PlotCalibration(filepath.Join(dir, "c.png"), []string{"a"}, nil, nil, nil); err == nil {
		t.Errorf("PlotCalibration with missing slices: no error")
	}
	if err := PlotTruthVsPred(filepath.Join(dir, "missing", "t.png"), "x", "", []float64{1}, []float64{1}, nil); err == nil {
		t.Errorf("PlotTruthVsPred into a missing directory: no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed plots left %d files", len(ents))
	}
}

func BenchmarkEvalRegression1e5(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 100000
	truth := make([]float64, n)
	pred := make([]float64, n)
	sigma := make([]float64, n)
	for i := range truth {
		truth[i], pred[i], sigma[i] = rng.Float64(), rng.Float64(), rng.Float64()
	}
	for b.Loop() {
		EvalRegression("x", "", truth, pred, sigma, 0.1)
	}
}
