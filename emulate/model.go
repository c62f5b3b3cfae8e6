package emulate

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// ModelConfig is the `train.model:` section: a compact CNN. Each entry of
// Widths is one block of ConvsPerBlock 3×3 convolutions ("same" padding, bias,
// ReLU) with that many output channels, followed by a 2×2 mean pool; the last
// block's feature map is flattened into a Dense hidden layer (ReLU) and a
// linear head with every target's outputs.
type ModelConfig struct {
	// Widths are the channels of each convolution block. Default [32, 64, 128].
	Widths []int `mapstructure:"widths" json:"widths"`
	// ConvsPerBlock is the number of 3×3 convolutions per block. Default 1.
	ConvsPerBlock int `mapstructure:"convs_per_block" json:"convs_per_block"`
	// Dense is the width of the hidden fully-connected layer. Default 256.
	Dense int `mapstructure:"dense" json:"dense"`
	// Conv selects the convolution implementation: "auto" (im2col on the
	// pure-Go backend, the backend's native convolution elsewhere), "im2col"
	// or "native". Default "auto".
	Conv string `mapstructure:"conv" json:"conv"`
}

// DefaultModelConfig returns the default network.
func DefaultModelConfig() ModelConfig {
	return ModelConfig{Widths: []int{32, 64, 128}, ConvsPerBlock: 1, Dense: 256, Conv: "auto"}
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
	switch m.Conv {
	case "auto", "im2col", "native":
	default:
		return fmt.Errorf("train.model.conv = %q: want auto, im2col or native", m.Conv)
	}
	if inputSize > 0 && inputSize>>len(m.Widths) < 1 {
		return fmt.Errorf("train.model.widths: %d pooling blocks shrink a %d-pixel input below one pixel", len(m.Widths), inputSize)
	}
	return nil
}

// network builds the CNN graph. x is [batch, S, S, C] (channels last); the
// result is [batch, nOut]. im2col selects the convolution written as padding,
// nine shifted slices, a concatenation and a dense layer, which runs on the
// pure-Go backend's fast matrix multiplication (DESIGN.md); otherwise the
// backend's native convolution is used. Both have the same parameters and
// compute the same function.
func network(scope *model.Scope, m ModelConfig, im2col bool, x *Node, nOut int) *Node {
	for b, w := range m.Widths {
		for c := 0; c < m.ConvsPerBlock; c++ {
			x = conv3x3(scope.In("block%d_conv%d", b, c), x, w, im2col)
			x = activation.Relu(x)
		}
		x = meanPool2(x)
	}
	dims := x.Shape().Dimensions
	x = Reshape(x, dims[0], dims[1]*dims[2]*dims[3])
	x = layers.Dense(scope.In("hidden"), x, true, m.Dense)
	x = activation.Relu(x)
	return layers.Dense(scope.In("head"), x, true, nOut)
}

// conv3x3 is a 3×3 "same" convolution with bias of x [B, H, W, C] to
// [B, H, W, out]. The kernel is stored as a [9·C, out] matrix (rows ordered
// dy, dx, c), the layout of layers.Dense over the im2col patches.
func conv3x3(scope *model.Scope, x *Node, out int, im2col bool) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	h, w, c := dims[1], dims[2], dims[3]
	zero := ScalarZero(g, x.DType())
	pad := Pad(x, zero, compute.PadAxis{}, compute.PadAxis{Start: 1, End: 1}, compute.PadAxis{Start: 1, End: 1}, compute.PadAxis{})
	if im2col {
		cols := make([]*Node, 0, 9)
		for dy := 0; dy < 3; dy++ {
			for dx := 0; dx < 3; dx++ {
				cols = append(cols, Slice(pad, AxisRange(), AxisRange(dy, dy+h), AxisRange(dx, dx+w), AxisRange()))
			}
		}
		return layers.Dense(scope, Concatenate(cols, -1), true, out)
	}
	// Native: the same variables as layers.Dense creates, reshaped to an
	// HWIO kernel.
	ds := scope.In("dense")
	kernel := ds.VariableWithShape("weights", shapes.Make(x.DType(), 9*c, out)).NodeValue(g)
	bias := ds.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
	k := Reshape(kernel, 3, 3, c, out)
	y := Convolve(pad, k).NoPadding().Done()
	return Add(y, ExpandLeftToRank(bias, 4))
}

// meanPool2 averages 2×2 blocks of x [B, H, W, C] by reshape and mean (odd
// edges are dropped).
func meanPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	h, w := d[1]/2, d[2]/2
	if 2*h != d[1] || 2*w != d[2] {
		x = Slice(x, AxisRange(), AxisRange(0, 2*h), AxisRange(0, 2*w), AxisRange())
	}
	x = Reshape(x, d[0], h, 2, w, 2, d[3])
	return ReduceMean(x, 2, 4)
}
