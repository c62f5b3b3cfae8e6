package sersic

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// ciottiBertin is the asymptotic series of Ciotti & Bertin (1999, eq. 18)
// for b_n, and the size of its last term.
func ciottiBertin(n float64) (b, last float64) {
	last = 2194697 / (30690717750 * n * n * n * n)
	b = 2*n - 1.0/3 + 4/(405*n) + 46/(25515*n*n) + 131/(1148175*n*n*n) - last
	return b, last
}

func TestBnCiottiBertin(t *testing.T) {
	t.Parallel()
	for n := 0.5; n <= MaxN; n += 0.25 {
		got := Bn(n)
		cb, last := ciottiBertin(n)
		// The series is asymptotic in 1/n: its error is of the order of the
		// first omitted term, comparable to the last term kept, ~7e-5/n⁴
		// (1e-3 at n = 0.5, 9e-7 at n = 3; measured: 0.7 to 1.3 times it).
		// It is 1e-6-accurate only from n ≈ 3.3 on, so the tolerance is the
		// larger of 1e-6 and twice that term.
		tol := math.Max(1e-6, 2*math.Abs(last))
		if math.Abs(got-cb) > tol {
			t.Errorf("n=%v: Bn = %.10f, Ciotti–Bertin %.10f, |Δ| %.3g > %.3g", n, got, cb, math.Abs(got-cb), tol)
		}
	}
}

func TestBnBisection(t *testing.T) {
	t.Parallel()
	for _, n := range []float64{0.2, 0.3, 0.5, 0.7, 1, 1.5, 2.5, 4, 6, 8.5, 10} {
		lo, hi := 1e-6, 30.0
		for range 200 {
			mid := (lo + hi) / 2
			if mathext.GammaIncReg(2*n, mid) < 0.5 {
				lo = mid
			} else {
				hi = mid
			}
		}
		want := (lo + hi) / 2
		got := Bn(n)
		// Bisection to the float64 resolution of P(2n, x); both solve the
		// same equation, so they agree to a few ulps of b (1e-12 relative).
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("n=%v: Bn = %.15g, bisection %.15g", n, got, want)
		}
	}
	// Known values: b_{1/2} = ln 2 (Gaussian), b_1 = 1.67834699…, b_4 = 7.66924944…
	for _, c := range []struct{ n, want float64 }{{0.5, math.Ln2}, {1, 1.678346990016661}, {4, 7.669249442500805}} {
		if got := Bn(c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Bn(%v) = %.15g, want %.15g", c.n, got, c.want)
		}
	}
}

func TestBnPanics(t *testing.T) {
	t.Parallel()
	for _, n := range []float64{0.1, 10.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Bn(%v): no panic", n)
				}
			}()
			Bn(n)
		}()
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := Sersic{Flux: 10, ReArcsec: 0.3, N: 2, Q: 0.5, PADeg: 30, X0: 32, Y0: 32}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid profile: %v", err)
	}
	for i, c := range []struct {
		name string
		mod  func(*Sersic)
	}{
		{"n low", func(p *Sersic) { p.N = 0.1 }},
		{"n high", func(p *Sersic) { p.N = 11 }},
		{"q zero", func(p *Sersic) { p.Q = 0 }},
		{"q > 1", func(p *Sersic) { p.Q = 1.01 }},
		{"q negative", func(p *Sersic) { p.Q = -0.5 }},
		{"re zero", func(p *Sersic) { p.ReArcsec = 0 }},
		{"re negative", func(p *Sersic) { p.ReArcsec = -1 }},
		{"flux negative", func(p *Sersic) { p.Flux = -1 }},
		{"NaN n", func(p *Sersic) { p.N = math.NaN() }},
		{"NaN flux", func(p *Sersic) { p.Flux = math.NaN() }},
		{"NaN x0", func(p *Sersic) { p.X0 = math.NaN() }},
		{"Inf pa", func(p *Sersic) { p.PADeg = math.Inf(1) }},
	} {
		p := good
		c.mod(&p)
		err := p.Validate()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid", i, c.name, err)
		}
	}
	bd := BulgeDisc{Flux: 10, BT: 0.3, BulgeReArcsec: 0.1, BulgeN: 4, BulgeQ: 0.9, DiscReArcsec: 0.5, DiscN: 1, DiscQ: 0.4, X0: 32, Y0: 32}
	if err := bd.Validate(); err != nil {
		t.Fatalf("valid bulge+disc: %v", err)
	}
	bd.BT = 1.2
	if err := bd.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("BT = 1.2: got %v, want ErrInvalid", err)
	}
	bd.BT, bd.DiscQ = 0.3, 0
	if err := bd.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("disc q = 0: got %v, want ErrInvalid", err)
	}
	// The drawer refuses invalid profiles too.
	d, err := NewDrawer(16, 16, 0.06, nil, 0, 0, Instrumental)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.DrawTo(make([]float64, 256), Sersic{Flux: 1, ReArcsec: 0.1, N: 12, Q: 1, X0: 8, Y0: 8}); !errors.Is(err, ErrInvalid) {
		t.Errorf("DrawTo n=12: got %v, want ErrInvalid", err)
	}
	if err := d.DrawTo(make([]float64, 10), good); err == nil {
		t.Error("DrawTo with a short dst: want error")
	}
}
