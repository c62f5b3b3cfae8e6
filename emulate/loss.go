package emulate

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// Bounds of the predicted log σ (in standardised units): σ between e⁻⁷ and
// e⁵ keeps the Gaussian likelihood finite early in training.
const (
	minLogSigma = -7
	maxLogSigma = 5
)

// lossGraph is the training loss: the sum over targets of the mean, over the
// examples whose label is valid (mask = 1), of the Gaussian negative
// log-likelihood ½((y−μ)/σ)² + log σ (regression; per component for angles)
// or the softmax cross-entropy (classes). lab is [B, slots], mask [B,
// targets], out [B, outputs].
func lossGraph(targets []Target, lab, mask, out *Node) *Node {
	g := out.Graph()
	dt := out.DType()
	total := ScalarZero(g, dt)
	o, s := 0, 0
	col := func(x *Node, i int) *Node { return Squeeze(Slice(x, AxisRange(), AxisRange(i, i+1)), 1) }
	for ti, t := range targets {
		m := col(mask, ti)
		var l *Node
		switch {
		case t.Kind == Class:
			logits := Slice(out, AxisRange(), AxisRange(o, o+len(t.Classes)))
			idx := ConvertDType(col(lab, s), dtypes.Int32)
			oh := OneHot(idx, len(t.Classes), dt)
			l = Neg(ReduceSum(Mul(oh, LogSoftmax(logits, -1)), -1))
		case t.Transform == TransformAngle180:
			l = Add(gaussNLL(col(lab, s), col(out, o), col(out, o+2)), gaussNLL(col(lab, s+1), col(out, o+1), col(out, o+3)))
		default:
			l = gaussNLL(col(lab, s), col(out, o), col(out, o+1))
		}
		n := Max(ReduceAllSum(m), ScalarOne(g, dt))
		total = Add(total, Div(ReduceAllSum(Mul(m, l)), n))
		o += t.Outputs()
		s += t.Slots()
	}
	return total
}

// gaussNLL is ½((y−μ)/σ)² + log σ with log σ clipped to its bounds.
func gaussNLL(y, mu, logSigma *Node) *Node {
	ls := ClipScalar(logSigma, minLogSigma, maxLogSigma)
	z := Mul(Sub(y, mu), Exp(Neg(ls)))
	return Add(MulScalar(Square(z), 0.5), ls)
}
