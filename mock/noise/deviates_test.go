package noise

import (
	"math"
	"math/rand/v2"
	"testing"
)

// poissonRef is poisson with the math package's Exp, Log and Lgamma and
// rand's NormFloat64, as before internal/fastmath was used.
func poissonRef(lam float64, rng *rand.Rand) float64 {
	switch {
	case lam <= 0:
		return 0
	case lam < 10:
		enlam := math.Exp(-lam)
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
		slam := math.Sqrt(lam)
		loglam := math.Log(lam)
		b := 0.931 + 2.53*slam
		a := -0.059 + 0.02483*b
		invalpha := 1.1239 + 1.1328/(b-3.4)
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
			lg, _ := math.Lgamma(k + 1)
			if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
				return k
			}
		}
	default:
		return lam + math.Sqrt(lam)*rng.NormFloat64()
	}
}

// TestSameDeviates checks that the pure-Go exp, log and lgamma leave the
// deviates unchanged: normFloat64 against rand's NormFloat64 and poisson
// against poissonRef, draw for draw from generators with the same seed
// (only a decision at a rounding boundary, probability ~1e-16 a draw,
// could differ).
func TestSameDeviates(t *testing.T) {
	t.Parallel()
	r1, r2 := newRand(11), newRand(11)
	for i := range 1000000 {
		if a, b := normFloat64(r1), r2.NormFloat64(); a != b {
			t.Fatalf("draw %d: normFloat64 %v, NormFloat64 %v", i, a, b)
		}
	}
	for _, lam := range []float64{0.3, 3, 9.9, 10, 37, 420, 3000, 9e4, 2e5} {
		r1, r2 := newRand(12), newRand(12)
		for i := range 100000 {
			if a, b := poisson(lam, r1), poissonRef(lam, r2); a != b {
				t.Fatalf("λ = %v, draw %d: poisson %v, reference %v", lam, i, a, b)
			}
		}
	}
}
