package fastmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAgainstMath compares Exp, Log, Pow and Lgamma with the math package
// over the ranges galforge uses them in (mock/sersic, mock/noise).
func TestAgainstMath(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		x := -700 + 1400*rng.Float64()
		if got, want := Exp(x), math.Exp(x); math.Abs(got-want) > 1e-15*want {
			t.Fatalf("Exp(%v) = %v, want %v", x, got, want)
		}
		y := math.Exp(-600 + 1200*rng.Float64())
		if got, want := Log(y), math.Log(y); math.Abs(got-want) > 1e-15+1e-15*math.Abs(want) {
			t.Fatalf("Log(%v) = %v, want %v", y, got, want)
		}
		p := 0.05 + 5*rng.Float64()
		z := math.Exp(-30 + 60*rng.Float64())
		if got, want := Pow(z, p), math.Pow(z, p); math.Abs(got-want) > 1e-13*want {
			t.Fatalf("Pow(%v, %v) = %v, want %v", z, p, got, want)
		}
		k := math.Floor(math.Exp(14 * rng.Float64()))
		want, _ := math.Lgamma(k + 1)
		if got := Lgamma(k + 1); math.Abs(got-want) > 1e-15*math.Abs(want)+1e-15 {
			t.Fatalf("Lgamma(%v) = %v, want %v", k+1, got, want)
		}
	}
	for _, c := range []struct{ x, want float64 }{{0, 1}, {-800, 0}, {1, math.E}, {-708, math.Exp(-708)}} {
		if got := Exp(c.x); math.Abs(got-c.want) > 1e-15*c.want {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsInf(Exp(710), 1) {
		t.Error("Exp(710) is not +Inf")
	}
	if got := Log(1); got != 0 {
		t.Errorf("Log(1) = %v, want 0", got)
	}
}

// BenchmarkExp and BenchmarkMathExp time one call each on the same
// arguments (the comparison behind this package).
func BenchmarkExp(b *testing.B)     { benchExp(b, Exp) }
func BenchmarkMathExp(b *testing.B) { benchExp(b, math.Exp) }

func benchExp(b *testing.B, f func(float64) float64) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -20 + 40*float64(i)/1024
	}
	var s float64
	i := 0
	for b.Loop() {
		s += f(xs[i&1023])
		i++
	}
	if s == 0 {
		b.Fatal(s)
	}
}
