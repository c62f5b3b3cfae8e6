package metrics

import (
	"fmt"
	"math"
)

// logLossEps is the smallest probability used in the log-loss, so that a
// confidently wrong prediction costs −ln(1e-15) ≈ 34.5 rather than +Inf
// (the clipping of scikit-learn's log_loss).
const logLossEps = 1e-15

// Classification holds the scores of one categorical target, such as a
// morphological class. A score that cannot be computed is NaN.
type Classification struct {
	// Name is the target's name, e.g. "morphology".
	Name string
	// Classes are the class names; class k of truth and prediction is
	// Classes[k].
	Classes []string

	// N is the number of entries scored.
	N int
	// Skipped is the number of entries left out: truth or prediction
	// outside [0, len(Classes)), or a probability row with a NaN, ±Inf or
	// negative entry or a zero sum.
	Skipped int

	// Accuracy is the fraction of entries whose predicted class is the true
	// one.
	Accuracy float64
	// Confusion[t][p] counts entries of true class t predicted as class p.
	Confusion [][]int
	// Recall[k] is the fraction of entries of true class k predicted as k
	// (NaN if class k never occurs in the truth).
	Recall []float64
	// Precision[k] is the fraction of entries predicted as class k that
	// belong to k (NaN if k is never predicted).
	Precision []float64
	// LogLoss is the mean cross-entropy −ln p(true class), with each row of
	// probabilities normalised to unit sum and p clipped below at 1e-15. It
	// is NaN when only predicted classes were given.
	LogLoss float64
	// ECE is the expected calibration error of the top-label confidence
	// (Guo et al. 2017): entries binned by the probability of their
	// predicted class into eceBins equal-width bins, and the bins' |accuracy
	// − mean confidence| averaged with weights n_bin/N. 0 for calibrated
	// probabilities (up to binning noise); NaN when only predicted classes
	// were given.
	ECE float64
}

// eceBins is the number of confidence bins of Classification.ECE.
const eceBins = 10

// EvalClassification scores class probabilities prob (one row of
// len(classes) probabilities per entry, e.g. a softmax output) against the
// true classes truth. The predicted class is the most probable one, the
// first on ties. EvalClassification panics if prob and truth differ in
// length or a row of prob does not have len(classes) entries.
func EvalClassification(name string, classes []string, truth []int, prob [][]float64) Classification {
	checkLen("EvalClassification", len(truth), len(prob))
	k := len(classes)
	c := newClassification(name, classes)
	var sumLoss float64
	var binN [eceBins]int
	var binHit, binConf [eceBins]float64
	for i, t := range truth {
		row := prob[i]
		if len(row) != k {
			panic(fmt.Sprintf("metrics: EvalClassification: row %d has %d probabilities for %d classes", i, len(row), k))
		}
		if t < 0 || t >= k {
			c.Skipped++
			continue
		}
		best, sum, ok := 0, 0.0, true
		for j, p := range row {
			if !finite(p) || p < 0 {
				ok = false
				break
			}
			sum += p
			if p > row[best] {
				best = j
			}
		}
		if !ok || !(sum > 0) {
			c.Skipped++
			continue
		}
		c.Confusion[t][best]++
		c.N++
		sumLoss -= math.Log(math.Max(row[t]/sum, logLossEps))
		conf := row[best] / sum
		b := min(int(conf*eceBins), eceBins-1)
		binN[b]++
		binConf[b] += conf
		if best == t {
			binHit[b]++
		}
	}
	c.finish()
	if c.N > 0 {
		c.LogLoss = sumLoss / float64(c.N)
		c.ECE = 0
		for b, n := range binN {
			if n > 0 {
				c.ECE += math.Abs(binHit[b]-binConf[b]) / float64(c.N)
			}
		}
	}
	return c
}

// EvalClassificationPred scores predicted classes pred against the true
// classes truth; LogLoss is NaN. EvalClassificationPred panics if pred and
// truth differ in length.
func EvalClassificationPred(name string, classes []string, truth, pred []int) Classification {
	checkLen("EvalClassificationPred", len(truth), len(pred))
	k := len(classes)
	c := newClassification(name, classes)
	for i, t := range truth {
		p := pred[i]
		if t < 0 || t >= k || p < 0 || p >= k {
			c.Skipped++
			continue
		}
		c.Confusion[t][p]++
		c.N++
	}
	c.finish()
	return c
}

func newClassification(name string, classes []string) Classification {
	k := len(classes)
	c := Classification{
		Name:      name,
		Classes:   append([]string(nil), classes...),
		Confusion: make([][]int, k),
		Recall:    make([]float64, k),
		Precision: make([]float64, k),
		Accuracy:  math.NaN(),
		LogLoss:   math.NaN(),
		ECE:       math.NaN(),
	}
	for t := range c.Confusion {
		c.Confusion[t] = make([]int, k)
	}
	return c
}

// finish computes accuracy, recall and precision from the confusion matrix.
func (c *Classification) finish() {
	k := len(c.Classes)
	diag := 0
	for j := range k {
		var row, col int
		for i := range k {
			row += c.Confusion[j][i]
			col += c.Confusion[i][j]
		}
		diag += c.Confusion[j][j]
		c.Recall[j] = ratio(c.Confusion[j][j], row)
		c.Precision[j] = ratio(c.Confusion[j][j], col)
	}
	c.Accuracy = ratio(diag, c.N)
}

// ratio returns a/b, or NaN when b is zero.
func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
