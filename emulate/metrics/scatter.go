package metrics

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxErrorBars is the number of points up to which PlotTruthVsPred draws
// ±1σ error bars; above it they would hide the points.
const maxErrorBars = 300

// Panel is one target of PlotTruthVsPredGrid.
type Panel struct {
	// Name and Unit label the axes, as in Regression.
	Name, Unit string
	// Truth, Pred and Sigma (1σ, may be nil) hold one value per entry.
	Truth, Pred, Sigma []float64
	// Period is zero, or the period of a periodic quantity such as a
	// position angle (180 for degrees): each prediction is then drawn at
	// truth + Wrap(pred − truth, Period), next to its truth, and R² is
	// that of EvalPeriodic.
	Period float64
}

// PlotTruthVsPred writes to path a PNG scatter plot of the predictions pred
// of the quantity name (in unit) against truth, with the 1:1 line and R²,
// RMSE and N in the title. When sigma is not nil and there are at most 300
// points, each has a ±1σ error bar. Non-finite entries are left out.
// PlotTruthVsPred panics if the slices differ in length.
func PlotTruthVsPred(path, name, unit string, truth, pred, sigma []float64) error {
	return PlotTruthVsPredGrid(path, 1, []Panel{{Name: name, Unit: unit, Truth: truth, Pred: pred, Sigma: sigma}})
}

// PlotTruthVsPredGrid writes to path one PNG with a PlotTruthVsPred panel
// (5×5 inches) per element of panels, cols panels per row; if cols is not
// positive it is ⌈√len(panels)⌉. It panics if a panel's slices differ in
// length.
func PlotTruthVsPredGrid(path string, cols int, panels []Panel) error {
	if len(panels) == 0 {
		return fmt.Errorf("metrics: plot %q: no panels", path)
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(len(panels)))))
	}
	cols = min(cols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	plots := make([]*plot.Plot, len(panels))
	for i, pa := range panels {
		p, err := truthVsPred(pa)
		if err != nil {
			return fmt.Errorf("metrics: plot %q: panel %q: %w", path, pa.Name, err)
		}
		plots[i] = p
	}
	return savePNG(path, vg.Length(cols)*panelSize, vg.Length(rows)*panelSize, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 2 * margin, PadY: 2 * margin}
		for i, p := range plots {
			p.Draw(tiles.At(dc, i%cols, i/cols))
		}
		return nil
	})
}

// truthVsPred builds the plot of one panel.
func truthVsPred(pa Panel) (*plot.Plot, error) {
	var r Regression
	if pa.Period > 0 {
		r = EvalPeriodic(pa.Name, pa.Unit, pa.Truth, pa.Pred, pa.Sigma, pa.Period, 0)
	} else {
		r = EvalRegression(pa.Name, pa.Unit, pa.Truth, pa.Pred, pa.Sigma, 0)
	}

	var pts plotter.XYs
	var errs plotter.YErrors
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, y := range pa.Truth {
		f := pa.Pred[i]
		ok := finite(y) && finite(f)
		if pa.Sigma != nil {
			ok = ok && finite(pa.Sigma[i]) && pa.Sigma[i] >= 0
		}
		if !ok {
			continue
		}
		if pa.Period > 0 {
			f = y + Wrap(f-y, pa.Period)
		}
		pts = append(pts, plotter.XY{X: y, Y: f})
		if pa.Sigma != nil {
			errs = append(errs, struct{ Low, High float64 }{pa.Sigma[i], pa.Sigma[i]})
		}
		lo, hi = math.Min(lo, math.Min(y, f)), math.Max(hi, math.Max(y, f))
	}

	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: R² = %s, RMSE = %s, N = %d", pa.Name, fmtR2(r.R2), fmtG(r.RMSE), r.N)
	p.X.Label.Text = "true " + label(pa.Name, pa.Unit)
	p.Y.Label.Text = "predicted " + label(pa.Name, pa.Unit)
	p.Add(plotter.NewGrid())
	if len(pts) == 0 {
		p.Title.Text = pa.Name + ": no finite entries"
		return p, nil
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	pad := 0.05 * (hi - lo)
	lo, hi = lo-pad, hi+pad

	blue := color.NRGBA{R: 31, G: 119, B: 180, A: 255}
	if pa.Sigma != nil && len(pts) <= maxErrorBars {
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{pts, errs})
		if err != nil {
			return nil, err
		}
		eb.Color = translucent(blue, 120)
		eb.CapWidth = vg.Points(3)
		p.Add(eb)
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	s.Shape = draw.CircleGlyph{}
	switch {
	case len(pts) <= 1000:
		s.Radius, s.Color = vg.Points(2.5), translucent(blue, 200)
	case len(pts) <= 10000:
		s.Radius, s.Color = vg.Points(1.5), translucent(blue, 90)
	default:
		s.Radius, s.Color = vg.Points(1), translucent(blue, 40)
	}
	p.Add(s)

	one, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, err
	}
	one.Color = color.Black
	one.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(one)
	p.Legend.Add("1:1", one)
	p.Legend.Top, p.Legend.Left = true, true

	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = lo, hi
	return p, nil
}
