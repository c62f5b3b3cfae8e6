package emulate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSigmaScales: σ that are half the true scatter get a scale near 2, and
// after scaling ⌈0.683·N⌉ of the N truths lie within 1σ; angle residuals
// are wrapped (a prediction of 89° for a truth of −89° is 2° off); class
// targets and too few stamps are left alone.
func TestSigmaScales(t *testing.T) {
	t.Parallel()
	targets := []Target{
		{Name: "mag", Kind: Regression, Mean: 21, Std: 1.7},
		{Name: "re", Kind: Regression, Transform: TransformLog10, Mean: -0.4, Std: 0.3, Column: 1},
		{Name: "pa", Kind: Regression, Transform: TransformAngle180, Column: 2},
		{Name: "phase", Kind: Class, Classes: []string{"a", "b"}, Column: 3},
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	metas := make([]Meta, n)
	preds := make([][]Prediction, n)
	for i := range n {
		mag, lre, pa := 18+6*r.Float64(), -1+r.Float64(), -90+180*r.Float64()
		metas[i] = Meta{ID: int64(i), Truth: []float32{float32(mag), float32(math.Pow(10, lre)), float32(pa), 1}}
		// Errors of σ 0.1 mag, 0.05 dex, 4°; the network claims half.
		re := math.Pow(10, lre+0.05*r.NormFloat64())
		preds[i] = []Prediction{
			{Value: mag + 0.1*r.NormFloat64(), Sigma: 0.05},
			{Value: re, Sigma: math.Ln10 * re * 0.025},
			{Value: wrap180(pa + 4*r.NormFloat64()), Sigma: 2},
			{Value: 1, Probs: []float64{0.2, 0.8}},
		}
	}
	s := sigmaScales(targets, metas, preds)
	for i, want := range []float64{2, 2, 2, 0} {
		if math.Abs(s[i]-want) > 0.1 {
			t.Errorf("%s: scale %.3f, want about %g", targets[i].Name, s[i], want)
		}
	}
	k := int(math.Ceil(coverage1σ * n))
	for i := range targets[:3] {
		targets[i].SigmaScale = s[i]
	}
	for i := range preds {
		for j := range 3 {
			preds[i][j].Sigma *= s[j]
		}
	}
	ev := Evaluate(targets, metas, preds)
	for _, reg := range ev.Regs {
		if got := reg.Within1Sigma * n; math.Abs(got-float64(k)) > 1.5 {
			t.Errorf("%s after scaling: %.0f of %d within 1σ, want %d", reg.Name, got, n, k)
		}
	}
	// Too few galaxies: no scaling, however many stamps they have.
	if s := sigmaScales(targets, metas[:minCalibration-1], preds[:minCalibration-1]); s[0] != 0 || s[2] != 0 {
		t.Errorf("%d galaxies: scales %v, want none", minCalibration-1, s)
	}
	few := slices.Clone(metas)
	for i := range few {
		few[i].ID = int64(i % (minCalibration - 1))
	}
	if s := sigmaScales(targets, few, preds); s[0] != 0 || s[2] != 0 {
		t.Errorf("%d stamps of %d galaxies: scales %v, want none", n, minCalibration-1, s)
	}
	// Wrapping: a truth of −89° predicted as 89° is 2° off, within 1σ of 3°.
	at := []Target{targets[2]}
	var am []Meta
	var ap [][]Prediction
	for i := range minCalibration {
		am = append(am, Meta{ID: int64(i), Truth: []float32{0, 0, -89}})
		ap = append(ap, []Prediction{{Value: 89, Sigma: 4}})
	}
	if s := sigmaScales(at, am, ap); math.Abs(s[0]-0.5) > 1e-9 {
		t.Errorf("wrapped angle: scale %v, want 0.5 (2° over σ 4°)", s[0])
	}
}

// TestTemperatures: labels drawn from softmax(z) and a network that reports
// softmax(3z) (overconfident) give T ≈ 3, after which the log loss and the
// ECE fall and no predicted class changes; a calibrated network gets T ≈ 1;
// too few galaxies or a regression target get 0.
func TestTemperatures(t *testing.T) {
	t.Parallel()
	targets := []Target{
		{Name: "mag", Kind: Regression, Mean: 21, Std: 1.7},
		{Name: "stage", Kind: Class, Classes: []string{"a", "b", "c"}, Column: 1},
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n = 4000
	metas := make([]Meta, n)
	over := make([][]Prediction, n)
	calib := make([][]Prediction, n)
	for i := range n {
		z := []float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())}
		p := softmax(z, 1)
		u, k := r.Float64(), 0
		for k < 2 && u > p[k] {
			u -= p[k]
			k++
		}
		metas[i] = Meta{ID: int64(i), Truth: []float32{20, float32(k)}}
		z3 := []float32{3 * z[0], 3 * z[1], 3 * z[2]}
		over[i] = []Prediction{{Value: 20, Sigma: 1}, {Value: float64(argmax(softmax(z3, 1))), Probs: softmax(z3, 1)}}
		calib[i] = []Prediction{{Value: 20, Sigma: 1}, {Value: float64(argmax(p)), Probs: p}}
	}
	T := temperatures(targets, metas, over)
	if T[0] != 0 || math.Abs(T[1]-3) > 0.25 {
		t.Fatalf("overconfident by 3: temperatures %v, want [0 ≈3]", T)
	}
	if Tc := temperatures(targets, metas, calib); math.Abs(Tc[1]-1) > 0.1 {
		t.Errorf("calibrated: temperature %v, want ≈ 1", Tc[1])
	}
	before := Evaluate(targets, metas, over).Classes[0]
	scaled := make([][]Prediction, n)
	for i := range over {
		// The probabilities decode gives at temperature T.
		z := make([]float32, 3)
		for j, p := range over[i][1].Probs {
			z[j] = float32(math.Log(p))
		}
		p := softmax(z, T[1])
		if argmax(p) != int(over[i][1].Value) {
			t.Fatalf("stamp %d: the temperature changed the predicted class", i)
		}
		scaled[i] = []Prediction{over[i][0], {Value: float64(argmax(p)), Probs: p}}
	}
	after := Evaluate(targets, metas, scaled).Classes[0]
	if !(after.LogLoss < before.LogLoss) || !(after.ECE < 0.5*before.ECE) || !(after.ECE < 0.03) {
		t.Errorf("log loss %.4f → %.4f, ECE %.4f → %.4f: want both lower, ECE below 0.03", before.LogLoss, after.LogLoss, before.ECE, after.ECE)
	}
	if T := temperatures(targets, metas[:minCalibration-1], over[:minCalibration-1]); T[1] != 0 {
		t.Errorf("%d galaxies: temperature %v, want none", minCalibration-1, T[1])
	}
}
