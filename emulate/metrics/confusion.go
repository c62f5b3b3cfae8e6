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

// PlotConfusion writes to path a PNG heat map of the confusion matrix of c:
// true classes in rows (the first at the top), predicted classes in
// columns. The colour of a cell is its count divided by its row's total (the
// fraction of that true class, so the diagonal shows the recall), from white
// (0) to dark blue (1); rows without entries are grey. Each cell shows its
// count and that fraction in per cent.
func PlotConfusion(path string, c Classification) error {
	k := len(c.Classes)
	if k == 0 {
		return fmt.Errorf("metrics: plot %q: classification %q has no classes", path, c.Name)
	}
	g := confGrid{k: k, frac: make([][]float64, k)}
	var (
		lxy    plotter.XYs
		labels []string
		dark   []bool
	)
	for t := range k {
		g.frac[t] = make([]float64, k)
		total := 0
		for _, n := range c.Confusion[t] {
			total += n
		}
		for p, n := range c.Confusion[t] {
			f := ratio(n, total)
			g.frac[t][p] = f
			s := fmt.Sprint(n)
			if total > 0 {
				s += fmt.Sprintf("\n%.0f%%", 100*f)
			}
			lxy = append(lxy, plotter.XY{X: float64(p), Y: float64(k - 1 - t)})
			labels = append(labels, s)
			dark = append(dark, f > 0.5)
		}
	}

	size := max(panelSize, vg.Length(k)*0.7*vg.Inch+1.5*vg.Inch)
	return savePNG(path, size, size, func(dc draw.Canvas) error {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: accuracy = %s, N = %d", c.Name, fmtFrac(c.Accuracy), c.N)
		p.X.Label.Text = "predicted class"
		p.Y.Label.Text = "true class"

		h := plotter.NewHeatMap(g, bluePalette(64))
		h.Min, h.Max = 0, 1
		h.NaN = color.Gray{Y: 220}
		p.Add(h)

		l, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: labels})
		if err != nil {
			return err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YCenter
			if dark[i] {
				l.TextStyle[i].Color = color.White
			}
		}
		p.Add(l)

		rev := make([]string, k)
		for t, name := range c.Classes {
			rev[k-1-t] = name
		}
		p.NominalX(c.Classes...)
		p.NominalY(rev...)
		p.X.Min, p.X.Max = -0.5, float64(k)-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5
		p.X.Padding, p.Y.Padding = 0, 0
		p.Draw(dc)
		return nil
	})
}

// confGrid is the row-normalised confusion matrix as a plotter.GridXYZ:
// column c is the predicted class, row r the true class k−1−r.
type confGrid struct {
	k    int
	frac [][]float64 // [truth][pred]
}

func (g confGrid) Dims() (c, r int)   { return g.k, g.k }
func (g confGrid) Z(c, r int) float64 { return g.frac[g.k-1-r][c] }
func (g confGrid) X(c int) float64    { return float64(c) }
func (g confGrid) Y(r int) float64    { return float64(r) }
func (g confGrid) Min() float64       { return 0 }
func (g confGrid) Max() float64       { return 1 }

// bluePalette is n colours from white to dark blue, linear in sRGB, like
// ColorBrewer's "Blues".
type bluePalette int

func (n bluePalette) Colors() []color.Color {
	lo := [3]float64{247, 251, 255}
	hi := [3]float64{8, 48, 107}
	cs := make([]color.Color, n)
	for i := range cs {
		t := float64(i) / math.Max(float64(n-1), 1)
		var c [3]uint8
		for j := range c {
			c[j] = uint8(math.Round(lo[j] + t*(hi[j]-lo[j])))
		}
		cs[i] = color.NRGBA{R: c[0], G: c[1], B: c[2], A: 255}
	}
	return cs
}
