package metrics

import (
	"fmt"
	"math"
	"sort"
)

// nmadScale is 1/Φ⁻¹(3/4), which makes the median absolute deviation of a
// Gaussian equal to its standard deviation.
const nmadScale = 1.4826

// Regression holds the scores of one predicted quantity. Residuals are
// Δ = prediction − truth; every dimensional field is in Unit. A score that
// cannot be computed (no entries, no σ given, zero truth variance) is NaN.
type Regression struct {
	// Name is the target's name, e.g. "re" or "sersic_n".
	Name string
	// Unit is the unit of truth, prediction and σ, e.g. "arcsec"; empty if
	// the quantity is dimensionless.
	Unit string
	// Period is zero for ordinary quantities and the period (180 for
	// position angles in degrees) for periodic ones, whose residuals are
	// wrapped to [−Period/2, Period/2).
	Period float64

	// N is the number of entries scored.
	N int
	// Skipped is the number of entries left out because the truth, the
	// prediction or, when given, σ was NaN or ±Inf, or σ was negative.
	Skipped int

	// R2 is the coefficient of determination 1 − ΣΔ²/Σ(y − ȳ)²: 1 for a
	// perfect prediction, 0 for predicting the mean of the truth, negative
	// for worse. It is NaN when N < 2 or the truth is constant.
	R2 float64
	// RMSE is the root mean square residual √(ΣΔ²/N).
	RMSE float64
	// Bias is the mean residual ΣΔ/N.
	Bias float64
	// MAE is the mean absolute residual Σ|Δ|/N.
	MAE float64
	// NMAD is the normalised median absolute deviation
	// 1.4826·median|Δ − median Δ| (Brammer et al. 2008): a robust standard
	// deviation of the residuals.
	NMAD float64
	// OutlierFrac is the fraction of entries with |Δ| > OutlierThreshold.
	// It is NaN when OutlierThreshold is not positive.
	OutlierFrac float64
	// OutlierThreshold is the |Δ| above which an entry is an outlier, in
	// Unit.
	OutlierThreshold float64
	// Within1Sigma and Within2Sigma are the fractions of entries with
	// |Δ| ≤ σ and |Δ| ≤ 2σ: 0.6827 and 0.9545 for well calibrated Gaussian
	// uncertainties, lower when σ is underestimated. NaN when no σ is given.
	Within1Sigma, Within2Sigma float64
	// MeanSigma is the mean predicted σ; NaN when no σ is given.
	MeanSigma float64
}

// EvalRegression scores the predictions pred of the quantity name (in unit)
// against truth. sigma holds the predicted 1σ uncertainties and may be nil.
// Entries where truth, pred or sigma is not finite, or sigma is negative, are
// skipped and counted in Skipped. outlierThreshold is in unit; if it is not
// positive OutlierFrac is NaN. EvalRegression panics if pred, or a non-nil
// sigma, differs in length from truth.
func EvalRegression(name, unit string, truth, pred, sigma []float64, outlierThreshold float64) Regression {
	return eval(name, unit, truth, pred, sigma, 0, outlierThreshold)
}

// EvalAngle is EvalRegression for position angles in degrees, defined modulo
// 180°: residuals are wrapped to [−90°, 90°) and R² uses the circular mean of
// the truth and wrapped deviations from it. outlierThreshold is in degrees.
func EvalAngle(name string, truth, pred, sigma []float64, outlierThreshold float64) Regression {
	return EvalPeriodic(name, "deg", truth, pred, sigma, 180, outlierThreshold)
}

// EvalPeriodic is EvalRegression for a quantity defined modulo period (in
// unit): residuals are wrapped to [−period/2, period/2) by Wrap, and R² is
// 1 − ΣΔ²/ΣWrap(y − ȳ)² with ȳ the circular mean
// period/(2π)·atan2(Σsin(2πy/period), Σcos(2πy/period)). EvalPeriodic panics
// if period is not positive and finite.
func EvalPeriodic(name, unit string, truth, pred, sigma []float64, period, outlierThreshold float64) Regression {
	if !(period > 0) || math.IsInf(period, 1) {
		panic(fmt.Sprintf("metrics: period %v is not positive and finite", period))
	}
	return eval(name, unit, truth, pred, sigma, period, outlierThreshold)
}

// Wrap returns x reduced modulo period to [−period/2, period/2), e.g.
// Wrap(178, 180) = −2. period must be positive.
func Wrap(x, period float64) float64 {
	r := math.Mod(x+period/2, period)
	if r < 0 {
		r += period
	}
	if r >= period { // r < 0 tiny, r+period rounded up to period
		r -= period
	}
	return r - period/2
}

// Coverage returns the fraction of entries with |pred − truth| ≤ k·sigma
// among those where all three are finite and sigma is non-negative, or NaN if
// there are none. For Gaussian errors with the right σ it is erf(k/√2).
// Coverage panics if the slices differ in length.
func Coverage(truth, pred, sigma []float64, k float64) float64 {
	checkLen("Coverage", len(truth), len(pred), len(sigma))
	n, in := 0, 0
	for i := range truth {
		if !finite(truth[i]) || !finite(pred[i]) || !finite(sigma[i]) || sigma[i] < 0 {
			continue
		}
		n++
		if math.Abs(pred[i]-truth[i]) <= k*sigma[i] {
			in++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(in) / float64(n)
}

func eval(name, unit string, truth, pred, sigma []float64, period, thr float64) Regression {
	if sigma != nil {
		checkLen("EvalRegression", len(truth), len(pred), len(sigma))
	} else {
		checkLen("EvalRegression", len(truth), len(pred))
	}
	nan := math.NaN()
	r := Regression{
		Name: name, Unit: unit, Period: period, OutlierThreshold: thr,
		R2: nan, RMSE: nan, Bias: nan, MAE: nan, NMAD: nan, OutlierFrac: nan,
		Within1Sigma: nan, Within2Sigma: nan, MeanSigma: nan,
	}
	resid := func(f, y float64) float64 {
		if period > 0 {
			return Wrap(f-y, period)
		}
		return f - y
	}

	var ys, ds, ss []float64
	for i := range truth {
		ok := finite(truth[i]) && finite(pred[i])
		if sigma != nil {
			ok = ok && finite(sigma[i]) && sigma[i] >= 0
		}
		if !ok {
			r.Skipped++
			continue
		}
		ys = append(ys, truth[i])
		ds = append(ds, resid(pred[i], truth[i]))
		if sigma != nil {
			ss = append(ss, sigma[i])
		}
	}
	n := len(ds)
	r.N = n
	if n == 0 {
		return r
	}
	fn := float64(n)

	var sum, sum2, sumAbs float64
	out := 0
	for _, d := range ds {
		sum += d
		sum2 += d * d
		sumAbs += math.Abs(d)
		if math.Abs(d) > thr {
			out++
		}
	}
	r.Bias = sum / fn
	r.RMSE = math.Sqrt(sum2 / fn)
	r.MAE = sumAbs / fn
	if thr > 0 {
		r.OutlierFrac = float64(out) / fn
	}

	// Median of Δ, then of |Δ − median Δ| (wrapped again if periodic).
	med := median(ds)
	dev := make([]float64, n)
	for i, d := range ds {
		dev[i] = math.Abs(resid(d, med))
	}
	r.NMAD = nmadScale * median(dev)

	// Total sum of squares about the (circular) mean of the truth.
	var ss0 float64
	if period > 0 {
		var s, c float64
		w := 2 * math.Pi / period
		for _, y := range ys {
			s += math.Sin(w * y)
			c += math.Cos(w * y)
		}
		mean := math.Atan2(s, c) / w
		for _, y := range ys {
			d := Wrap(y-mean, period)
			ss0 += d * d
		}
	} else {
		var mean float64
		for _, y := range ys {
			mean += y
		}
		mean /= fn
		for _, y := range ys {
			ss0 += (y - mean) * (y - mean)
		}
	}
	// R² needs truths that vary: a spread below float32 rounding of the
	// values (e.g. every stamp of one galaxy) leaves it NaN.
	var scale float64
	for _, y := range ys {
		scale = math.Max(scale, math.Abs(y))
	}
	if n >= 2 && ss0 > fn*math.Pow(1e-6*math.Max(scale, 1e-30), 2) {
		r.R2 = 1 - sum2/ss0
	}

	if sigma != nil {
		in1, in2 := 0, 0
		var sumSig float64
		for i, d := range ds {
			ad := math.Abs(d)
			if ad <= ss[i] {
				in1++
			}
			if ad <= 2*ss[i] {
				in2++
			}
			sumSig += ss[i]
		}
		r.Within1Sigma = float64(in1) / fn
		r.Within2Sigma = float64(in2) / fn
		r.MeanSigma = sumSig / fn
	}
	return r
}

// median returns the median of x (mean of the two middle values for even
// length) without modifying x; NaN for empty x.
func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkLen(fn string, n int, others ...int) {
	for _, m := range others {
		if m != n {
			panic(fmt.Sprintf("metrics: %s: slice lengths differ (%d and %d)", fn, n, m))
		}
	}
}
