package metrics

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/galforge/galforge/internal/atomic"
)

const (
	// panelSize is the width and height of one plot panel.
	panelSize = 5 * vg.Inch
	// dpi is the resolution of the PNG images: a panel is 500×500 pixels.
	dpi = 100
	// margin is left blank around the edge of every image.
	margin = vg.Inch / 8
	// maxLinePoints is the number of epochs up to which loss curves also
	// mark each point.
	maxLinePoints = 30
)

// savePNG draws with fn onto a w×h canvas, less a margin on every side, and
// writes it to path as PNG, atomically. A panic of the plotting library
// becomes an error.
func savePNG(path string, w, h vg.Length, fn func(dc draw.Canvas) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("metrics: plot %q: %v", path, p)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	if err := fn(draw.Crop(draw.New(c), margin, -margin, margin, -margin)); err != nil {
		return fmt.Errorf("metrics: plot %q: %w", path, err)
	}
	if err := atomic.WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// PlotLoss writes to path a PNG of loss curves: series maps a name such as
// "train" or "val" to its loss at each of epochs, so every series must have
// len(epochs) values. Non-finite values are left out. The loss axis is
// logarithmic when every plotted value is positive and they span more than a
// factor 20, linear otherwise (a Gaussian negative log-likelihood can be
// negative). Series are drawn in the order of their sorted names.
func PlotLoss(path string, epochs []float64, series map[string][]float64) error {
	names := make([]string, 0, len(series))
	for name, s := range series {
		if len(s) != len(epochs) {
			return fmt.Errorf("metrics: plot %q: series %q has %d values for %d epochs", path, name, len(s), len(epochs))
		}
		names = append(names, name)
	}
	sort.Strings(names)

	lo, hi := math.Inf(1), math.Inf(-1)
	xys := make([]plotter.XYs, len(names))
	for i, name := range names {
		for j, v := range series[name] {
			if finite(v) && finite(epochs[j]) {
				xys[i] = append(xys[i], plotter.XY{X: epochs[j], Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}

	return savePNG(path, 1.6*panelSize, panelSize, func(dc draw.Canvas) error {
		p := plot.New()
		p.Title.Text = "Loss"
		p.X.Label.Text = "epoch"
		p.Y.Label.Text = "loss"
		if lo > 0 && hi/lo > 20 {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
			p.Y.Label.Text = "loss (log scale)"
		}
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		for i, name := range names {
			if len(xys[i]) == 0 {
				continue
			}
			col := plotutil.Color(i)
			l, err := plotter.NewLine(xys[i])
			if err != nil {
				return err
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			p.Add(l)
			if len(xys[i]) <= maxLinePoints {
				s, err := plotter.NewScatter(xys[i])
				if err != nil {
					return err
				}
				s.Color = col
				s.Shape = draw.CircleGlyph{}
				s.Radius = vg.Points(2)
				p.Add(s)
				p.Legend.Add(name, l, s)
			} else {
				p.Legend.Add(name, l)
			}
		}
		if len(names) == 0 || lo > hi {
			p.Title.Text += " (no finite values)"
		}
		p.Draw(dc)
		return nil
	})
}

// translucent returns c with alpha a (0–255).
func translucent(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// label returns "name [unit]", or name when unit is empty.
func label(name, unit string) string {
	if unit == "" {
		return name
	}
	return name + " [" + unit + "]"
}
