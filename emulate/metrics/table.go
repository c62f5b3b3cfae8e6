package metrics

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// na is written in Markdown tables for scores that are NaN.
const na = "n/a"

// Method is one way of measuring the targets, e.g. a CNN or a profile fit,
// for WriteComparison.
type Method struct {
	// Name labels the method's column, e.g. "CNN" or "GALFIT".
	Name string
	// Regs are the method's scores, matched across methods by Name.
	Regs []Regression
	// SecondsPer1000 is the wall time to measure 1000 stamps, in seconds;
	// NaN or non-positive if unknown.
	SecondsPer1000 float64
}

// WriteMarkdown writes regs as one Markdown table (one row per target) and,
// if cls is not empty, a summary table of the classifications followed by
// the per-class recall and precision and the confusion matrix of each.
func WriteMarkdown(w io.Writer, regs []Regression, cls []Classification) error {
	ew := &errWriter{w: w}
	if len(regs) > 0 {
		ew.printf("| target | unit | N | R² | RMSE | bias | MAE | NMAD | outliers | within 1σ | within 2σ | mean σ |\n")
		ew.printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, r := range regs {
			out := fmtFrac(r.OutlierFrac)
			if r.OutlierFrac == r.OutlierFrac { // not NaN
				out += " (>" + fmtG(r.OutlierThreshold) + ")"
			}
			unit := r.Unit
			if r.Period > 0 {
				unit += " (mod " + fmtG(r.Period) + ")"
			}
			ew.printf("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				cell(r.Name), cell(unit), r.N, fmtR2(r.R2), fmtG(r.RMSE), fmtG(r.Bias), fmtG(r.MAE),
				fmtG(r.NMAD), out, fmtFrac(r.Within1Sigma), fmtFrac(r.Within2Sigma), fmtG(r.MeanSigma))
		}
	}
	if len(cls) > 0 {
		if len(regs) > 0 {
			ew.printf("\n")
		}
		ew.printf("| classifier | N | accuracy | log-loss | ECE |\n|---|--:|--:|--:|--:|\n")
		for _, c := range cls {
			ew.printf("| %s | %d | %s | %s | %s |\n", cell(c.Name), c.N, fmtFrac(c.Accuracy), fmtG(c.LogLoss), fmtFrac(c.ECE))
		}
		for _, c := range cls {
			ew.printf("\n**%s**\n\n| class | support | recall | precision |\n|---|--:|--:|--:|\n", cell(c.Name))
			for k, name := range c.Classes {
				support := 0
				for _, n := range c.Confusion[k] {
					support += n
				}
				ew.printf("| %s | %d | %s | %s |\n", cell(name), support, fmtFrac(c.Recall[k]), fmtFrac(c.Precision[k]))
			}
			ew.printf("\n")
			if ew.err == nil {
				ew.err = WriteConfusionMarkdown(w, c)
			}
		}
	}
	return ew.err
}

// WriteConfusionMarkdown writes the confusion matrix of c as a Markdown table,
// true classes in rows and predicted classes in columns.
func WriteConfusionMarkdown(w io.Writer, c Classification) error {
	ew := &errWriter{w: w}
	ew.printf("| true ↓ / predicted → |")
	for _, name := range c.Classes {
		ew.printf(" %s |", cell(name))
	}
	ew.printf("\n|---|%s\n", strings.Repeat("--:|", len(c.Classes)))
	for t, name := range c.Classes {
		ew.printf("| %s |", cell(name))
		for _, n := range c.Confusion[t] {
			ew.printf(" %d |", n)
		}
		ew.printf("\n")
	}
	return ew.err
}

// WriteCSV writes regs as CSV with a header line, one row per target; NaN
// scores are empty fields and full precision is kept.
func WriteCSV(w io.Writer, regs []Regression) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"name", "unit", "period", "n", "skipped", "r2", "rmse", "bias", "mae", "nmad",
		"outlier_frac", "outlier_threshold", "within_1sigma", "within_2sigma", "mean_sigma"})
	for _, r := range regs {
		cw.Write([]string{r.Name, r.Unit, csvFloat(r.Period), strconv.Itoa(r.N), strconv.Itoa(r.Skipped),
			csvFloat(r.R2), csvFloat(r.RMSE), csvFloat(r.Bias), csvFloat(r.MAE), csvFloat(r.NMAD),
			csvFloat(r.OutlierFrac), csvFloat(r.OutlierThreshold),
			csvFloat(r.Within1Sigma), csvFloat(r.Within2Sigma), csvFloat(r.MeanSigma)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("metrics: write CSV: %w", err)
	}
	return nil
}

// WriteComparison writes a Markdown table comparing methods on the same
// targets: one row per target (in order of first appearance), one column per
// method holding "R² / RMSE", the best R² of each row in bold, and a last row
// with each method's wall time per 1000 stamps in seconds. A target a method
// did not measure is "n/a".
func WriteComparison(w io.Writer, methods []Method) error {
	ew := &errWriter{w: w}
	var targets []string
	units := map[string]string{}
	for _, m := range methods {
		for _, r := range m.Regs {
			if _, ok := units[r.Name]; !ok {
				targets = append(targets, r.Name)
				units[r.Name] = r.Unit
			}
		}
	}
	ew.printf("| target | unit |")
	for _, m := range methods {
		ew.printf(" %s: R² / RMSE |", cell(m.Name))
	}
	ew.printf("\n|---|---|%s\n", strings.Repeat("--:|", len(methods)))
	for _, t := range targets {
		rs := make([]*Regression, len(methods))
		best := math.Inf(-1)
		for i, m := range methods {
			for j := range m.Regs {
				if m.Regs[j].Name == t {
					rs[i] = &m.Regs[j]
					if m.Regs[j].R2 > best {
						best = m.Regs[j].R2
					}
					break
				}
			}
		}
		ew.printf("| %s | %s |", cell(t), cell(units[t]))
		for _, r := range rs {
			if r == nil {
				ew.printf(" %s |", na)
				continue
			}
			r2 := fmtR2(r.R2)
			if r.R2 == best && len(methods) > 1 {
				r2 = "**" + r2 + "**"
			}
			ew.printf(" %s / %s |", r2, fmtG(r.RMSE))
		}
		ew.printf("\n")
	}
	ew.printf("| wall time per 1000 stamps (s) | |")
	for _, m := range methods {
		s := na
		if m.SecondsPer1000 > 0 && !math.IsInf(m.SecondsPer1000, 1) {
			s = fmtG(m.SecondsPer1000)
		}
		ew.printf(" %s |", s)
	}
	ew.printf("\n")
	return ew.err
}

// errWriter keeps the first write error so that a table can be written
// without checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	if _, err := fmt.Fprintf(e.w, format, args...); err != nil {
		e.err = fmt.Errorf("metrics: write table: %w", err)
	}
}

// cell escapes the characters that would break a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func fmtR2(x float64) string {
	if math.IsNaN(x) {
		return na
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

func fmtFrac(x float64) string {
	if math.IsNaN(x) {
		return na
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

func fmtG(x float64) string {
	if math.IsNaN(x) {
		return na
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

func csvFloat(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
