package metrics

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	// calibKMax is the largest interval half-width, in units of σ, of
	// PlotCalibration.
	calibKMax = 3
	// calibSteps is the number of steps in k from 0 to calibKMax.
	calibSteps = 120
)

// PlotCalibration writes to path a PNG of the coverage of the predicted
// uncertainties of several targets: for each target i (named names[i]) the
// observed fraction of entries with |pred − truth| ≤ k·σ as a function of k
// from 0 to 3, against the expectation erf(k/√2) for Gaussian errors with the
// right σ (dashed). A curve below the expectation means σ is
// underestimated, above it overestimated. Entries with a non-finite value or
// a negative σ are left out. For a periodic target pass predictions already
// wrapped next to the truth, truth + Wrap(pred − truth, period). The four
// outer slices must have the same length, and truth[i], pred[i] and
// sigma[i] too, otherwise PlotCalibration returns an error.
func PlotCalibration(path string, names []string, truth, pred, sigma [][]float64) error {
	n := len(names)
	if len(truth) != n || len(pred) != n || len(sigma) != n {
		return fmt.Errorf("metrics: plot %q: %d names for %d truth, %d pred and %d sigma slices",
			path, n, len(truth), len(pred), len(sigma))
	}
	curves := make([]plotter.XYs, n)
	counts := make([]int, n)
	for i := range n {
		if len(pred[i]) != len(truth[i]) || len(sigma[i]) != len(truth[i]) {
			return fmt.Errorf("metrics: plot %q: target %q: %d truth, %d pred and %d sigma values",
				path, names[i], len(truth[i]), len(pred[i]), len(sigma[i]))
		}
		z := absZ(truth[i], pred[i], sigma[i])
		counts[i] = len(z)
		if len(z) == 0 {
			continue
		}
		curves[i] = make(plotter.XYs, calibSteps+1)
		for j := range curves[i] {
			k := calibKMax * float64(j) / calibSteps
			// Number of |z| ≤ k: the index of the first |z| > k.
			m := sort.Search(len(z), func(l int) bool { return z[l] > k })
			curves[i][j] = plotter.XY{X: k, Y: float64(m) / float64(len(z))}
		}
	}

	return savePNG(path, panelSize, panelSize, func(dc draw.Canvas) error {
		p := plot.New()
		p.Title.Text = "Uncertainty calibration"
		p.X.Label.Text = "k (interval half-width in σ)"
		p.Y.Label.Text = "fraction with |pred − true| ≤ kσ"
		p.Add(plotter.NewGrid())
		gauss := plotter.NewFunction(func(k float64) float64 { return math.Erf(k / math.Sqrt2) })
		gauss.Color = color.Black
		gauss.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		gauss.Width = vg.Points(1.5)
		gauss.Samples = calibSteps + 1
		p.Add(gauss)
		p.Legend.Add("Gaussian", gauss)
		for i, c := range curves {
			if c == nil {
				p.Legend.Add(fmt.Sprintf("%s (no entries)", names[i]))
				continue
			}
			l, err := plotter.NewLine(c)
			if err != nil {
				return err
			}
			l.Color = plotutil.Color(i)
			l.Dashes = plotutil.Dashes(i / len(plotutil.DefaultColors))
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (N = %d)", names[i], counts[i]), l)
		}
		p.X.Min, p.X.Max = 0, calibKMax
		p.Y.Min, p.Y.Max = 0, 1
		p.Draw(dc)
		return nil
	})
}

// absZ returns the sorted |pred − truth|/σ of the entries where all three are
// finite and σ ≥ 0 (+Inf for σ = 0 and a non-zero residual, 0 for none).
func absZ(truth, pred, sigma []float64) []float64 {
	var z []float64
	for i := range truth {
		if !finite(truth[i]) || !finite(pred[i]) || !finite(sigma[i]) || sigma[i] < 0 {
			continue
		}
		d := math.Abs(pred[i] - truth[i])
		switch {
		case d == 0:
			z = append(z, 0)
		case sigma[i] == 0:
			z = append(z, math.Inf(1))
		default:
			z = append(z, d/sigma[i])
		}
	}
	sort.Float64s(z)
	return z
}
