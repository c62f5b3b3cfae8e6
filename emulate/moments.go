package emulate

import (
	"math"
	"slices"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// momentScales are the σ, in input pixels, of the circular Gaussian weights
// of the moments branch (train.model.moments): from a PSF-sized core to the
// outskirts of the largest DeepLeGATo galaxies (Re 1.5″ = 25 pixels at 0.06″).
var momentScales = []float64{1.5, 3, 6, 12}

// momentCentroidScale is the σ (pixels) of the weight whose centroid the
// moments are taken about, and momentCentroidMax the largest shift of that
// centroid from the stamp centre it allows (pixels).
const (
	momentCentroidScale = 3.0
	momentCentroidMax   = 2.0
)

// MomentScales returns the σ, in input pixels, of the moments branch's
// Gaussian weights.
func MomentScales() []float64 { return slices.Clone(momentScales) }

// momentsPerChannel is the number of moment features of one input channel.
func momentsPerChannel() int { return 2 + 4*len(momentScales) }

// momentFeatures returns Gaussian-weighted image moments of every input
// channel of x [B, S, S, C] (channels last), as [B, C·momentsPerChannel()]
// features for the hidden layers. Per channel:
//
//   - the centroid (x̄, ȳ) of the image weighted by a Gaussian of σ =
//     momentCentroidScale about the stamp centre, in units of
//     momentCentroidMax and clipped to ±1;
//   - for each σ_w of momentScales, with the weight w = exp(−r²/2σ_w²) about
//     that centroid and the weighted second moments Iij = Σ w·I·di·dj:
//     e₁ = (Ixx − Iyy)/(Ixx + Iyy) and e₂ = 2Ixy/(Ixx + Iyy) (bounded to ±1),
//     the size t = (Ixx + Iyy)/(σ_w²·Σ w·I) (clipped to [−1, 3]) and the
//     weighted mean intensity asinh(Σ w·I / 2πσ_w²).
//
// These are the quantities of a classic moments shape measurement (Bernstein &
// Jarvis 2002) at fixed weights: linear sums over every pixel, which a stack
// of ReLU convolutions and mean pools only approximates. e₁ and e₂ turn with
// the image as the ellipticity does (a half turn leaves them, a quarter turn
// negates both, a flip negates e₂), so the augmentation's label transforms
// stay right. The weights are centred on the middle of the stamp, (S−1)/2, a
// fixed point of the half and quarter turns and the flips. Ratios whose
// denominator vanishes (blank or noise-only channels) are bounded, never
// infinite. No gradient flows back into x.
func momentFeatures(x *Node) *Node {
	g := x.Graph()
	dt := x.DType()
	dims := x.Shape().Dimensions
	bs, s, nc := dims[0], dims[1], dims[3]
	img := TransposeAllAxes(StopGradient(x), 0, 3, 1, 2) // [B, C, S, S]
	u := AddScalar(Iota(g, shapes.Make(dt, s), 0), -float64(s-1)/2)
	uy, ux := Reshape(u, 1, 1, s, 1), Reshape(u, 1, 1, 1, s)
	sum := func(v *Node) *Node { return ReduceSum(v, 2, 3) } // [B, C]
	gauss := func(d *Node, sigma float64) *Node { return Exp(MulScalar(Square(d), -0.5/(sigma*sigma))) }
	// safeDiv is a/b with |b| raised to 10⁻⁶ where it is smaller.
	safeDiv := func(a, b *Node) *Node {
		eps := ConstAs(b, 1e-6)
		return Div(a, Where(GreaterThan(Abs(b), eps), b, eps))
	}

	w0 := Mul(img, Mul(gauss(uy, momentCentroidScale), gauss(ux, momentCentroidScale)))
	f0 := sum(w0)
	cx := ClipScalar(safeDiv(sum(Mul(w0, ux)), f0), -momentCentroidMax, momentCentroidMax)
	cy := ClipScalar(safeDiv(sum(Mul(w0, uy)), f0), -momentCentroidMax, momentCentroidMax)
	dx := Sub(ux, Reshape(cx, bs, nc, 1, 1)) // [B, C, 1, S]
	dy := Sub(uy, Reshape(cy, bs, nc, 1, 1)) // [B, C, S, 1]
	dx2, dy2, dxy := Square(dx), Square(dy), Mul(dy, dx)

	feats := []*Node{DivScalar(cx, momentCentroidMax), DivScalar(cy, momentCentroidMax)}
	for _, sw := range momentScales {
		wi := Mul(img, Mul(gauss(dy, sw), gauss(dx, sw))) // [B, C, S, S]
		f := sum(wi)
		ixx, iyy, ixy := sum(Mul(wi, dx2)), sum(Mul(wi, dy2)), sum(Mul(wi, dxy))
		a := Add(ixx, iyy)
		b1, b2 := Sub(ixx, iyy), MulScalar(ixy, 2)
		// For a non-negative image |b₁|, |b₂| ≤ a; noise can break that, so
		// the denominator is the largest of the three (and at least 10⁻⁶).
		den := MaxScalar(Max(a, Max(Abs(b1), Abs(b2))), 1e-6)
		feats = append(feats,
			Div(b1, den), Div(b2, den),
			ClipScalar(safeDiv(a, MulScalar(f, sw*sw)), -1, 3),
			asinhNode(DivScalar(f, 2*math.Pi*sw*sw)))
	}
	return Reshape(Stack(feats, 2), bs, nc*len(feats))
}

// asinhNode is asinh(v) = sign(v)·ln(|v| + √(v² + 1)).
func asinhNode(v *Node) *Node {
	a := Abs(v)
	return Mul(Sign(v), Log(Add(a, Sqrt(AddScalar(Square(a), 1)))))
}
