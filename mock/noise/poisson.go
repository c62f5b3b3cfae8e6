package noise

import (
	"github.com/galforge/galforge/internal/fastmath"
	"math"
	"math/rand/v2"
)

// GaussianThreshold is the Poisson mean (e⁻) above which Poisson deviates
// are drawn as Normal(λ, λ).
const GaussianThreshold = 1e5

// poisson returns a Poisson deviate of mean lam ≥ 0 (see the package
// comment for the methods).
func poisson(lam float64, rng *rand.Rand) float64 {
	switch {
	case lam <= 0:
		return 0
	case lam < 10:
		// Multiplication method: count uniforms until their product
		// drops below e^−λ.
		enlam := fastmath.Exp(-lam)
		prod := 1.0
		k := 0.0
		for {
			prod *= rng.Float64()
			if prod <= enlam {
				return k
			}
			k++
		}
	case lam < GaussianThreshold:
		return ptrs(lam, rng)
	default:
		return lam + math.Sqrt(lam)*normFloat64(rng)
	}
}

// ptrs is Hörmann's (1993) transformed rejection with squeeze, valid for
// λ ≥ 10. (Logarithms by fastmath.Log and fastmath.Lgamma: see internal/fastmath.)
func ptrs(lam float64, rng *rand.Rand) float64 {
	slam := math.Sqrt(lam)
	loglam := 0.0 // ln λ, computed when first needed
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		if loglam == 0 {
			loglam = fastmath.Log(lam) // λ ≥ 10: not 0
		}
		// ln v + ln(1/α) − ln(a/us² + b) as one logarithm.
		invalpha := 1.1239 + 1.1328/(b-3.4)
		if v == 0 || fastmath.Log(v*invalpha/(a/(us*us)+b)) <= -lam+k*loglam-fastmath.Lgamma(k+1) {
			return k
		}
	}
}
