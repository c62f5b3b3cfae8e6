package noise

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// poissonPMF returns P(k; λ).
func poissonPMF(k int, lam float64) float64 {
	lg, _ := math.Lgamma(float64(k) + 1)
	return math.Exp(float64(k)*math.Log(lam) - lam - lg)
}

// TestPoissonDistribution is a χ² goodness-of-fit test of the Poisson
// sampler on both exact branches (multiplication below 10, PTRS above):
// 2e5 draws, bins with ≥ 20 expected counts, tails lumped. χ² must stay
// below dof + 5√(2 dof) (a 5σ bound of the χ² distribution; a wrong
// sampler — e.g. a Gaussian approximation at λ = 3 — exceeds it by far).
// Mean and variance are also checked to 5σ.
func TestPoissonDistribution(t *testing.T) {
	t.Parallel()
	const n = 200000
	for i, lam := range []float64{0.3, 3, 9.99, 10, 37.5, 600} {
		rng := newRand(uint64(100 + i))
		counts := map[int]int{}
		var s, s2 float64
		for range n {
			k := poisson(lam, rng)
			if k != math.Floor(k) || k < 0 {
				t.Fatalf("λ=%v: non-integer deviate %v", lam, k)
			}
			counts[int(k)]++
			s += k
			s2 += k * k
		}
		// Bins: contiguous k with expected ≥ 20 each; the rest lumped
		// into two tails.
		lo, hi := int(lam), int(lam)
		for lo > 0 && n*poissonPMF(lo-1, lam) >= 20 {
			lo--
		}
		for n*poissonPMF(hi+1, lam) >= 20 {
			hi++
		}
		var chi2, pLow float64
		obsLow, obsHigh := 0, 0
		for k := 0; k < lo; k++ {
			pLow += poissonPMF(k, lam)
		}
		var pIn float64
		for k, c := range counts {
			switch {
			case k < lo:
				obsLow += c
			case k > hi:
				obsHigh += c
			}
		}
		dof := -1
		for k := lo; k <= hi; k++ {
			e := n * poissonPMF(k, lam)
			pIn += poissonPMF(k, lam)
			d := float64(counts[k]) - e
			chi2 += d * d / e
			dof++
		}
		for _, tail := range []struct {
			obs int
			p   float64
		}{{obsLow, pLow}, {obsHigh, 1 - pLow - pIn}} {
			if e := n * tail.p; e >= 5 {
				d := float64(tail.obs) - e
				chi2 += d * d / e
				dof++
			}
		}
		if limit := float64(dof) + 5*math.Sqrt(2*float64(dof)); chi2 > limit {
			t.Errorf("case %d (λ=%v): χ² = %.1f for %d dof (limit %.1f)", i, lam, chi2, dof, limit)
		}
		mean := s / n
		variance := s2/n - mean*mean
		if math.Abs(mean-lam) > 5*math.Sqrt(lam/n) {
			t.Errorf("case %d (λ=%v): mean %v", i, lam, mean)
		}
		// Var of the sample variance: (2λ² + λ)/n for a Poisson.
		if math.Abs(variance-lam) > 5*math.Sqrt((2*lam*lam+lam)/n) {
			t.Errorf("case %d (λ=%v): variance %v", i, lam, variance)
		}
	}
	if poisson(0, newRand(1)) != 0 || poisson(-3, newRand(1)) != 0 {
		t.Error("λ ≤ 0 must give 0")
	}
}

// TestPoissonGaussianBranch: above GaussianThreshold the deviates have mean
// and variance λ (5σ bounds for 1e5 draws).
func TestPoissonGaussianBranch(t *testing.T) {
	t.Parallel()
	const n = 100000
	lam := 3 * GaussianThreshold
	rng := newRand(7)
	var s, s2 float64
	for range n {
		k := poisson(lam, rng)
		s += k
		s2 += k * k
	}
	mean := s / n
	variance := s2/n - mean*mean
	if math.Abs(mean-lam) > 5*math.Sqrt(lam/n) {
		t.Errorf("mean %v, want %v", mean, lam)
	}
	if math.Abs(variance/lam-1) > 5*math.Sqrt(2.0/n) {
		t.Errorf("variance %v, want %v", variance, lam)
	}
}

// stats accumulates per-pixel sums over realisations.
type stats struct{ n, s, s2 []float64 }

func newStats(p int) *stats {
	return &stats{make([]float64, p), make([]float64, p), make([]float64, p)}
}

func (st *stats) add(x []float64) {
	for i, v := range x {
		st.n[i]++
		st.s[i] += v
		st.s2[i] += v * v
	}
}

// TestAddToStatistics checks AddTo over 4000 realisations of two set-ups:
// a deep background-limited one (λ from 600 to beyond GaussianThreshold)
// and a short faint one (λ from 0 to ≈ 12, the multiplication branch and
// zero-mean pixels). For each pixel: the mean of sci equals the model
// (|z| < 5 with σ = rms/√N); the sample variance equals rms², tested by
// z = (s²/rms² − 1)/√(2/(N−1) + κ/N) with κ = λ/(λ + n·RN²)² the excess
// kurtosis of Poisson + Normal noise, |z| < 5 per pixel and Σz² below the
// 5σ bound of a χ² with one dof per pixel. The rms map is checked against
// the formula to 1e-12.
func TestAddToStatistics(t *testing.T) {
	t.Parallel()
	const reals = 4000
	for ci, c := range []struct {
		sky, exptime, rn float64
		nexp             int
		scale            float64 // model[i] = scale·i²
	}{
		{0.2, 3000, 12, 4, 0.7},  // λ = 600 … 1.3e5 (PTRS and Gaussian)
		{0.05, 20, 1.5, 1, 0.01}, // λ = 1 … 9 (multiplication), RN small
		{0, 10, 0, 0, 0.005},     // pure Poisson, λ = 0 … 2
	} {
		const np = 64
		model := make([]float64, np)
		for i := range model {
			model[i] = c.scale * float64(i*i)
		}
		if ci == 0 && (model[np-1]+c.sky)*c.exptime < GaussianThreshold {
			t.Fatal("set-up 0 must reach the Gaussian branch")
		}
		sci, rms := make([]float64, np), make([]float64, np)
		st := newStats(np)
		rng := newRand(uint64(42 + ci))
		for range reals {
			AddTo(sci, rms, model, c.sky, c.exptime, c.rn, c.nexp, rng)
			st.add(sci)
		}
		var chi2 float64
		nz := 0
		for i := range model {
			lam := (model[i] + c.sky) * c.exptime
			ron2 := float64(c.nexp) * c.rn * c.rn
			want := math.Sqrt(lam+ron2) / c.exptime
			if math.Abs(rms[i]-want) > 1e-12*want {
				t.Errorf("set-up %d pixel %d: rms %v, want %v", ci, i, rms[i], want)
			}
			if want == 0 {
				continue
			}
			mean := st.s[i] / reals
			if z := (mean - model[i]) / (want / math.Sqrt(reals)); math.Abs(z) > 5 {
				t.Errorf("set-up %d pixel %d: mean %v, model %v (z = %.1f)", ci, i, mean, model[i], z)
			}
			v := (st.s2[i] - reals*mean*mean) / (reals - 1)
			kappa := lam / ((lam + ron2) * (lam + ron2))
			z := (v/(want*want) - 1) / math.Sqrt(2.0/(reals-1)+kappa/reals)
			if math.Abs(z) > 5 {
				t.Errorf("set-up %d pixel %d (λ=%.3g): variance %v, rms² %v (z = %.1f)", ci, i, lam, v, want*want, z)
			}
			chi2 += z * z
			nz++
		}
		if limit := float64(nz) + 5*math.Sqrt(2*float64(nz)); chi2 > limit {
			t.Errorf("set-up %d: Σz² = %.1f over %d pixels (limit %.1f)", ci, chi2, nz, limit)
		}
	}
}

// TestDeterminism: the same seed gives the same image bit for bit, another
// seed a different one, and the rms does not depend on the seed.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	model := make([]float64, 256)
	for i := range model {
		model[i] = 0.01 * float64(i)
	}
	a, ra := Add(model, 0.1, 1000, 12, 3, newRand(5))
	b, rb := Add(model, 0.1, 1000, 12, 3, newRand(5))
	c, rc := Add(model, 0.1, 1000, 12, 3, newRand(6))
	same, diff := true, 0
	for i := range a {
		same = same && a[i] == b[i] && ra[i] == rb[i] && ra[i] == rc[i]
		if a[i] != c[i] {
			diff++
		}
	}
	if !same {
		t.Error("same seed gave different images")
	}
	if diff < len(a)/2 {
		t.Errorf("another seed changed only %d of %d pixels", diff, len(a))
	}
	ca, cb := make([]float64, 256), make([]float64, 256)
	rms := make([]float64, 256)
	AddCorrelatedTo(ca, rms, model, 16, 16, 0.1, 1000, 12, 3, Correlated3(0.3), newRand(9))
	AddCorrelatedTo(cb, rms, model, 16, 16, 0.1, 1000, 12, 3, Correlated3(0.3), newRand(9))
	for i := range ca {
		if ca[i] != cb[i] {
			t.Fatalf("correlated noise: same seed differs at pixel %d", i)
		}
	}
}

// TestCorrelatedNoise: with a correlation kernel the per-pixel variance is
// still rms² and the neighbour correlation is the kernel's. 20 realisations
// of 128×128 pixels (N = 327,680 samples). Tolerances: the sample variance
// of correlated Gaussian noise has relative σ = √(2 Σρ²/N) where Σρ² runs
// over all 2-D lags (≤ 2.8 for these kernels) → 0.0041, so 0.025 (6σ); a
// correlation estimate has σ ≈ √(Σρ²/N) ≈ 0.003, so 0.015 (5σ); the 508
// edge pixels (10,160 samples) have σ ≈ 0.023 on the variance, so 0.12.
// The model has a gradient so rms varies over the image; the test uses the
// normalised residuals (sci − model)/rms, whose variance must be 1.
func TestCorrelatedNoise(t *testing.T) {
	t.Parallel()
	const nx, ny, reals = 128, 128, 20
	model := make([]float64, nx*ny)
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			model[j*nx+i] = 0.002 * float64(i+j)
		}
	}
	for ki, c := range []struct {
		name string
		k    Kernel
		rho  float64
	}{
		{"correlated3(0.3)", Correlated3(0.3), 0.3},
		{"drizzle CANDELS 0.8", Drizzle(0.8, 0.128, 0.06), 0.565},
		{"drizzle HFF 0.5", Drizzle(0.5, 0.12825, 0.06), 0.068},
		{"white", Correlated3(0), 0},
	} {
		if got := c.k.NeighbourCorrelation(); math.Abs(got-c.rho) > 0.002 {
			t.Errorf("case %d (%s): kernel correlation %.4f, want %.3f", ki, c.name, got, c.rho)
		}
		rng := newRand(uint64(1000 + ki))
		sci, rms := make([]float64, nx*ny), make([]float64, nx*ny)
		r := make([]float64, nx*ny)
		var n, s, s2, sx, sy, sd, ne, se2 float64
		for range reals {
			AddCorrelatedTo(sci, rms, model, nx, ny, 0.2, 2000, 12, 4, c.k, rng)
			for p := range r {
				r[p] = (sci[p] - model[p]) / rms[p]
			}
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					v := r[j*nx+i]
					n++
					s += v
					s2 += v * v
					if i+1 < nx {
						sx += v * r[j*nx+i+1]
					}
					if j+1 < ny {
						sy += v * r[(j+1)*nx+i]
					}
					if i+1 < nx && j+1 < ny {
						sd += v * r[(j+1)*nx+i+1]
					}
					if i == 0 || j == 0 || i == nx-1 || j == ny-1 {
						ne++
						se2 += v * v
					}
				}
			}
		}
		variance := s2 / n
		pairs := float64(reals * (nx - 1) * ny)
		rx, ry := sx/pairs/variance, sy/pairs/variance
		rd := sd / float64(reals*(nx-1)*(ny-1)) / variance
		if math.Abs(s/n) > 5*math.Sqrt(3/n) {
			t.Errorf("case %d (%s): mean normalised residual %v", ki, c.name, s/n)
		}
		if math.Abs(variance-1) > 0.025 {
			t.Errorf("case %d (%s): variance / rms² = %.4f, want 1", ki, c.name, variance)
		}
		if math.Abs(se2/ne-1) > 0.12 {
			t.Errorf("case %d (%s): edge variance / rms² = %.4f, want 1", ki, c.name, se2/ne)
		}
		for _, got := range []float64{rx, ry} {
			if math.Abs(got-c.rho) > 0.015 {
				t.Errorf("case %d (%s): neighbour correlation %.4f (x %.4f, y %.4f), want %.3f", ki, c.name, got, rx, ry, c.rho)
			}
		}
		if math.Abs(rd-c.rho*c.rho) > 0.015 {
			t.Errorf("case %d (%s): diagonal correlation %.4f, want ρ² = %.3f", ki, c.name, rd, c.rho*c.rho)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	for i, f := range []func(){
		func() { AddTo(make([]float64, 3), nil, make([]float64, 4), 0, 1, 0, 1, newRand(1)) },
		func() { AddTo(make([]float64, 4), nil, make([]float64, 4), 0, 0, 0, 1, newRand(1)) },
		func() { AddTo(make([]float64, 4), nil, make([]float64, 4), -1, 1, 0, 1, newRand(1)) },
		func() { Correlated3(0.8) },
		func() { Drizzle(0, 0.1, 0.06) },
		func() {
			AddCorrelatedTo(make([]float64, 4), make([]float64, 4), make([]float64, 4), 3, 1, 0, 1, 0, 1, Correlated3(0.1), newRand(1))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: no panic", i)
				}
			}()
			f()
		}()
	}
}

// BenchmarkAddNoise64 times AddTo on a 64×64 CANDELS-Wide F160W-like stamp
// (sky 0.13 e⁻/s, 3300 s, 4 × 12 e⁻ read noise: Poisson means ≈ 430 e⁻,
// the PTRS branch).
func BenchmarkAddNoise64(b *testing.B) {
	const n = 64
	model := make([]float64, n*n)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			r2 := float64((i-32)*(i-32) + (j-32)*(j-32))
			model[j*n+i] = 2 * math.Exp(-r2/50)
		}
	}
	sci, rms := make([]float64, n*n), make([]float64, n*n)
	rng := newRand(1)
	b.SetBytes(int64(8 * n * n))
	for b.Loop() {
		AddTo(sci, rms, model, 0.13, 3300, 12, 4, rng)
	}
}

// BenchmarkAddCorrelatedNoise64 is BenchmarkAddNoise64 with the CANDELS
// drizzle kernel.
func BenchmarkAddCorrelatedNoise64(b *testing.B) {
	const n = 64
	model := make([]float64, n*n)
	sci, rms := make([]float64, n*n), make([]float64, n*n)
	rng := newRand(1)
	k := Drizzle(0.8, 0.128, 0.06)
	for b.Loop() {
		AddCorrelatedTo(sci, rms, model, n, n, 0.13, 3300, 12, 4, k, rng)
	}
}
