package emulate

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// maxMomentWindows bounds train.model.moments.
const maxMomentWindows = 8

// momentFeatureCount is the number of features momentFeatures gives per
// window and input channel.
const momentFeatureCount = 4

// momentFeatures returns, for each input channel and each Gaussian window
// width σ in sigmas (pixels), four features of the preprocessed image x
// [B, S, S, C] measured with the weight w(r) = exp(−r²/2σ²) about the stamp
// centre, w normalised to unit sum: with the weighted moments M₀ = Σ w I,
// M_x = Σ w I u, M_xx = Σ w I u², … (u, v the column and row offsets from
// the centre in units of σ) and D = M₀(M_xx + M_yy) − M_x² − M_y² (M₀² times
// the trace of the centred second moments),
//
//   - the weighted mean level M₀;
//   - the ellipticity components of the centred second moments,
//     e₁ = (M₀(M_xx − M_yy) − M_x² + M_y²)/(|D| + ε) and
//     e₂ = 2(M₀M_xy − M_xM_y)/(|D| + ε), clipped to [−1, 1] (noise can push
//     them past it), ε = 1e-8;
//   - the size D/(M₀² + ε), the trace of the centred second moments in
//     units of σ², clipped to [0, 4].
//
// The centred moments make the features independent of the galaxy's
// sub-pixel offset to first order. Any monotonic stretch of an elliptical
// profile (such as the asinh preprocessing) keeps its isophotes, so e₁, e₂
// measure the PSF-convolved galaxy's ellipticity, for a bright galaxy far
// more precisely than the pooled convolutional features give it; the hidden
// layer learns how to combine and correct them (PSF, window, noise). They
// are functions of the input only (no variables, no gradient), the same for
// mocks and real stamps, and turn with the image under the augmentation's
// rotations and flips. The result is [B, C·len(sigmas)·momentFeatureCount].
func momentFeatures(x *Node, sigmas []float64) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	B, S, C, K := dims[0], dims[1], dims[3], len(sigmas)
	// Columns q·K + k of the weight matrix: quantity q (1, u, v, u², v², uv)
	// for window k.
	const nq = 6
	w := make([]float32, S*S*nq*K)
	for k, sg := range sigmas {
		var sum float64
		for r := range S {
			for c := range S {
				u, v := (float64(c)+0.5-float64(S)/2)/sg, (float64(r)+0.5-float64(S)/2)/sg
				sum += math.Exp(-(u*u + v*v) / 2)
			}
		}
		for r := range S {
			for c := range S {
				u, v := (float64(c)+0.5-float64(S)/2)/sg, (float64(r)+0.5-float64(S)/2)/sg
				wt := math.Exp(-(u*u+v*v)/2) / sum
				row := w[(r*S+c)*nq*K:]
				for q, f := range [nq]float64{1, u, v, u * u, v * v, u * v} {
					row[q*K+k] = float32(wt * f)
				}
			}
		}
	}
	W := ConstTensor(g, tensors.FromFlatDataAndDimensions(w, S*S, nq*K))
	xs := StopGradient(x)
	var flat *Node
	if C == 1 {
		flat = Reshape(xs, B, S*S)
	} else {
		flat = Reshape(TransposeAllDims(Reshape(xs, B, S*S, C), 0, 2, 1), B*C, S*S)
	}
	mom := MatMul(flat, W) // [B·C, 6K]
	q := func(i int) *Node { return Slice(mom, AxisRange(), AxisRange(i*K, (i+1)*K)) }
	m0, mx, my, mxx, myy, mxy := q(0), q(1), q(2), q(3), q(4), q(5)
	const eps = 1e-8
	d := Sub(Mul(m0, Add(mxx, myy)), Add(Square(mx), Square(my)))
	den := AddScalar(Abs(d), eps)
	e1 := Div(Sub(Mul(m0, Sub(mxx, myy)), Sub(Square(mx), Square(my))), den)
	e2 := Div(MulScalar(Sub(Mul(m0, mxy), Mul(mx, my)), 2), den)
	size := Div(d, AddScalar(Square(m0), eps))
	f := Concatenate([]*Node{m0, ClipScalar(e1, -1, 1), ClipScalar(e2, -1, 1), ClipScalar(size, 0, 4)}, 1) // [B·C, 4K]
	return StopGradient(Reshape(f, B, C*momentFeatureCount*K))
}
