package sersic

import (
	"math"

	"github.com/galforge/galforge/internal/fastmath"
)

// gammaQ returns the regularised upper incomplete gamma function
// Q(a, x) = Γ(a, x)/Γ(a) for a > 0, x ≥ 0, to ~1e-13 relative (absolute
// below 1e-300): the series of P = 1 − Q for x < a + 1, Lentz's continued
// fraction otherwise (Press et al., Numerical Recipes, §6.2), with internal/fastmath. It stands in for mathext.GammaIncRegComp in the
// per-stamp paths.
func gammaQ(a, x float64) float64 {
	p, q := gammaPQ(a, x)
	if x < a+1 {
		return 1 - p
	}
	return q
}

// gammaP returns the regularised lower incomplete gamma function
// P(a, x) = 1 − Q(a, x), accurate to ~1e-13 relative also where it is small.
func gammaP(a, x float64) float64 {
	p, q := gammaPQ(a, x)
	if x < a+1 {
		return p
	}
	return 1 - q
}

// gammaPQ returns P(a, x) (by the series) if x < a+1, else Q(a, x) (by the
// continued fraction); the other is 0.
func gammaPQ(a, x float64) (p, q float64) {
	if x <= 0 {
		return 0, 0
	}
	lg, _ := math.Lgamma(a)
	pre := a*fastmath.Log(x) - x - lg
	if pre < -708 {
		return 0, 0
	}
	if x < a+1 {
		sum, term := 1/a, 1/a
		for k := 1; k < 1000; k++ {
			term *= x / (a + float64(k))
			sum += term
			if term < sum*1e-16 {
				break
			}
		}
		return sum * fastmath.Exp(pre), 0
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return 0, fastmath.Exp(pre) * h
}
