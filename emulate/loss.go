package emulate

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// Bounds of the predicted log σ (in standardised units): σ between e⁻⁶
// (0.25 % of the training spread) and e³ keeps the Gaussian likelihood
// finite early in training.
const (
	minLogSigma = -6
	maxLogSigma = 3
)

// lossGraph is the training loss: the sum over targets of the mean, over the
// examples whose label is valid (mask = 1), of the Gaussian negative
// log-likelihood ½((y−μ)/σ)² + log σ (regression; per component for angles)
// or the softmax cross-entropy (classes). lab is [B, slots], mask [B,
// targets], out [B, outputs]. With beta > 0 each regression term is weighted
// by σ^{2β} held constant (β-NLL, Seitzer et al. 2022), which keeps the
// means learning where the plain likelihood lets σ grow instead; beta = 0 is
// the plain likelihood; a target's own BetaNLL replaces beta. Each target's
// term is multiplied by its LossWeight.
func lossGraph(targets []Target, lab, mask, out *Node, beta float64) *Node {
	return targetLoss(targets, lab, mask, out, beta, false)
}

// scoreGraph is the validation score that selects the best epoch and drives
// early stopping: the loss with every regression term replaced by half the
// squared error of its mean (standardised units), classes unchanged. Unlike
// the likelihood it does not reward predicted σ, which on held-out data can
// get worse while the means still improve.
func scoreGraph(targets []Target, lab, mask, out *Node) *Node {
	return targetLoss(targets, lab, mask, out, 0, true)
}

func targetLoss(targets []Target, lab, mask, out *Node, beta float64, meanOnly bool) *Node {
	nll := func(y, mu, ls *Node, b float64) *Node {
		if meanOnly {
			return MulScalar(Square(Sub(y, mu)), 0.5)
		}
		return gaussNLL(y, mu, ls, b)
	}
	g := out.Graph()
	dt := out.DType()
	total := ScalarZero(g, dt)
	o, s := 0, 0
	col := func(x *Node, i int) *Node { return Squeeze(Slice(x, AxisRange(), AxisRange(i, i+1)), 1) }
	for ti, t := range targets {
		b := beta
		if t.BetaNLL != nil {
			b = *t.BetaNLL
		}
		m := col(mask, ti)
		var l *Node
		switch {
		case t.Kind == Class:
			logits := Slice(out, AxisRange(), AxisRange(o, o+len(t.Classes)))
			idx := ConvertDType(col(lab, s), dtypes.Int32)
			oh := OneHot(idx, len(t.Classes), dt)
			l = Neg(ReduceSum(Mul(oh, LogSoftmax(logits, -1)), -1))
		case t.Transform == TransformAngle180:
			l = Add(nll(col(lab, s), col(out, o), col(out, o+2), b), nll(col(lab, s+1), col(out, o+1), col(out, o+3), b))
		default:
			l = nll(col(lab, s), col(out, o), col(out, o+1), b)
		}
		if w := t.LossWeight; !meanOnly && w > 0 && w != 1 {
			l = MulScalar(l, w)
		}
		n := Max(ReduceAllSum(m), ScalarOne(g, dt))
		total = Add(total, Div(ReduceAllSum(Mul(m, l)), n))
		o += t.Outputs()
		s += t.Slots()
	}
	return total
}

// gaussNLL is ½((y−μ)/σ)² + log σ with log σ clipped to its bounds, weighted
// by the constant σ^{2β} when beta > 0.
func gaussNLL(y, mu, logSigma *Node, beta float64) *Node {
	ls := ClipScalar(logSigma, minLogSigma, maxLogSigma)
	z := Mul(Sub(y, mu), Exp(Neg(ls)))
	l := Add(MulScalar(Square(z), 0.5), ls)
	if beta > 0 {
		l = Mul(l, StopGradient(Exp(MulScalar(ls, 2*beta))))
	}
	return l
}
