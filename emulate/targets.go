package emulate

import (
	"fmt"
	"math"
	"strings"

	"github.com/galforge/galforge/mock/shard"
	"github.com/galforge/galforge/sims"
)

// Transforms of regression targets.
const (
	TransformNone     = "none"     // learn the value as it is
	TransformLog10    = "log10"    // learn log10 of a positive value
	TransformAngle180 = "angle180" // an angle in degrees with period 180°, learnt as (cos 2θ, sin 2θ)
)

// Target kinds.
const (
	Regression = "regression"
	Class      = "class"
)

// Target is one quantity the network learns. Regression targets are learnt
// standardised ((t(y) − Mean)/Std after the transform t) with a Gaussian
// negative log-likelihood, so each prediction carries a σ; class targets with
// softmax cross-entropy.
type Target struct {
	// Name is the truth column of the shards.
	Name string `json:"name"`
	// Unit is the column's unit as the shard gives it.
	Unit string `json:"unit,omitempty"`
	// Kind is Regression or Class.
	Kind string `json:"kind"`
	// Transform is TransformNone, TransformLog10 or TransformAngle180
	// (regression only).
	Transform string `json:"transform,omitempty"`
	// Classes are the class names (class only); the shard stores the index.
	Classes []string `json:"classes,omitempty"`
	// Mean and Std standardise the transformed value (regression, not
	// angle180), measured on the training split.
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"`
	// Column is the index of the column in the shard's truth vector.
	Column int `json:"column"`
	// SigmaScale multiplies the network's σ of a regression target: the
	// calibration fitted on the validation split at the end of training
	// (see Model.Calibrate). 0, in models from before it existed,
	// means 1.
	SigmaScale float64 `json:"sigma_scale,omitempty"`
	// Temperature divides the logits of a class target before the softmax
	// (temperature scaling, Guo et al. 2017): fitted on the validation split
	// at the end of training to minimise the log loss (see Model.Calibrate).
	// It changes the probabilities, never the most probable class. 0, in
	// models from before it existed or with too few validation galaxies,
	// means 1.
	Temperature float64 `json:"temperature,omitempty"`
	// LossWeight multiplies the target's term of the training loss
	// (train.loss_weights); 0 means 1.
	LossWeight float64 `json:"loss_weight,omitempty"`
	// BetaNLL, when set, is the target's β of the β-NLL loss in place of
	// train.beta_nll (train.beta_nll_targets).
	BetaNLL *float64 `json:"beta_nll,omitempty"`
}

// sigmaScale is SigmaScale, 1 when unset.
func (t Target) sigmaScale() float64 {
	if t.SigmaScale > 0 {
		return t.SigmaScale
	}
	return 1
}

// classesOf lists the classes of the class-valued truth columns.
var classesOf = map[string][]string{
	"phase":        phaseNames(),
	"merger_stage": stageNames(),
}

func phaseNames() []string {
	out := make([]string, len(sims.Phases))
	for i, p := range sims.Phases {
		out[i] = string(p)
	}
	return out
}

func stageNames() []string {
	out := make([]string, len(sims.MergerStages))
	for i, s := range sims.MergerStages {
		out[i] = string(s)
	}
	return out
}

// defaultTransform is the transform a regression column gets by name.
func defaultTransform(name string) string {
	switch {
	case name == "pa_deg":
		return TransformAngle180
	case strings.HasPrefix(name, "re") && (strings.HasSuffix(name, "_arcsec") || strings.HasSuffix(name, "_kpc")),
		name == "mass_ratio":
		return TransformLog10
	}
	return TransformNone
}

// resolveTargets turns the configured names into Targets against a shard
// header, with the standardisation still unset.
func resolveTargets(c Config, h shard.Header, path string) ([]Target, error) {
	col := map[string]int{}
	for i, cc := range h.Truth {
		col[cc.Name] = i
	}
	var out []Target
	for _, name := range c.Targets {
		i, ok := col[name]
		if !ok {
			var have []string
			for _, cc := range h.Truth {
				have = append(have, cc.Name)
			}
			return nil, fmt.Errorf("train.targets: %q is not a truth column of %s (it has %s)", name, path, strings.Join(have, ", "))
		}
		t := Target{Name: name, Unit: h.Truth[i].Unit, Column: i}
		if cl, ok := classesOf[name]; ok {
			t.Kind, t.Classes = Class, cl
			if tr, ok := c.Transforms[name]; ok {
				return nil, fmt.Errorf("train.transforms.%s = %q: %s is a class target and takes no transform", name, tr, name)
			}
		} else {
			t.Kind, t.Transform = Regression, defaultTransform(name)
			if tr, ok := c.Transforms[name]; ok {
				t.Transform = tr
			}
		}
		t.LossWeight = c.LossWeights[name]
		if b, ok := c.BetaNLLTargets[name]; ok {
			t.BetaNLL = &b
		}
		out = append(out, t)
	}
	return out, nil
}

// Outputs is the number of network outputs of the target: 2 for a
// regression (mean, log σ), 4 for an angle (two means, two log σ), the
// number of classes for a class.
func (t Target) Outputs() int {
	switch {
	case t.Kind == Class:
		return len(t.Classes)
	case t.Transform == TransformAngle180:
		return 4
	}
	return 2
}

// Slots is the number of label values of the target.
func (t Target) Slots() int {
	if t.Kind == Regression && t.Transform == TransformAngle180 {
		return 2
	}
	return 1
}

// classLabel returns the class index of a class target's truth y, and
// false when y is not one (NaN, not an integer, out of range).
func (t Target) classLabel(y float64) (int, bool) {
	k := int(y)
	if math.IsNaN(y) || float64(k) != y || k < 0 || k >= len(t.Classes) {
		return 0, false
	}
	return k, true
}

// transformed applies the transform (not the standardisation) to a truth
// value; ok is false when the value cannot be learnt (NaN, log of a value ≤ 0,
// a class index out of range): such labels are masked out of the loss.
func (t Target) transformed(y float64) (v [2]float64, ok bool) {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return v, false
	}
	switch {
	case t.Kind == Class:
		k := int(math.Round(y))
		if k < 0 || k >= len(t.Classes) || float64(k) != y {
			return v, false
		}
		v[0] = y
	case t.Transform == TransformLog10:
		if y <= 0 {
			return v, false
		}
		v[0] = math.Log10(y)
	case t.Transform == TransformAngle180:
		r := 2 * y * math.Pi / 180
		v[0], v[1] = math.Cos(r), math.Sin(r)
	default:
		v[0] = y
	}
	return v, true
}

// encode writes the label slots of truth value y into dst (standardised) and
// returns whether the label is valid.
func (t Target) encode(dst []float32, y float64) bool {
	v, ok := t.transformed(y)
	if !ok {
		for i := range t.Slots() {
			dst[i] = 0
		}
		return false
	}
	switch {
	case t.Kind == Class, t.Transform == TransformAngle180:
		for i := range t.Slots() {
			dst[i] = float32(v[i])
		}
	default:
		dst[0] = float32((v[0] - t.Mean) / t.Std)
	}
	return true
}

// Prediction of one target for one stamp: Value ± Sigma in the target's
// units (regression), or the class probabilities.
type Prediction struct {
	Value, Sigma float64
	Probs        []float64
}

// decode turns the network's outputs for this target into a Prediction in
// the target's units. For log10 targets Sigma is the σ of log10 (dex)
// propagated linearly: σ_y = ln 10 · y · σ_log; for angles the σ of θ in
// degrees from the σ of (cos 2θ, sin 2θ).
func (t Target) decode(out []float32) Prediction {
	switch {
	case t.Kind == Class:
		p := softmax(out, t.Temperature)
		return Prediction{Value: float64(argmax(p)), Probs: p}
	case t.Transform == TransformAngle180:
		c, s := float64(out[0]), float64(out[1])
		sc, ss := math.Exp(float64(out[2])), math.Exp(float64(out[3]))
		r2 := c*c + s*s
		theta := 0.5 * math.Atan2(s, c) * 180 / math.Pi // (−90, 90]
		// θ = ½ atan2(s, c): dθ = ½ (c ds − s dc)/r².
		sig := 0.5 * math.Sqrt(c*c*ss*ss+s*s*sc*sc) / math.Max(r2, 1e-12) * 180 / math.Pi * t.sigmaScale()
		return Prediction{Value: theta, Sigma: sig}
	}
	mu := float64(out[0])*t.Std + t.Mean
	sig := math.Exp(float64(out[1])) * t.Std * t.sigmaScale()
	if t.Transform == TransformLog10 {
		y := math.Pow(10, mu)
		return Prediction{Value: y, Sigma: math.Ln10 * y * sig}
	}
	return Prediction{Value: mu, Sigma: sig}
}

// logValue returns log10 of a positive value (NaN otherwise): metrics of
// log10 targets are computed in dex.
func logValue(y float64) float64 {
	if y > 0 {
		return math.Log10(y)
	}
	return math.NaN()
}

// softmax returns the probabilities of logits x at temperature temp (≤ 0
// means 1).
func softmax(x []float32, temp float64) []float64 {
	beta := 1.0
	if temp > 0 {
		beta = 1 / temp
	}
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	p := make([]float64, len(x))
	s := 0.0
	for i, v := range x {
		p[i] = math.Exp(beta * (float64(v) - m))
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

func argmax(p []float64) int {
	k := 0
	for i, v := range p {
		if v > p[k] {
			k = i
		}
	}
	return k
}
