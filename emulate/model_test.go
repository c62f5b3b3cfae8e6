package emulate

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// TestIm2colMatchesNative: the im2col network (pure-Go backend path) and the
// native-convolution network (XLA path) are the same function of the same
// variables, with the batch in one chain and cut into convGroup groups of 2
// and 1 images.
func TestIm2colMatchesNative(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	defer func(g int, h float64) { convGroup, headInitScale = g, h }(convGroup, headInitScale)
	headInitScale = 1 // a zero head would make every output 0 in both
	for _, group := range []int{0, 2} {
		convGroup = group
		for _, layout := range []string{LayoutInOut, LayoutPerLayer} {
			im2colMatchesNative(t, be, ModelConfig{Widths: []int{4, 6}, ConvsPerBlock: 2, Dense: 8, Conv: "im2col", WeightLayout: layout})
		}
		im2colMatchesNative(t, be, ModelConfig{Widths: []int{4, 6}, ConvsPerBlock: 1, Dense: 8, Fovea: 6, FoveaWidths: []int{3, 5}, Conv: "im2col", WeightLayout: LayoutPerLayer})
	}
}

// TestFoveaValidate: the fovea cannot be larger than the input.
func TestFoveaValidate(t *testing.T) {
	m := DefaultModelConfig()
	m.Fovea = 16
	if err := m.Validate(64); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(12); err == nil || !strings.Contains(err.Error(), "train.model.fovea = 16: larger than the 12-pixel input") {
		t.Fatalf("got %v", err)
	}
	if r := m.resolved(); !slices.Equal(r.FoveaWidths, DefaultFoveaWidths) || m.FoveaWidths != nil {
		t.Fatalf("resolved %v (from %v)", r.FoveaWidths, m.FoveaWidths)
	}
}

func im2colMatchesNative(t *testing.T, be compute.Backend, cfg ModelConfig) {
	n := newNet(be, cfg, speedTargets(), 3)
	const bs, s, nb = 3, 12, 3
	x := make([]float32, bs*s*s*nb)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	outOf := func(im2col bool) []float32 {
		n.im2col = im2col
		return forwardOnce(t, be, n, x, bs, s, nb)
	}
	a, b := outOf(true), outOf(false)
	if len(a) != bs*totalOutputs(speedTargets()) {
		t.Fatalf("%d outputs", len(a))
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5*(1+math.Abs(float64(a[i]))) {
			t.Fatalf("%s, group %d: output %d: im2col %v, native %v", cfg.WeightLayout, convGroup, i, a[i], b[i])
		}
	}
}

// forwardOnce runs n's inference graph once on x [bs, s, s, nb] (creating
// the variables on a first call) and returns the flat outputs.
func forwardOnce(t *testing.T, be compute.Backend, n *net, x []float32, bs, s, nb int) []float32 {
	t.Helper()
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

// TestPreprocess: the input is asinh(sci/(stretch·median rms)); masked
// pixels are 0; channels come out last.
func TestPreprocess(t *testing.T) {
	const s, nb = 2, 2
	sci := []float32{0, 3, -3, float32(math.NaN()), 10, 20, 30, 40}
	rms := []float32{1, 1, 1, 1, 2, 2, 0, 2} // band 1: one masked pixel (rms 0)
	dst := make([]float32, s*s*nb)
	Preprocess(dst, sci, rms, s, nb, Preprocessing{Stretch: 3}, nil)
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

// TestIm2colGradient: the patches built with shifted Pads carry the same
// gradient, with respect to the input and to the kernel, as the backend's
// native convolution (for the patches' custom gradient).
func TestIm2colGradient(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	const bs, h, w, c, out = 2, 5, 7, 3, 4
	x := make([]float32, bs*h*w*c)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.71) + 0.1)
	}
	k := make([]float32, 9*c*out)
	for i := range k {
		k[i] = float32(math.Cos(float64(i) * 0.53))
	}
	grads := func(im2col bool) [][]float32 {
		e, err := NewExec(be, func(x, k *Node) []*Node {
			var y *Node
			if im2col {
				y = MatMul(Reshape(im2col3x3(x, true, false), bs*h*w, 9*c), k)
				y = Reshape(y, bs, h, w, out)
			} else {
				zero := ScalarZero(x.Graph(), x.DType())
				pad := Pad(x, zero, PadAxis{}, PadAxis{Start: 1, End: 1}, PadAxis{Start: 1, End: 1}, PadAxis{})
				y = Convolve(pad, Reshape(k, 3, 3, c, out)).NoPadding().Done()
			}
			// A loss that weights every output differently.
			wts := Sin(IotaFull(x.Graph(), y.Shape()))
			loss := ReduceAllSum(Mul(Mul(y, y), wts))
			gr := Gradient(loss, x, k)
			return []*Node{y, gr[0], gr[1]}
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Exec(tensors.FromFlatDataAndDimensions(x, bs, h, w, c), tensors.FromFlatDataAndDimensions(k, 9*c, out))
		if err != nil {
			t.Fatal(err)
		}
		res := make([][]float32, len(r))
		for i := range r {
			res[i] = tensors.MustCopyFlatData[float32](r[i])
		}
		return res
	}
	a, b := grads(true), grads(false)
	for j, name := range []string{"output", "d/dx", "d/dkernel"} {
		for i := range a[j] {
			if math.Abs(float64(a[j][i]-b[j][i])) > 1e-4*(1+math.Abs(float64(b[j][i]))) {
				t.Fatalf("%s[%d]: im2col %v, native %v", name, i, a[j][i], b[j][i])
			}
		}
	}
}

// TestMeanPoolGradient: meanPool2 and its custom gradient equal ReduceMean
// over 2×2 blocks and ReduceMean's own gradient, odd edges included.
func TestMeanPoolGradient(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	for _, dims := range [][4]int{{2, 6, 8, 3}, {1, 7, 5, 2}} {
		bs, h, w, c := dims[0], dims[1], dims[2], dims[3]
		x := make([]float32, bs*h*w*c)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*0.91) + 0.2)
		}
		run := func(fast bool) [][]float32 {
			e, err := NewExec(be, func(x *Node) []*Node {
				var y *Node
				if fast {
					y = meanPool2(x, true)
				} else {
					xs := Slice(x, AxisRange(), AxisRange(0, h/2*2), AxisRange(0, w/2*2), AxisRange())
					y = ReduceMean(Reshape(xs, bs, h/2, 2, w/2, 2, c), 2, 4)
				}
				loss := ReduceAllSum(Mul(Mul(y, y), Sin(IotaFull(x.Graph(), y.Shape()))))
				return []*Node{y, Gradient(loss, x)[0]}
			})
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Exec(tensors.FromFlatDataAndDimensions(x, bs, h, w, c))
			if err != nil {
				t.Fatal(err)
			}
			return [][]float32{tensors.MustCopyFlatData[float32](r[0]), tensors.MustCopyFlatData[float32](r[1])}
		}
		a, b := run(true), run(false)
		for j, name := range []string{"pooled", "d/dx"} {
			if len(a[j]) != len(b[j]) {
				t.Fatalf("%v %s: %d values, want %d", dims, name, len(a[j]), len(b[j]))
			}
			for i := range a[j] {
				if math.Abs(float64(a[j][i]-b[j][i])) > 1e-5*(1+math.Abs(float64(b[j][i]))) {
					t.Fatalf("%v %s[%d]: %v, want %v", dims, name, i, a[j][i], b[j][i])
				}
			}
		}
	}
}

// TestTrainStepMatchesNative: two training steps of the im2col network
// (custom gradients for the patches and the pooling, weights stored per
// layer) move every variable exactly as the same steps of the
// native-convolution network, whose gradients are GoMLX's own.
func TestTrainStepMatchesNative(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	defer func(h float64) { headInitScale = h }(headInitScale)
	headInitScale = 1 // gradients reach every layer from the first step
	const bs, s, nb = 3, 8, 2
	ts := speedTargets()
	x := make([]float32, bs*s*s*nb)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	ns := totalSlots(ts)
	lab := make([]float32, bs*ns)
	for i := range lab {
		lab[i] = float32(math.Cos(float64(i) * 0.61))
	}
	mask := make([]float32, bs*len(ts))
	for i := range mask {
		mask[i] = 1
	}
	vars := func(conv string) map[string][]float32 {
		cfg := ModelConfig{Widths: []int{4, 6}, ConvsPerBlock: 2, Dense: 8, DenseLayers: 2, Fovea: 4, FoveaWidths: []int{3, 5}, Conv: conv, WeightLayout: LayoutPerLayer}
		n := newNet(be, cfg, ts, 5)
		tc := DefaultConfig()
		tc.Model = cfg
		tr := n.trainer(tc, 100)
		for range 2 {
			if _, err := tr.TrainStep(train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, bs, s, s, nb)},
				Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(lab, bs, ns), tensors.FromFlatDataAndDimensions(mask, bs, len(ts))}}); err != nil {
				t.Fatal(err)
			}
		}
		out := map[string][]float32{}
		for v := range n.store.IterVariables() {
			if v.DType() != dtypes.Float32 || !strings.Contains(v.Path(), "/cnn/") { // weights and their Adam moments
				continue
			}
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
		return out
	}
	b := vars("native")
	// Once with the whole batch in one chain, once cut into convGroup groups
	// of 2 and 1 images.
	defer func(g int) { convGroup = g }(convGroup)
	for _, group := range []int{0, 2} {
		convGroup = group
		a := vars("im2col")
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("group %d: %d variables vs %d", group, len(a), len(b))
		}
		hidden, fovea := 0, 0
		for name := range a {
			if strings.Contains(name, "/hidden1/") {
				hidden++
			}
			if strings.Contains(name, "/fovea_conv1/") {
				fovea++
			}
		}
		if hidden < 2 { // the second hidden layer's weights and biases (and their Adam moments)
			t.Fatalf("group %d: %d variables of the second hidden layer", group, hidden)
		}
		if fovea < 2 { // likewise the fovea branch's second convolution
			t.Fatalf("group %d: %d variables of the fovea's second convolution", group, fovea)
		}
		for name, va := range a {
			vb, ok := b[name]
			if !ok || len(vb) != len(va) {
				t.Fatalf("group %d: %s: missing or different size in the native network", group, name)
			}
			for i := range va {
				if math.Abs(float64(va[i]-vb[i])) > 2e-5*(1+math.Abs(float64(vb[i]))) {
					t.Fatalf("group %d: %s[%d]: im2col %v, native %v", group, name, i, va[i], vb[i])
				}
			}
		}
	}
}

// TestTTACombine: InversePA undoes PA for the 8 symmetries; combineTTA turns
// angles back to the stamp's frame before averaging them as axes, averages
// log10 targets in dex with σ² = mean σ² + variance of the means, and
// averages class probabilities.
func TestTTACombine(t *testing.T) {
	augs := Augmentations(8)
	for _, a := range augs {
		for _, pa := range []float64{-89, -30, 0, 45, 89.5} {
			if got := a.InversePA(a.PA(pa)); math.Abs(wrap180(got-pa)) > 1e-9 {
				t.Errorf("%+v: InversePA(PA(%g)) = %g", a, pa, got)
			}
		}
	}
	ts := []Target{{Name: "pa", Kind: Regression, Transform: TransformAngle180},
		{Name: "re", Kind: Regression, Transform: TransformLog10},
		{Name: "c", Kind: Class}}
	views := make([][]Prediction, 2)
	aa := []Augmentation{{}, {Rot: 1, Flip: true}}
	// The true PA is 80°: the identity view sees 80 (σ 2), the other sees
	// the augmented angle of 88 (σ 4): the axes average to 84 despite the
	// wrap, with σ² the mean σ² (10), not widened by the views' spread.
	views[0] = []Prediction{{Value: 80, Sigma: 2}, {Value: 1, Sigma: 0.1}, {Probs: []float64{0.2, 0.8}}}
	views[1] = []Prediction{{Value: aa[1].PA(88), Sigma: 4}, {Value: 100, Sigma: 30}, {Probs: []float64{0.6, 0.4}}}
	p := combineTTA(ts, aa, views)
	if math.Abs(p[0].Value-84) > 1e-9 || math.Abs(p[0].Sigma-math.Sqrt(10)) > 1e-9 {
		t.Errorf("angle: %+v, want 84 ± √10", p[0])
	}
	// log10: 0 and 2 dex → mean 1 dex (10); σ_dex 0.1/(ln10·1) and
	// 30/(ln10·100) → σ_dex² their mean.
	sd := math.Sqrt((math.Pow(0.1/math.Ln10, 2) + math.Pow(0.3/math.Ln10, 2)) / 2)
	if math.Abs(p[1].Value-10) > 1e-9 || math.Abs(p[1].Sigma-math.Ln10*10*sd) > 1e-9 {
		t.Errorf("log10: %+v, want 10 ± %g", p[1], math.Ln10*10*sd)
	}
	if math.Abs(p[2].Probs[0]-0.4) > 1e-12 || p[2].Value != 1 {
		t.Errorf("class: %+v", p[2])
	}
	if len(Augmentations(0)) != 1 || len(Augmentations(20)) != 8 {
		t.Error("Augmentations does not clamp")
	}
}

// TestHostInitializer: the initial weights are drawn on the host (He normal
// from PCG(seed, FNV-1a of the scope path)), so they do not depend on the
// backend's random generator; the head starts at zero, so the first outputs
// are all 0 (standardised mean, log σ = 0); another seed gives other weights.
func TestHostInitializer(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	cfg := ModelConfig{Widths: []int{4, 6}, ConvsPerBlock: 1, Dense: 8, Conv: "im2col", WeightLayout: LayoutPerLayer}
	const bs, s, nb = 2, 8, 1
	x := make([]float32, bs*s*s*nb)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.37)) * 5
	}
	build := func(seed uint64) (*net, []float32) {
		n := newNet(be, cfg, speedTargets(), seed)
		return n, forwardOnce(t, be, n, x, bs, s, nb)
	}
	weights := func(n *net, suffix string) (*model.Variable, []float32) {
		for v := range n.store.IterVariables() {
			if strings.HasSuffix(v.Path(), suffix) {
				return v, tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		t.Fatalf("no variable %s", suffix)
		return nil, nil
	}
	n, out := build(5)
	for i, v := range out {
		if v != 0 {
			t.Fatalf("output %d of the untrained network is %v, want 0 (zero head)", i, v)
		}
	}
	// The hidden layer (6·2·2 = 24 inputs → 8 outputs, stored [out, in] by
	// the per-layer layout): σ = √(2/24), drawn in storage order.
	v, w := weights(n, "/hidden/dense/weights")
	if len(w) != 24*8 {
		t.Fatalf("%s has %d values", v.Path(), len(w))
	}
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSuffix(v.Path(), "/weights")))
	rng := rand.New(rand.NewPCG(initSeed(n.store), h.Sum64()))
	for i := range w {
		if want := float32(rng.NormFloat64() * math.Sqrt(2.0/24)); w[i] != want {
			t.Fatalf("%s[%d] = %v, want %v", v.Path(), i, w[i], want)
		}
	}
	if _, hw := weights(n, "/head/dense/weights"); slices.ContainsFunc(hw, func(x float32) bool { return x != 0 }) {
		t.Errorf("head weights are not all 0")
	}
	n2, _ := build(5)
	_, c := weights(n, "/block0_conv0/dense/weights")
	_, c2 := weights(n2, "/block0_conv0/dense/weights")
	if !slices.Equal(c, c2) {
		t.Errorf("the same seed gave different convolution weights")
	}
	n3, _ := build(6)
	if _, c3 := weights(n3, "/block0_conv0/dense/weights"); slices.Equal(c, c3) {
		t.Errorf("seeds 5 and 6 gave the same convolution weights")
	}
}

// TestPreprocessLinear: with train.input = asinh+linear each band has two
// channels, asinh(sci/(stretch·σ)) then sci/max(stretch·σ, P) with P the
// brightest valid pixel of the central half; masked pixels are 0 in both.
func TestPreprocessLinear(t *testing.T) {
	const s, nb = 8, 2
	sci := make([]float32, nb*s*s)
	rms := make([]float32, nb*s*s)
	for i := range s * s {
		rms[i], rms[s*s+i] = 1, 2
		sci[i] = float32(i%5) - 2 // band 0: −2…2, with a bright galaxy below
		sci[s*s+i] = float32(i%3) - 1
	}
	sci[4*s+4] = 100             // band 0: the central peak
	sci[0] = 500                 // band 0: brighter, but outside the central box
	sci[s*s+3*s+5] = 4           // band 1: faint: below 3σ = 6, so P = 6
	rms[s*s+2*s+2] = 0           // band 1: a masked pixel
	sci[3] = float32(math.NaN()) // band 0: another
	p := Preprocessing{Stretch: 3, Input: InputAsinhLinear}
	if p.Planes() != 2 {
		t.Fatalf("%d planes", p.Planes())
	}
	dst := make([]float32, nb*2*s*s)
	Preprocess(dst, sci, rms, s, nb, p, nil)
	one := make([]float32, nb*s*s)
	Preprocess(one, sci, rms, s, nb, Preprocessing{Stretch: 3}, nil)
	for i := range s * s {
		for b, peak := range []float64{100, 6} {
			v := float64(sci[b*s*s+i])
			wantLin := v / peak
			if (b == 1 && i == 2*s+2) || (b == 0 && i == 3) {
				wantLin = 0
			}
			if got := dst[i*4+b*2]; got != one[i*2+b] {
				t.Errorf("pixel %d band %d: asinh plane %v, want %v as with one plane", i, b, got, one[i*2+b])
			}
			if got := float64(dst[i*4+b*2+1]); math.Abs(got-wantLin) > 1e-6*math.Max(1, math.Abs(wantLin)) {
				t.Errorf("pixel %d band %d: linear plane %v, want %v", i, b, got, wantLin)
			}
		}
	}
}

// TestPreprocessQuad: with train.input = asinh+linear+quad each band has a
// third channel, quadGain·¼(a − Ra + R²a − R³a) of its asinh plane a (R the
// quarter turn about the centre). It is 0 for a centred round image, it keeps an
// elongated one's m = 2 pattern (opposite signs along and across the long
// axis), it commutes with every symmetry of the grid (so augmenting the
// preprocessed stamp equals preprocessing the augmented one), and masked
// pixels are 0 in it.
func TestPreprocessQuad(t *testing.T) {
	p := Preprocessing{Stretch: 3, Input: InputAsinhLinearQuad}
	if p.Planes() != 3 {
		t.Fatalf("%d planes", p.Planes())
	}
	for _, s := range []int{8, 7} {
		c := float64(s-1) / 2
		img := func(qx, qy, dx float64) []float32 { // a Gaussian, centre offset dx, axis ratios qx, qy
			v := make([]float32, 2*s*s)
			for y := range s {
				for x := range s {
					u, w := (float64(x)-c-dx)/qx, (float64(y)-c)/qy
					v[y*s+x] = float32(400 * math.Exp(-(u*u+w*w)/4))
					v[s*s+y*s+x] = 1 // rms
				}
			}
			return v
		}
		pre := func(v []float32) []float32 {
			dst := make([]float32, 3*s*s)
			Preprocess(dst, v[:s*s], v[s*s:], s, 1, p, nil)
			return dst
		}
		// Round: no quadrupole.
		for i, v := range pre(img(1, 1, 0)) {
			if i%3 == 2 && math.Abs(float64(v)) > 1e-5 {
				t.Fatalf("s=%d: round image: quadrupole %v at pixel %d", s, v, i/3)
			}
		}
		// Elongated along x: the quadrupole is positive along the long
		// axis and negative across it, and the asinh plane is the one
		// plane preprocessing gives.
		e := pre(img(1.5, 1, 0))
		one := make([]float32, s*s)
		v := img(1.5, 1, 0)
		Preprocess(one, v[:s*s], v[s*s:], s, 1, Preprocessing{Stretch: 3}, nil)
		mid := s / 2
		along, across := e[(mid*s+0)*3+2], e[(0*s+mid)*3+2]
		if s%2 == 0 {
			along, across = e[((mid-1)*s+0)*3+2], e[(0*s+mid-1)*3+2]
		}
		if !(along > 0.1 && across < -0.1) {
			t.Fatalf("s=%d: elongated image: quadrupole %v along, %v across its long axis", s, along, across)
		}
		for i := range s * s {
			if e[i*3] != one[i] {
				t.Fatalf("s=%d pixel %d: asinh plane %v, want %v", s, i, e[i*3], one[i])
			}
		}
		// Equivariance under the 8 symmetries, for a shape with no symmetry.
		rng := rand.New(rand.NewPCG(uint64(s), 5))
		raw := img(1.7, 0.8, 0.3)
		for i := range s * s {
			raw[i] += float32(rng.NormFloat64())
		}
		base := pre(raw)
		for _, a := range Augmentations(8) {
			turned := make([]float32, 2*s*s)
			a.Apply(turned[:s*s], raw[:s*s], s, 1)
			a.Apply(turned[s*s:], raw[s*s:], s, 1)
			got := pre(turned)
			want := make([]float32, 3*s*s)
			a.Apply(want, base, s, 3)
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-5 {
					t.Fatalf("s=%d %+v: channel %d of pixel %d: preprocessing the turned stamp gives %v, turning the preprocessed one %v", s, a, i%3, i/3, got[i], want[i])
				}
			}
		}
		// A masked pixel is 0 in the quadrupole plane.
		raw[s*s+1] = 0
		if q := pre(raw)[1*3+2]; q != 0 {
			t.Fatalf("s=%d: masked pixel: quadrupole %v", s, q)
		}
	}
}
