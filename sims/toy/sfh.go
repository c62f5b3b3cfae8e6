package toy

import (
	"math"
	"math/rand/v2"
	"sort"
)

// This file holds star-formation histories: cumulative formed (initial)
// stellar mass as a function of cosmic time, and the stratified sampling
// that turns a history into star-particle formation times.

// massHistory is a cumulative star-formation history: cum(t) is the initial
// stellar mass in M☉ formed up to cosmic time t Gyr (non-decreasing) and inv
// its inverse (the time at which m M☉ have formed).
type massHistory interface {
	cum(t float64) float64
	inv(m float64) float64
}

// tabulatedHistory is a cumulative history tabulated on a uniform time grid
// and interpolated linearly (so that cum and inv are exact inverses).
type tabulatedHistory struct {
	t0, dt float64
	m      []float64 // non-decreasing, m[0] = 0
}

// newTabulatedHistory tabulates f on n points between t0 and t1 Gyr,
// subtracting f(t0) and enforcing monotonicity with a running maximum.
func newTabulatedHistory(f func(t float64) float64, t0, t1 float64, n int) *tabulatedHistory {
	h := &tabulatedHistory{t0: t0, dt: (t1 - t0) / float64(n-1), m: make([]float64, n)}
	f0 := f(t0)
	for i := range n {
		v := f(t0+h.dt*float64(i)) - f0
		if i > 0 && v < h.m[i-1] {
			v = h.m[i-1]
		}
		if v < 0 {
			v = 0
		}
		h.m[i] = v
	}
	return h
}

// modulated returns the history whose rate is this one's times q(t): on the
// same grid, m'_i = m'_{i−1} + (m_i − m_{i−1}) q(t_{i−½}), with q ≥ 0.
func (h *tabulatedHistory) modulated(q func(t float64) float64) *tabulatedHistory {
	out := &tabulatedHistory{t0: h.t0, dt: h.dt, m: make([]float64, len(h.m))}
	for i := 1; i < len(h.m); i++ {
		out.m[i] = out.m[i-1] + (h.m[i]-h.m[i-1])*math.Max(q(h.t0+h.dt*(float64(i)-0.5)), 0)
	}
	return out
}

func (h *tabulatedHistory) cum(t float64) float64 {
	x := (t - h.t0) / h.dt
	if x <= 0 {
		return 0
	}
	n := len(h.m)
	if x >= float64(n-1) {
		return h.m[n-1]
	}
	i := int(x)
	w := x - float64(i)
	return h.m[i]*(1-w) + h.m[i+1]*w
}

func (h *tabulatedHistory) inv(m float64) float64 {
	n := len(h.m)
	if m <= 0 {
		return h.t0
	}
	if m >= h.m[n-1] {
		// The first grid time at which the full mass was reached.
		i := sort.SearchFloat64s(h.m, h.m[n-1])
		return h.t0 + h.dt*float64(i)
	}
	// First index with h.m[i] >= m; m lies in (h.m[i-1], h.m[i]].
	i := sort.SearchFloat64s(h.m, m)
	if i == 0 {
		return h.t0
	}
	d := h.m[i] - h.m[i-1]
	w := 1.0
	if d > 0 {
		w = (m - h.m[i-1]) / d
	}
	return h.t0 + h.dt*(float64(i-1)+w)
}

// rateWindowGyr is the averaging window of tabulatedHistory.rate.
const rateWindowGyr = 0.05

// rate returns the star-formation rate in M☉/Gyr at t averaged over the
// preceding 50 Myr (a backward difference, so it is defined at the end of
// the table).
func (h *tabulatedHistory) rate(t float64) float64 {
	return (h.cum(t) - h.cum(t-rateWindowGyr)) / rateWindowGyr
}

// burstHistory is a starburst of total initial mass M M☉ whose rate rises as
// a half-Gaussian of width Sigma Gyr up to its peak at TPeak and then decays
// exponentially with e-folding time Tau Gyr:
//
//	SFR(t) ∝ exp[−(t−t_p)²/2σ²]  (t ≤ t_p),   ∝ exp[−(t−t_p)/τ]  (t > t_p).
//
// The fraction formed by the peak is σ√(π/2)/(σ√(π/2) + τ).
type burstHistory struct {
	M, TPeak, Sigma, Tau float64
}

func (b burstHistory) weights() (wg, we float64) { return b.Sigma * math.Sqrt(math.Pi/2), b.Tau }

func (b burstHistory) cum(t float64) float64 {
	if b.M == 0 {
		return 0
	}
	wg, we := b.weights()
	w := wg + we
	if t <= b.TPeak {
		// ∫_{−∞}^t of the rising half-Gaussian is 2 wg Φ((t−t_p)/σ).
		phi := 0.5 * math.Erfc(-(t-b.TPeak)/(b.Sigma*math.Sqrt2))
		return b.M * 2 * wg * phi / w
	}
	return b.M * (wg + we*(-math.Expm1(-(t-b.TPeak)/b.Tau))) / w
}

func (b burstHistory) inv(m float64) float64 {
	wg, we := b.weights()
	w := wg + we
	f := m / b.M * w
	if f <= wg {
		p := f / (2 * wg) // Φ((t−t_p)/σ)
		if p <= 0 {
			return math.Inf(-1)
		}
		return b.TPeak + b.Sigma*math.Sqrt2*math.Erfinv(2*p-1)
	}
	x := (f - wg) / we
	if x >= 1 {
		return math.Inf(1)
	}
	return b.TPeak - b.Tau*math.Log1p(-x)
}

// linearDecayHistory forms stars at a constant rate SFR M☉/Gyr from T0 until
// TQ and then at a rate decaying exponentially with e-folding time Tau Gyr
// (Tau = +Inf: no decay).
type linearDecayHistory struct {
	SFR, T0, TQ, Tau float64
}

func (h linearDecayHistory) cum(t float64) float64 {
	switch {
	case t <= h.T0:
		return 0
	case t <= h.TQ || math.IsInf(h.Tau, 1):
		return h.SFR * (t - h.T0)
	default:
		return h.SFR * ((h.TQ - h.T0) + h.Tau*(-math.Expm1(-(t-h.TQ)/h.Tau)))
	}
}

func (h linearDecayHistory) inv(m float64) float64 {
	if m <= 0 || h.SFR <= 0 {
		return h.T0
	}
	lin := h.SFR * (h.TQ - h.T0)
	if m <= lin || math.IsInf(h.Tau, 1) {
		return h.T0 + m/h.SFR
	}
	x := (m - lin) / (h.SFR * h.Tau)
	if x >= 1 {
		return math.Inf(1)
	}
	return h.TQ - h.Tau*math.Log1p(-x)
}

// sampleFormationTimes returns n formation times, in increasing order, of
// equal-mass particles that together carry the mass formed between the
// cumulative masses mLo and mHi of h: particle i takes the time at which
// mLo + (i + u_i)(mHi − mLo)/n has formed, u_i uniform in [0, 1)
// (stratified sampling, so the formed mass of the particles born by any time
// t matches h.cum(t) to within one particle mass).
func sampleFormationTimes(h massHistory, mLo, mHi float64, n int, rng *rand.Rand) []float64 {
	out := make([]float64, n)
	dm := (mHi - mLo) / float64(n)
	for i := range out {
		out[i] = h.inv(mLo + (float64(i)+rng.Float64())*dm)
	}
	return out
}

// particleCounts splits n particles of equal mass between components of
// formed masses m (largest-remainder rounding), so the counts sum to n.
func particleCounts(m []float64, n int) []int {
	var tot float64
	for _, x := range m {
		tot += x
	}
	out := make([]int, len(m))
	if tot <= 0 || n <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rs := make([]rem, len(m))
	left := n
	for i, x := range m {
		q := x / tot * float64(n)
		out[i] = int(math.Floor(q))
		left -= out[i]
		rs[i] = rem{i, q - float64(out[i])}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].r > rs[b].r })
	for k := 0; k < left; k++ {
		out[rs[k%len(rs)].i]++
	}
	return out
}
