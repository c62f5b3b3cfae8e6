package emulate

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// coverage1σ is the fraction of a Gaussian within ±1σ, erf(1/√2).
const coverage1σ = 0.6826894921370859

// minCalibration is the fewest validation stamps a σ scale is fitted on;
// with fewer a target keeps the network's σ.
const minCalibration = 10

// sigmaScales returns, for each target, the factor that makes the fraction
// of the given truths within ±1σ of the predictions erf(1/√2) ≈ 68.3 %, as
// for a Gaussian: the ⌈0.683·N⌉-th smallest |Δ|/σ over the N stamps with a
// finite truth, prediction and positive σ (Δ on the scale the target is
// scored on: dex for log10 targets, degrees wrapped to ±90° for angles).
// The quantile, not the mean of (Δ/σ)², is matched so that the few
// catastrophic errors (a round galaxy's position angle) do not widen every
// other σ. Class targets, and regressions with fewer than minCalibration
// usable stamps, get 0 (no scaling).
func sigmaScales(targets []Target, metas []Meta, preds [][]Prediction) []float64 {
	out := make([]float64, len(targets))
	for ti, t := range targets {
		if t.Kind == Class {
			continue
		}
		var z []float64
		for i, m := range metas {
			y, f, s := scaled(t, float64(m.Truth[t.Column]), preds[i][ti])
			d := f - y
			if t.Transform == TransformAngle180 {
				d = wrap180(d)
			}
			if v := math.Abs(d) / s; s > 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
				z = append(z, v)
			}
		}
		if len(z) < minCalibration {
			continue
		}
		slices.Sort(z)
		k := int(math.Ceil(coverage1σ*float64(len(z)))) - 1
		if q := z[k]; q > 0 {
			out[ti] = q
		}
	}
	return out
}

// CalibrateSigma fits each regression target's SigmaScale on the validation
// split of d (see sigmaScales), with the network's own σ (any earlier scale
// is dropped first) and no test-time augmentation, and sets it in m.Spec. It
// does not write model.json. It returns the number of validation stamps.
func (m *Model) CalibrateSigma(ctx context.Context, d *Data) (int, error) {
	for i := range m.Spec.Targets {
		m.Spec.Targets[i].SigmaScale = 0
	}
	tta := m.TTA
	m.TTA = 1
	metas, preds, err := m.PredictPart(ctx, d, PartVal)
	m.TTA = tta
	if err != nil {
		return 0, fmt.Errorf("emulate: calibrate σ: %w", err)
	}
	for i, s := range sigmaScales(m.Spec.Targets, metas, preds) {
		m.Spec.Targets[i].SigmaScale = s
	}
	return len(metas), nil
}
