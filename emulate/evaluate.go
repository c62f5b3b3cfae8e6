package emulate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/galforge/galforge/emulate/metrics"
	"github.com/galforge/galforge/internal/atomic"
)

// Evaluation holds the scores of a model on a set of stamps, with the
// per-stamp truths and predictions behind them. Regression targets are
// scored on the scale they are learnt on: log10 targets in dex (named
// "log10 NAME"), angles with period 180°.
type Evaluation struct {
	Regs    []metrics.Regression
	Classes []metrics.Classification
	Panels  []metrics.Panel // truth vs prediction per regression target
	// Truth, Pred, Sigma per regression target (same order as Regs), for
	// calibration plots.
	Truth, Pred, Sigma [][]float64
}

// scaled returns truth, prediction and σ of a regression target on the scale
// it is scored on.
func scaled(t Target, truth float64, p Prediction) (y, f, s float64) {
	if t.Transform == TransformLog10 {
		y, f = logValue(truth), logValue(p.Value)
		s = p.Sigma / (math.Ln10 * p.Value)
		return
	}
	return truth, p.Value, p.Sigma
}

// ScoreName is the name a regression target's scores carry.
func ScoreName(t Target) string {
	if t.Transform == TransformLog10 {
		return "log10 " + t.Name
	}
	return t.Name
}

// outlierThreshold is the |prediction − truth| beyond which a prediction
// counts as an outlier: 0.1 dex for log10 targets, 10° for angles, and half
// the standard deviation of the training truths otherwise (e.g. 0.87 mag for
// magnitudes uniform in 18–24).
func outlierThreshold(t Target) float64 {
	switch t.Transform {
	case TransformLog10:
		return 0.1
	case TransformAngle180:
		return 10
	}
	return 0.5 * t.Std
}

// Evaluate scores predictions against the truths in metas.
func Evaluate(targets []Target, metas []Meta, preds [][]Prediction) Evaluation {
	var ev Evaluation
	for ti, t := range targets {
		if t.Kind == Class {
			var truth []int
			var prob [][]float64
			for i, m := range metas {
				k, ok := t.classLabel(float64(m.Truth[t.Column]))
				if !ok {
					continue
				}
				truth = append(truth, k)
				prob = append(prob, preds[i][ti].Probs)
			}
			ev.Classes = append(ev.Classes, metrics.EvalClassification(t.Name, t.Classes, truth, prob))
			continue
		}
		var ys, fs, ss []float64
		for i, m := range metas {
			y, f, s := scaled(t, float64(m.Truth[t.Column]), preds[i][ti])
			ys, fs, ss = append(ys, y), append(fs, f), append(ss, s)
		}
		name, unit := ScoreName(t), t.Unit
		var r metrics.Regression
		period := 0.0
		switch t.Transform {
		case TransformAngle180:
			r = metrics.EvalAngle(name, ys, fs, ss, outlierThreshold(t))
			period = 180
		case TransformLog10:
			unit = "dex"
			r = metrics.EvalRegression(name, unit, ys, fs, ss, outlierThreshold(t))
		default:
			r = metrics.EvalRegression(name, unit, ys, fs, ss, outlierThreshold(t))
		}
		ev.Regs = append(ev.Regs, r)
		ev.Panels = append(ev.Panels, metrics.Panel{Name: name, Unit: unit, Truth: ys, Pred: fs, Sigma: ss, Period: period})
		ev.Truth, ev.Pred, ev.Sigma = append(ev.Truth, ys), append(ev.Pred, fs), append(ev.Sigma, ss)
	}
	return ev
}

// WritePlots writes the evaluation's figures into dir with the given file
// prefix: truth vs prediction (one grid), calibration, a confusion matrix per
// class target. It returns the files written.
func (ev Evaluation) WritePlots(dir, prefix string) ([]string, error) {
	var files []string
	if len(ev.Panels) > 0 {
		p := filepath.Join(dir, prefix+"truth_vs_pred.png")
		if err := metrics.PlotTruthVsPredGrid(p, 0, ev.Panels); err != nil {
			return files, err
		}
		files = append(files, p)
		names := make([]string, len(ev.Regs))
		for i, r := range ev.Regs {
			names[i] = r.Name
		}
		p = filepath.Join(dir, prefix+"calibration.png")
		if err := metrics.PlotCalibration(p, names, ev.Truth, ev.Pred, ev.Sigma); err != nil {
			return files, err
		}
		files = append(files, p)
	}
	for _, c := range ev.Classes {
		p := filepath.Join(dir, prefix+"confusion_"+c.Name+".png")
		if err := metrics.PlotConfusion(p, c); err != nil {
			return files, err
		}
		files = append(files, p)
	}
	return files, nil
}

// WritePredictions writes one CSV row per stamp: ids, and for every target
// the truth, the prediction and its σ (regression) or the predicted class
// and each class probability. Written atomically.
func WritePredictions(path string, targets []Target, metas []Meta, preds [][]Prediction) error {
	return atomic.WriteFile(path, func(w io.Writer) error {
		return writePredictionsCSV(w, targets, metas, preds, true)
	})
}

func writePredictionsCSV(w io.Writer, targets []Target, metas []Meta, preds [][]Prediction, withTruth bool) error {
	cw := csv.NewWriter(w)
	head := []string{"id", "row", "snapshot", "view"}
	for _, t := range targets {
		if withTruth {
			head = append(head, t.Name+"_true")
		}
		if t.Kind == Class {
			head = append(head, t.Name+"_pred")
			for _, c := range t.Classes {
				head = append(head, "p_"+t.Name+"_"+c)
			}
			continue
		}
		head = append(head, t.Name+"_pred", t.Name+"_sigma")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 7, 64) }
	for i, m := range metas {
		row := []string{strconv.FormatInt(m.ID, 10), strconv.FormatInt(m.Row, 10), strconv.Itoa(int(m.Snapshot)), strconv.Itoa(int(m.View))}
		for ti, t := range targets {
			p := preds[i][ti]
			if withTruth {
				v := float64(m.Truth[t.Column])
				if t.Kind == Class {
					if k := int(v); float64(k) == v && k >= 0 && k < len(t.Classes) {
						row = append(row, t.Classes[k])
					} else {
						row = append(row, "")
					}
				} else {
					row = append(row, g(v))
				}
			}
			if t.Kind == Class {
				row = append(row, t.Classes[int(p.Value)])
				for _, q := range p.Probs {
					row = append(row, g(q))
				}
				continue
			}
			row = append(row, g(p.Value), g(p.Sigma))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WritePredictionsTo writes predictions without truths (observed stamps).
func WritePredictionsTo(w io.Writer, targets []Target, metas []Meta, preds [][]Prediction) error {
	return writePredictionsCSV(w, targets, metas, preds, false)
}

// Markdown renders the evaluation's tables.
func (ev Evaluation) Markdown() string {
	var b bytes.Buffer
	if err := metrics.WriteMarkdown(&b, ev.Regs, ev.Classes); err != nil {
		fmt.Fprintf(&b, "(tables failed: %v)\n", err)
	}
	return b.String()
}

// LinearSizeRelation is the classic estimate of the 3D half-mass radius from
// the projected one, log Re3D = A·log Re2D + B, fitted by least squares on
// the training split, and its scatter.
type LinearSizeRelation struct {
	A, B float64
	// TrainN is the number of training stamps of the fit.
	TrainN int
}

// FitSizeRelation fits log10 y = A log10 x + B over the examples of a split
// (x, y columns of the truth vector).
func FitSizeRelation(d *Data, part Part, xcol, ycol int) LinearSizeRelation {
	var sx, sy, sxx, sxy float64
	n := 0
	for _, r := range d.splits[part] {
		t := d.meta[r.file][d.index(r)].Truth
		x, y := logValue(float64(t[xcol])), logValue(float64(t[ycol]))
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		n++
	}
	fn := float64(n)
	a := (fn*sxy - sx*sy) / (fn*sxx - sx*sx)
	return LinearSizeRelation{A: a, B: (sy - a*sx) / fn, TrainN: n}
}

// Column returns the index of a truth column, or −1.
func (d *Data) Column(name string) int {
	for i, c := range d.Header.Truth {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// PlotHistory writes the loss curves of a training history.
func PlotHistory(path string, h []EpochRecord) error {
	ep := make([]float64, len(h))
	tr := make([]float64, len(h))
	va := make([]float64, len(h))
	sc := make([]float64, len(h))
	for i, r := range h {
		ep[i], tr[i], va[i], sc[i] = float64(r.Epoch), r.TrainLoss, r.ValLoss, r.ValScore
	}
	return metrics.PlotLoss(path, ep, map[string][]float64{"train loss": tr, "validation loss": va, "validation score (selects the best epoch)": sc})
}
