package emulate

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/nn"
)

// ModelConfig is the `train.model:` section: a compact CNN. Each entry of
// Widths is one block of ConvsPerBlock 3×3 convolutions ("same" padding, bias,
// ReLU) with that many output channels, followed by a 2×2 mean pool; the last
// block's feature map is flattened into DenseLayers hidden layers Dense wide
// (ReLU) and a linear head with every target's outputs. With Fovea > 0 a
// second branch sees the central Fovea×Fovea pixels at full resolution: 3×3
// convolutions of FoveaWidths channels with no pooling between them, one 2×2
// mean pool, and its features flattened beside the main branch's.
type ModelConfig struct {
	// Widths are the channels of each convolution block. Default [32, 64, 128].
	Widths []int `mapstructure:"widths" json:"widths"`
	// ConvsPerBlock is the number of 3×3 convolutions per block. Default 1.
	ConvsPerBlock int `mapstructure:"convs_per_block" json:"convs_per_block"`
	// Dense is the width of the hidden fully-connected layers. Default 256.
	Dense int `mapstructure:"dense" json:"dense"`
	// DenseLayers is the number of hidden fully-connected layers. Default 1
	// (0 in a model.json written before the key existed means 1).
	DenseLayers int `mapstructure:"dense_layers" json:"dense_layers,omitempty"`
	// Fovea is the side, in input pixels, of the central crop that the
	// fovea branch convolves at full resolution; 0 (the default) leaves the
	// branch out. The main branch pools after every block, so its later
	// convolutions see the centre of a small galaxy at 2–4× coarser
	// sampling; the fovea keeps the finest scale for the core.
	Fovea int `mapstructure:"fovea" json:"fovea,omitempty"`
	// FoveaWidths are the channels of the fovea branch's 3×3 convolutions.
	// Default [32, 64] when Fovea > 0.
	FoveaWidths []int `mapstructure:"fovea_widths" json:"fovea_widths,omitempty"`
	// Conv selects the convolution implementation: "auto" (im2col on the
	// pure-Go backend, the backend's native convolution elsewhere), "im2col"
	// or "native". Default "auto".
	Conv string `mapstructure:"conv" json:"conv"`
	// WeightLayout is how the weight matrices of the convolutions and the
	// hidden layer are stored: "per_layer" ([out, in] where a layer has fewer
	// outputs than inputs, which spares the pure-Go backend's fused dense
	// gradient a transpose of the larger matrix; [in, out] elsewhere) or
	// "in_out" (every weight [in, out]; models written before per_layer
	// existed have no weight_layout in model.json and mean this). Not a
	// config key: new models use per_layer.
	WeightLayout string `mapstructure:"-" json:"weight_layout,omitempty"`
}

// Weight layouts (ModelConfig.WeightLayout).
const (
	LayoutInOut    = "in_out"
	LayoutPerLayer = "per_layer"
)

// DefaultModelConfig returns the default network.
func DefaultModelConfig() ModelConfig {
	return ModelConfig{Widths: []int{32, 64, 128}, ConvsPerBlock: 1, Dense: 256, DenseLayers: 1, Conv: "auto", WeightLayout: LayoutPerLayer}
}

// Validate checks the section; errors name the key.
func (m ModelConfig) Validate(inputSize int) error {
	if len(m.Widths) == 0 {
		return fmt.Errorf("train.model.widths: need at least one block")
	}
	for i, w := range m.Widths {
		if w <= 0 {
			return fmt.Errorf("train.model.widths[%d] = %d: must be positive", i, w)
		}
	}
	if m.ConvsPerBlock <= 0 {
		return fmt.Errorf("train.model.convs_per_block = %d: must be positive", m.ConvsPerBlock)
	}
	if m.Dense <= 0 {
		return fmt.Errorf("train.model.dense = %d: must be positive", m.Dense)
	}
	if m.DenseLayers < 0 || m.DenseLayers > 8 {
		return fmt.Errorf("train.model.dense_layers = %d: want 1 to 8", m.DenseLayers)
	}
	switch m.Conv {
	case "auto", "im2col", "native":
	default:
		return fmt.Errorf("train.model.conv = %q: want auto, im2col or native", m.Conv)
	}
	switch m.WeightLayout {
	case "", LayoutInOut, LayoutPerLayer:
	default:
		return fmt.Errorf("model weight_layout %q: want %s or %s", m.WeightLayout, LayoutInOut, LayoutPerLayer)
	}
	if inputSize > 0 && inputSize>>len(m.Widths) < 1 {
		return fmt.Errorf("train.model.widths: %d pooling blocks shrink a %d-pixel input below one pixel", len(m.Widths), inputSize)
	}
	if m.Fovea < 0 || m.Fovea%2 != 0 {
		return fmt.Errorf("train.model.fovea = %d: want 0 (no fovea branch) or an even side of at least 2 pixels", m.Fovea)
	}
	if inputSize > 0 && m.Fovea > inputSize {
		return fmt.Errorf("train.model.fovea = %d: larger than the %d-pixel input", m.Fovea, inputSize)
	}
	for i, w := range m.FoveaWidths {
		if w <= 0 {
			return fmt.Errorf("train.model.fovea_widths[%d] = %d: must be positive", i, w)
		}
	}
	return nil
}

// DefaultFoveaWidths are the fovea branch's convolutions when a config sets
// train.model.fovea without train.model.fovea_widths.
var DefaultFoveaWidths = []int{32, 64}

// resolved returns m with the defaults of keys that depend on others filled
// in (the fovea's widths), as a trained model records them.
func (m ModelConfig) resolved() ModelConfig {
	if m.Fovea > 0 && len(m.FoveaWidths) == 0 {
		m.FoveaWidths = slices.Clone(DefaultFoveaWidths)
	}
	return m
}

// convGroup is the number of images the im2col convolutions of network
// process together: a larger batch is cut into groups of convGroup images
// that pass through the convolution blocks as separate chains of operations
// (sharing their weights) and are joined before the dense layers. The
// pure-Go backend runs independent operations concurrently, but its Pad,
// Concatenate and transposes, about half of a training step, are each
// single-threaded: with one chain, a training step kept 1.15 of the 2 cores
// busy. Groups of 16 trained the default network 1.6× faster and ran its
// inference 2× faster than one chain (groups of 8 were about as fast, of 32
// slower; alternated runs of `galforge bench cnn`, BENCHMARKS.md). The
// result is the same function; only the order of the sums in the weight
// gradients changes. 0 disables the grouping.
var convGroup = 16

// network builds the CNN graph. x is [batch, S, S, C] (channels last); the
// result is [batch, nOut]. im2col selects the convolution written as padding,
// nine shifted slices, a concatenation and a dense layer, which runs on the
// pure-Go backend's fast matrix multiplication (DESIGN.md); otherwise the
// backend's native convolution is used. Both have the same parameters and
// compute the same function.
func network(scope *model.Scope, m ModelConfig, im2col bool, x *Node, nOut int) *Node {
	m = m.resolved()
	// Training graphs get the custom gradients, the pool's zero-valued
	// gradient carrier and the biases inside the matrix products; inference
	// graphs skip all three.
	grad := scope.Store().IsTraining(x.Graph())
	bsz, groups := x.Shape().Dimensions[0], 1
	if im2col && convGroup > 0 {
		groups = (bsz + convGroup - 1) / convGroup
	}
	parts := make([]*Node, groups)
	fparts := make([]*Node, groups)
	for i := range parts {
		xi := x
		if groups > 1 {
			xi = Slice(x, AxisRange(i*convGroup, min(bsz, (i+1)*convGroup)))
		}
		sc := scope.Shared // the first group creates the variables, the others reuse them
		if i == 0 {
			sc = scope.In
		}
		if m.Fovea > 0 {
			// The central crop (symmetric under the half and quarter
			// turns of the augmentation, for even sides).
			st := (xi.Shape().Dimensions[1] - m.Fovea) / 2
			fi := Slice(xi, AxisRange(), AxisRange(st, st+m.Fovea), AxisRange(st, st+m.Fovea), AxisRange())
			for c, w := range m.FoveaWidths {
				fi = m.conv3x3(sc("fovea_conv%d", c), fi, w, im2col, grad)
			}
			fparts[i] = meanPool2(fi, grad)
		}
		for b, w := range m.Widths {
			for c := 0; c < m.ConvsPerBlock; c++ {
				xi = m.conv3x3(sc("block%d_conv%d", b, c), xi, w, im2col, grad) // with its ReLU
			}
			xi = meanPool2(xi, grad)
		}
		parts[i] = xi
	}
	flat := func(parts []*Node) *Node {
		x := parts[0]
		if groups > 1 {
			x = Concatenate(parts, 0)
		}
		dims := x.Shape().Dimensions
		return Reshape(x, dims[0], dims[1]*dims[2]*dims[3])
	}
	x = flat(parts)
	if m.Fovea > 0 {
		x = Concatenate([]*Node{x, flat(fparts)}, 1)
	}
	for l := 0; l < max(m.DenseLayers, 1); l++ {
		x = m.dense(scope.In("%s", hiddenScope(l)), x, m.Dense, activation.TypeRelu)
	}
	head := scope.In("head")
	return layers.Dense(head.WithInitializer(hostInitializer(head, false, headInitScale)), x, true, nOut)
}

// hiddenScope names the l-th hidden layer's variables: "hidden", then
// "hidden1", "hidden2", … (so models with one hidden layer keep their names).
func hiddenScope(l int) string {
	if l == 0 {
		return "hidden"
	}
	return fmt.Sprintf("hidden%d", l)
}

// transposed reports whether a layer from in to out features stores its
// weights [out, in].
func (m ModelConfig) transposed(in, out int) bool {
	return m.WeightLayout == LayoutPerLayer && out < in
}

// dense is a fully-connected layer with bias and activation act, with the
// weight layout of m; its variables are "dense/weights" and "dense/biases"
// under scope, as layers.Dense names them. The activation is fused into the
// backend's dense operation where it has one.
func (m ModelConfig) dense(scope *model.Scope, x *Node, out int, act activation.Type) *Node {
	return m.denseOnes(scope, x, out, act, false)
}

// denseOnes is dense where x's last channel is a column of ones (onesIn):
// the bias is then appended to the weight matrix as the row (or column) that
// multiplies it, so that its gradient comes out of the matrix product
// instead of the pure-Go backend's bias reduction, which reads the output
// gradient column by column (9 % of a training step in the profile). The
// variables are the same as dense's.
func (m ModelConfig) denseOnes(scope *model.Scope, x *Node, out int, act activation.Type, onesIn bool) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	if onesIn {
		in--
	}
	ds := scope.In("dense")
	layout := compute.DenseLayoutInputOutputs
	wShape := shapes.Make(x.DType(), in, out)
	tr := m.transposed(in, out)
	ds = ds.WithInitializer(hostInitializer(ds, tr, 1))
	if tr {
		layout = compute.DenseLayoutOutputsInput
		wShape = shapes.Make(x.DType(), out, in)
	}
	g := x.Graph()
	w := ds.VariableWithShape("weights", wShape).NodeValue(g)
	b := ds.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
	if !onesIn {
		return nn.Dense(x, w, b, layout, act)
	}
	if tr {
		w = Concatenate([]*Node{w, Reshape(b, out, 1)}, 1)
	} else {
		w = Concatenate([]*Node{w, Reshape(b, 1, out)}, 0)
	}
	return nn.Dense(x, w, nil, layout, act)
}

// headInitScale scales the initial weights of the output layer relative to
// He's. 0 starts every network predicting, for each regression target, the
// training mean with σ equal to the training spread (standardised 0 and
// log σ = 0), and uniform class probabilities: the initial loss is then the
// same small value whatever the seed, instead of being dominated by the
// few outputs whose random log σ came out most negative.
var headInitScale = 0.0

// hostInitializer initialises the weight matrices of the network under
// scope: He normal (σ = scale·√(2/fan-in), He et al. 2015) drawn on the host
// from a PCG generator seeded by the store's initial seed and the scope's
// path. The initial weights are thus the same on every backend (GoMLX's
// in-graph generator gives different numbers on the pure-Go backend and on
// XLA), for im2col and native convolutions alike, and do not depend on the
// order in which variables are created. Biases (rank ≤ 1) start at zero.
// transposed says that the matrix is stored [out, in] (fan-in on the last
// axis) rather than [in, out].
func hostInitializer(scope *model.Scope, transposed bool, scale float64) model.VariableInitializer {
	path := scope.Scope()
	return func(g *Graph, shape shapes.Shape) *Node {
		if shape.Rank() <= 1 || !shape.DType.IsFloat() {
			return Zeros(g, shape)
		}
		fanIn := shape.Dimensions[0]
		if transposed {
			fanIn = shape.Dimensions[shape.Rank()-1]
		}
		sd := scale * math.Sqrt(2/math.Max(1, float64(fanIn)))
		h := fnv.New64a()
		h.Write([]byte(path))
		rng := rand.New(rand.NewPCG(initSeed(scope.Store()), h.Sum64()))
		v := make([]float32, shape.Size())
		if sd != 0 {
			for i := range v {
				v[i] = float32(rng.NormFloat64() * sd)
			}
		}
		return ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(v, shape.Dimensions...)), shape.DType)
	}
}

// initSeed is the seed of the initial weights: the store's
// model.ParamInitialSeed (set by newNet from the run's seed).
func initSeed(store *model.Store) uint64 {
	if v, ok := store.GetParam(model.ParamInitialSeed); ok {
		if s, ok := v.(int64); ok {
			return uint64(s)
		}
	}
	return 0
}

// conv3x3 is a 3×3 "same" convolution with bias and ReLU of x [B, H, W, C] to
// [B, H, W, out]. The kernel is stored as a [9·C, out] matrix (rows ordered
// dy, dx, c; [out, 9·C] when m.transposed), the layout of layers.Dense over
// the im2col patches.
func (m ModelConfig) conv3x3(scope *model.Scope, x *Node, out int, im2col, grad bool) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[3]
	if im2col {
		// Training graphs carry the bias in the product (see denseOnes);
		// inference, which needs no bias gradient, keeps the fused bias.
		return m.denseOnes(scope, im2col3x3(x, grad, grad), out, activation.TypeRelu, grad)
	}
	zero := ScalarZero(g, x.DType())
	pad := Pad(x, zero, compute.PadAxis{}, compute.PadAxis{Start: 1, End: 1}, compute.PadAxis{Start: 1, End: 1}, compute.PadAxis{})
	// Native: the same variables as layers.Dense creates, reshaped to an
	// HWIO kernel.
	ds := scope.In("dense")
	ds = ds.WithInitializer(hostInitializer(ds, m.transposed(9*c, out), 1))
	var kernel *Node
	if m.transposed(9*c, out) {
		kernel = Transpose(ds.VariableWithShape("weights", shapes.Make(x.DType(), out, 9*c)).NodeValue(g), 0, 1)
	} else {
		kernel = ds.VariableWithShape("weights", shapes.Make(x.DType(), 9*c, out)).NodeValue(g)
	}
	bias := ds.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
	k := Reshape(kernel, 3, 3, c, out)
	y := Convolve(pad, k).NoPadding().Done()
	return activation.Relu(Add(y, ExpandLeftToRank(bias, 4)))
}

// meanPool2 averages 2×2 blocks of x [B, H, W, C] (odd edges are dropped).
//
// The forward pass adds the four sub-grids, each cut out by a Pad with
// negative padding (row copies on the pure-Go backend; ReduceMean over a
// reshape and its broadcast gradient walk the tensor element by element and
// took 14 % of a training step). The gradient, v/4 in each pixel of the
// block, comes from a custom gradient built with concatenations (see
// im2col3x3 for why negative Pads need one).
//
// Without grad, x gets no gradient (inference graphs).
func meanPool2(x *Node, grad bool) *Node {
	d := x.Shape().Dimensions
	h, w, c := d[1]/2, d[2]/2, d[3]
	if 2*h != d[1] || 2*w != d[2] {
		x = Slice(x, AxisRange(), AxisRange(0, 2*h), AxisRange(0, 2*w), AxisRange())
	}
	if !x.DType().IsFloat() {
		return ReduceMean(Reshape(x, d[0], h, 2, w, 2, c), 2, 4)
	}
	g := x.Graph()
	zero := padZero(g, x.DType())
	none := compute.PadAxis{}
	// r[b, y, i, x, j·C + c] = x[b, 2y+i, 2x+j, c].
	r := Reshape(x, d[0], h, 2, w, 2*c)
	rows := Add(Pad(r, zero, none, none, compute.PadAxis{End: -1}, none, none),
		Pad(r, zero, none, none, compute.PadAxis{Start: -1}, none, none)) // [B, h, 1, w, 2C]
	sum := Add(Pad(rows, zero, none, none, none, none, compute.PadAxis{End: -c}),
		Pad(rows, zero, none, none, none, none, compute.PadAxis{Start: -c}))
	// No gradient flows into the forward Pads (GoMLX's gradient of a negative
	// Pad is wrong): the carrier below takes it.
	pooled := StopGradient(MulScalar(Reshape(sum, d[0], h, w, c), 0.25))
	if !grad {
		return pooled
	}
	// carrier is 0 in value; its gradient, the adjoint of pooled placed at
	// the even pixels (Slice's gradient is a Pad), is spread over the blocks.
	z := IdentityWithCustomGradient(Sub(x, StopGradient(x)), func(_, v *Node) *Node {
		// v is [B, 2h, 2w, C] with the pooled adjoint at even (y, x).
		vr := Reshape(v, d[0], h, 2, w, 2*c)
		q := MulScalar(Pad(vr, zero, none, none, compute.PadAxis{End: -1}, none, compute.PadAxis{End: -c}), 0.25) // [B, h, 1, w, C]
		q = Concatenate([]*Node{q, q}, 4)
		q = Concatenate([]*Node{q, q}, 2)
		return Reshape(q, d[0], 2*h, 2*w, c)
	})
	carrier := Slice(z, AxisRange(), AxisRange().Stride(2), AxisRange().Stride(2), AxisRange())
	return Add(pooled, carrier)
}

// im2col3x3 returns the 3×3 "same" patches of x [B, H, W, C] as
// [B, H, W, 9·C] (channel index (dy·3 + dx)·C + c holds x[y+dy−1, x+dx−1, c],
// zero outside the image), with ones a last channel of ones appended
// ([B, H, W, 9·C+1]: the bias then rides in the matrix product).
//
// Every shifted copy is a Pad with negative padding on one side: on the
// pure-Go backend Pad copies whole rows with memmove, while Slice walks the
// tensor element by element (in the profile of the slice-based im2col,
// Slice and its gradient took a quarter of a training step). GoMLX's
// gradient of a negative Pad is not usable (it slices from a negative
// start), so the shifted groups are cut from a copy of x that stops
// gradients, and a custom gradient folds the patches' adjoint back onto x
// as the sum of the nine inversely shifted channel groups, again with Pads.
//
// Without grad, x gets no gradient (inference graphs).
func im2col3x3(x *Node, grad, ones bool) *Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	c := d[3]
	extra := 0
	if ones {
		extra = 1
	}
	zero := padZero(g, x.DType())
	none := compute.PadAxis{}
	shift := func(v *Node, sy, sx int) *Node { // out[y, x] = v[y+sy, x+sx], zero outside
		return Pad(v, zero, none, compute.PadAxis{Start: -sy, End: sy}, compute.PadAxis{Start: -sx, End: sx}, none)
	}
	grad = grad && x.DType().IsFloat()
	xs := x
	if grad {
		xs = StopGradient(x)
	}
	cols := make([]*Node, 0, 9)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			if dy == 0 && dx == 0 {
				cols = append(cols, x) // the centre group is x itself
			} else {
				cols = append(cols, shift(xs, dy, dx))
			}
		}
	}
	if ones {
		cols = append(cols, Ones(g, shapes.Make(x.DType(), d[0], d[1], d[2], 1)))
	}
	patches := Concatenate(cols, -1)
	if !grad {
		return patches
	}
	// The shifted groups stop gradients; x reaches the loss through the
	// centre group only, and the custom gradient puts there the whole
	// adjoint of x: the nine channel groups of the patches' adjoint, each
	// shifted back, summed (Concatenate's gradient then cuts the centre group
	// out).
	return IdentityWithCustomGradient(patches, func(_, v *Node) *Node {
		var sum *Node
		k := 0
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				// Channel group k of v, shifted back by (−dy, −dx).
				part := Pad(v, zero, none, compute.PadAxis{Start: dy, End: -dy}, compute.PadAxis{Start: dx, End: -dx},
					compute.PadAxis{Start: -k * c, End: -(8-k)*c - extra})
				if sum == nil {
					sum = part
				} else {
					sum = Add(sum, part)
				}
				k++
			}
		}
		return Pad(sum, zero, none, none, none, compute.PadAxis{Start: 4 * c, End: 4*c + extra})
	})
}

// padZero is the fill value of the Pads that build patches: −0 for floats.
// The pure-Go backend fills a Pad's output before copying the operand into
// it, element by element for an all-zero-bytes fill value but by doubling
// memmoves otherwise (13 % of a training step with +0 in the profile); −0
// is zero in every sum and product the network takes.
func padZero(g *Graph, dtype dtypes.DType) *Node {
	if dtype.IsFloat() {
		return Neg(ScalarZero(g, dtype))
	}
	return ScalarZero(g, dtype)
}
