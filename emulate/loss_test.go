package emulate

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestLossWeights: train.loss_weights multiplies a target's term of the
// training loss, train.beta_nll_targets sets its β, and neither changes the
// validation score.
func TestLossWeights(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	mag := Target{Name: "mag", Kind: Regression, Transform: TransformNone, Mean: 0, Std: 1}
	pa := Target{Name: "pa_deg", Kind: Regression, Transform: TransformAngle180}
	const bs = 3
	lab := []float32{0.3, 1, 0, -1.2, 0, 1, 0.5, 0.6, 0.8} // [bs, 3 slots]
	out := []float32{0.1, -0.5, 0.9, 0.2, -0.3, 0.1,       // [bs, 6 outputs]
		-1, 0.2, 0.1, 0.8, 0.4, -0.2,
		0.7, -1.1, 0.5, 0.5, 0, 0.3}
	eval := func(targets []Target, mask []float32, beta float64) (loss, score float64) {
		e, err := NewExec(be, func(lab, mask, out *Node) []*Node {
			return []*Node{lossGraph(targets, lab, mask, out, beta), scoreGraph(targets, lab, mask, out)}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		r, err := e.Exec(tensors.FromFlatDataAndDimensions(lab, bs, 3), tensors.FromFlatDataAndDimensions(mask, bs, 2),
			tensors.FromFlatDataAndDimensions(out, bs, 6))
		if err != nil {
			t.Fatal(err)
		}
		return scalarOf(r[0]), scalarOf(r[1])
	}
	both := []float32{1, 1, 1, 1, 1, 1}
	magOnly := []float32{1, 0, 1, 0, 1, 0}
	l, s := eval([]Target{mag, pa}, both, 0.5)
	lm, _ := eval([]Target{mag, pa}, magOnly, 0.5)
	pa.LossWeight = 2
	lw, sw := eval([]Target{mag, pa}, both, 0.5)
	if want := lm + 2*(l-lm); math.Abs(lw-want) > 1e-5*math.Abs(want) || math.Abs(l-lm) < 1e-3 {
		t.Errorf("loss with PA weighted ×2: %v, want %v (unweighted %v, mag alone %v)", lw, want, l, lm)
	}
	if sw != s {
		t.Errorf("the score changed with the weight: %v against %v", sw, s)
	}
	// A target's own β replaces train.beta_nll for its term only.
	pa.LossWeight = 0
	one := 1.0
	l1, _ := eval([]Target{mag, pa}, both, 1)
	lm1, _ := eval([]Target{mag, pa}, magOnly, 1)
	pa.BetaNLL = &one
	lb, sb := eval([]Target{mag, pa}, both, 0.5)
	if want := lm + (l1 - lm1); math.Abs(lb-want) > 1e-5*math.Abs(want) || math.Abs((l1-lm1)-(l-lm)) < 1e-3 {
		t.Errorf("loss with β = 1 for PA: %v, want %v", lb, want)
	}
	if sb != s {
		t.Errorf("the score changed with β: %v against %v", sb, s)
	}
}
