package sersic

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Range of Sérsic indices the package supports.
const (
	MinN = 0.2
	MaxN = 10.0
)

// ErrInvalid is wrapped by every error that Validate returns.
var ErrInvalid = errors.New("invalid profile")

// Bn returns b_n, the solution of P(2n, b_n) = 1/2 where P is the
// regularised lower incomplete gamma function, so that Re encloses half the
// light. It is exact to ~1e-14 relative. n must lie in [MinN, MaxN],
// otherwise Bn panics.
func Bn(n float64) float64 {
	if !(n >= MinN && n <= MaxN) {
		panic(fmt.Sprintf("sersic: Bn: n = %v outside [%v, %v]", n, MinN, MaxN))
	}
	a := 2 * n
	b := mathext.GammaIncRegInv(a, 0.5)
	// Newton polish: dP/dx = x^(a-1) e^-x / Γ(a).
	lg, _ := math.Lgamma(a)
	for range 3 {
		f := mathext.GammaIncReg(a, b) - 0.5
		d := math.Exp((a-1)*math.Log(b) - b - lg)
		step := f / d
		b -= step
		if math.Abs(step) < 1e-15*b {
			break
		}
	}
	return b
}

// Sersic is an elliptical Sérsic profile on the sky.
type Sersic struct {
	// Flux is the total flux of the untruncated profile (e.g. e⁻/s).
	Flux float64
	// ReArcsec is the half-light radius along the semi-major axis, arcsec.
	ReArcsec float64
	// N is the Sérsic index, in [MinN, MaxN].
	N float64
	// Q is the axis ratio b/a, in (0, 1].
	Q float64
	// PADeg is the position angle of the major axis in degrees,
	// counter-clockwise from the +y image axis.
	PADeg float64
	// X0, Y0 are the centre in 1-indexed FITS pixel coordinates.
	X0, Y0 float64
}

// Validate returns an error wrapping ErrInvalid if a field is NaN or
// infinite, Flux < 0, ReArcsec ≤ 0, N is outside [MinN, MaxN] or Q is
// outside (0, 1].
func (p Sersic) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"Flux", p.Flux}, {"ReArcsec", p.ReArcsec}, {"N", p.N}, {"Q", p.Q}, {"PADeg", p.PADeg}, {"X0", p.X0}, {"Y0", p.Y0}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("sersic: %s = %v: %w", f.name, f.v, ErrInvalid)
		}
	}
	switch {
	case p.Flux < 0:
		return fmt.Errorf("sersic: Flux = %v < 0: %w", p.Flux, ErrInvalid)
	case p.ReArcsec <= 0:
		return fmt.Errorf("sersic: ReArcsec = %v ≤ 0: %w", p.ReArcsec, ErrInvalid)
	case p.N < MinN || p.N > MaxN:
		return fmt.Errorf("sersic: N = %v outside [%v, %v]: %w", p.N, MinN, MaxN, ErrInvalid)
	case p.Q <= 0 || p.Q > 1:
		return fmt.Errorf("sersic: Q = %v outside (0, 1]: %w", p.Q, ErrInvalid)
	}
	return nil
}

// BulgeDisc is a bulge plus a disc, two Sérsic profiles with a shared centre
// and position angle.
type BulgeDisc struct {
	// Flux is the total flux of both components; BT the bulge fraction in
	// [0, 1].
	Flux, BT float64
	// Bulge and disc half-light radii (arcsec, semi-major axis), indices and
	// axis ratios.
	BulgeReArcsec, BulgeN, BulgeQ float64
	DiscReArcsec, DiscN, DiscQ    float64
	// PADeg and X0, Y0 as in Sersic.
	PADeg, X0, Y0 float64
}

// Components returns the bulge and the disc as Sérsic profiles.
func (bd BulgeDisc) Components() (bulge, disc Sersic) {
	bulge = Sersic{Flux: bd.Flux * bd.BT, ReArcsec: bd.BulgeReArcsec, N: bd.BulgeN, Q: bd.BulgeQ, PADeg: bd.PADeg, X0: bd.X0, Y0: bd.Y0}
	disc = Sersic{Flux: bd.Flux * (1 - bd.BT), ReArcsec: bd.DiscReArcsec, N: bd.DiscN, Q: bd.DiscQ, PADeg: bd.PADeg, X0: bd.X0, Y0: bd.Y0}
	return bulge, disc
}

// Validate checks BT ∈ [0, 1] and both components as Sersic.Validate does.
func (bd BulgeDisc) Validate() error {
	if !(bd.BT >= 0 && bd.BT <= 1) {
		return fmt.Errorf("sersic: BT = %v outside [0, 1]: %w", bd.BT, ErrInvalid)
	}
	b, d := bd.Components()
	if err := b.Validate(); err != nil {
		return fmt.Errorf("bulge: %w", err)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("disc: %w", err)
	}
	return nil
}
