package sersic

import (
	"encoding/binary"
	"flag"
	"math"
	"os"
	"testing"
)

var updateTable = flag.Bool("update-table", false, "recompute hankel_table.bin")

// TestHankelTableFile checks the embedded table against fresh quadrature on
// three rows (n = 0.2, ≈1.5, 10); with -update-table it rewrites the file.
func TestHankelTableFile(t *testing.T) {
	if *updateTable {
		h := computeTable()
		buf := make([]byte, 0, tabNN*tabNK*8)
		for _, row := range h {
			for _, v := range row {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
		}
		if err := os.WriteFile("hankel_table.bin", buf, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Parallel()
	if len(tableFile) != tabNN*tabNK*8 {
		t.Fatalf("hankel_table.bin has %d bytes, want %d: run go test -run TestHankelTableFile -update-table", len(tableFile), tabNN*tabNK*8)
	}
	h := table()
	for _, i := range []int{0, 50, tabNN - 1} {
		want := computeRow(i)
		for j, v := range want {
			// Same code, same inputs: equal up to the parallel/serial
			// evaluation order, i.e. bit for bit; allow 1e-15 for
			// compilers that fuse multiply-adds differently.
			if math.Abs(h[i][j]-v) > 1e-15 {
				t.Fatalf("row %d (n=%.4g), κ index %d: embedded %.17g, computed %.17g", i, tabN(i), j, h[i][j], v)
			}
		}
	}
}

// TestHankelAnalytic checks the quadrature against the closed forms for
// n = 1/2 (a Gaussian: h = exp(−κ²/(4 ln 2))) and n = 1 (an exponential:
// h = (1 + (κ/b)²)^{-3/2}).
func TestHankelAnalytic(t *testing.T) {
	t.Parallel()
	table()
	for _, n := range []float64{0.5, 1} {
		b := Bn(n)
		var worstQ, worstT float64
		for _, k := range []float64{1e-3, 0.01, 0.1, 0.5, 1, 2, 3.3, 7, 10, 30, 100, 1000, 5000} {
			var want float64
			if n == 0.5 {
				want = math.Exp(-k * k / (4 * math.Ln2))
			} else {
				want = math.Pow(1+k*k/(b*b), -1.5)
			}
			worstQ = math.Max(worstQ, math.Abs(hankel(n, b, k)-want))
			r := newRow(nil, n)
			worstT = math.Max(worstT, math.Abs(r.eval2(k*k)-want))
		}
		// Quadrature: 16-point Gauss–Legendre per lobe is good to ~1e-12;
		// the table adds interpolation error (cubic in ln n and ln κ,
		// Δln κ = 0.058, Δln n = 0.041), measured 1.5e-6 here. An error δ
		// in h changes a pixel by at most δ·F times the fraction of Fourier
		// modes it affects, ≲ 1e-5 of the peak pixel for δ = 3e-6.
		if worstQ > 1e-10 {
			t.Errorf("n=%v: quadrature: max error %g", n, worstQ)
		}
		if worstT > 3e-6 {
			t.Errorf("n=%v: table: max error %g", n, worstT)
		}
		t.Logf("n=%v: max |error| quadrature %.2g, table %.2g", n, worstQ, worstT)
	}
}

// TestHankelTableInterpolation compares the interpolated table with direct
// quadrature at n and κ half-way between grid nodes, over the whole range.
func TestHankelTableInterpolation(t *testing.T) {
	t.Parallel()
	table()
	var worst float64
	var wn, wk float64
	for i := 0; i < tabNN-1; i += 5 {
		n := math.Exp(tabLnN0 + (float64(i)+0.5)*tabDLnN)
		r := newRow(nil, n)
		b := Bn(n)
		for j := 0; j < tabNK-1; j += 7 {
			k := math.Exp(tabLnK0 + (float64(j)+0.5)*tabDLnK)
			d := math.Abs(r.eval2(k*k) - hankel(n, b, k))
			if d > worst {
				worst, wn, wk = d, n, k
			}
		}
	}
	t.Logf("worst interpolation error %.2g at n=%.3g κ=%.3g", worst, wn, wk)
	// Worst near n = 0.2, whose nearly flat-topped profile has an
	// oscillating transform (2.8e-5 at κ ≈ 7); < 3e-6 for n ≥ 0.3.
	if worst > 5e-5 {
		t.Errorf("worst interpolation error %g at n=%g κ=%g, want < 5e-5", worst, wn, wk)
	}
}
