package sersic

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// TestGammaQ compares gammaQ and gammaP with gonum's GammaIncRegComp and
// GammaIncReg for the shapes
// 2n of Sérsic indices n in [MinN, MaxN] and x up to 300: 1e-12 relative
// (1e-300 absolute), far below what the wrap correction needs.
func TestGammaQ(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		a := 2 * (MinN + (MaxN-MinN)*rng.Float64())
		x := 300 * rng.Float64() * rng.Float64()
		got, want := gammaQ(a, x), mathext.GammaIncRegComp(a, x)
		if math.Abs(got-want) > 1e-12*want+1e-300 {
			t.Fatalf("gammaQ(%v, %v) = %v, want %v", a, x, got, want)
		}
		got, want = gammaP(a, x), mathext.GammaIncReg(a, x)
		if math.Abs(got-want) > 1e-12*want+1e-300 {
			t.Fatalf("gammaP(%v, %v) = %v, want %v", a, x, got, want)
		}
	}
}

// TestBnFast compares bnFast with Bn: the cubic interpolation in ln n of
// the table of b_n is good to 5e-7 relative (measured 2e-7 at n ≈ 0.2 and
// 10; the wrap correction, its only
// user, needs ~1e-4).
func TestBnFast(t *testing.T) {
	t.Parallel()
	for i := range 2000 {
		n := MinN + (MaxN-MinN)*float64(i)/1999
		if got, want := bnFast(n), Bn(n); math.Abs(got-want) > 5e-7*want {
			t.Errorf("bnFast(%v) = %v, want %v", n, got, want)
		}
	}
}
