package emulate

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestIm2colMatchesNative: the im2col network (pure-Go backend path) and the
// native-convolution network (XLA path) are the same function of the same
// variables.
func TestIm2colMatchesNative(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	cfg := ModelConfig{Widths: []int{4, 6}, ConvsPerBlock: 2, Dense: 8, Conv: "im2col"}
	n := newNet(be, cfg, speedTargets(), 3)
	const bs, s, nb = 2, 12, 3
	x := make([]float32, bs*s*s*nb)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	outOf := func(im2col bool) []float32 {
		n.im2col = im2col
		e, err := model.NewExec(be, n.store, func(scope *model.Scope, x *Node) *Node { return n.forward(scope, x) })
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Exec(tensors.FromFlatDataAndDimensions(x, bs, s, s, nb))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](r[0])
	}
	a, b := outOf(true), outOf(false)
	if len(a) != bs*totalOutputs(speedTargets()) {
		t.Fatalf("%d outputs", len(a))
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5*(1+math.Abs(float64(a[i]))) {
			t.Fatalf("output %d: im2col %v, native %v", i, a[i], b[i])
		}
	}
}

// TestPreprocess: the input is asinh(sci/(stretch·median rms)); masked
// pixels are 0; channels come out last.
func TestPreprocess(t *testing.T) {
	const s, nb = 2, 2
	sci := []float32{0, 3, -3, float32(math.NaN()), 10, 20, 30, 40}
	rms := []float32{1, 1, 1, 1, 2, 2, 0, 2} // band 1: one masked pixel (rms 0)
	dst := make([]float32, s*s*nb)
	Preprocess(dst, sci, rms, s, nb, 3, nil)
	want := []float64{0, math.Asinh(10.0 / 6), math.Asinh(1), math.Asinh(20.0 / 6), math.Asinh(-1), 0, 0, math.Asinh(40.0 / 6)}
	for i, w := range want {
		if math.Abs(float64(dst[i])-w) > 1e-6 {
			t.Errorf("dst[%d] = %v, want %v", i, dst[i], w)
		}
	}
}

// TestAngleDecode: (cos 2θ, sin 2θ) decode to θ, and the σ of θ follows from
// the σ of the components: for a unit vector with equal σ_c = σ_s = σ, σ_θ =
// σ/2 rad.
func TestAngleDecode(t *testing.T) {
	tg := Target{Kind: Regression, Transform: TransformAngle180}
	for _, th := range []float64{-80, -30, 0, 45, 89} {
		r := 2 * th * math.Pi / 180
		ls := float32(math.Log(0.1))
		p := tg.decode([]float32{float32(math.Cos(r)), float32(math.Sin(r)), ls, ls})
		if math.Abs(p.Value-th) > 1e-4 {
			t.Errorf("θ = %g: decoded %g", th, p.Value)
		}
		if want := 0.05 * 180 / math.Pi; math.Abs(p.Sigma-want) > 1e-4*want {
			t.Errorf("θ = %g: σ %g, want %g", th, p.Sigma, want)
		}
	}
	// log10 targets: σ propagates to the linear value.
	lt := Target{Kind: Regression, Transform: TransformLog10, Mean: 0.5, Std: 0.2}
	p := lt.decode([]float32{1, float32(math.Log(0.5))})
	if y := math.Pow(10, 0.7); math.Abs(p.Value-y) > 1e-9 || math.Abs(p.Sigma-math.Ln10*y*0.1) > 1e-6 { // σ through float32 log σ
		t.Errorf("log10 decode: %+v", p)
	}
}
