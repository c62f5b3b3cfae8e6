package emulate

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// gaussImage is an s×s image (one channel) of the elliptical Gaussian
// amp·exp(−½ rᵀΣ⁻¹r) centred at (cx, cy) pixels from the stamp centre, with
// covariance [[sxx, sxy], [sxy, syy]] in pixels² (x along a row).
func gaussImage(s int, amp, sxx, syy, sxy, cx, cy float64) []float32 {
	det := sxx*syy - sxy*sxy
	ixx, iyy, ixy := syy/det, sxx/det, -sxy/det
	c := float64(s-1) / 2
	im := make([]float32, s*s)
	for y := range s {
		for x := range s {
			dx, dy := float64(x)-c-cx, float64(y)-c-cy
			im[y*s+x] = float32(amp * math.Exp(-0.5*(ixx*dx*dx+iyy*dy*dy+2*ixy*dx*dy)))
		}
	}
	return im
}

func runMoments(t *testing.T, x []float32, bs, s, nc int) []float32 {
	t.Helper()
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	r, err := ExecOnce(be, func(x *Node) *Node { return momentFeatures(x) }, tensors.FromFlatDataAndDimensions(x, bs, s, s, nc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Shape().Dimensions, []int{bs, nc * momentsPerChannel()}; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("features %v, want %v", got, want)
	}
	return tensors.MustCopyFlatData[float32](r)
}

// TestMomentFeatures: for a centred elliptical Gaussian of covariance Σ, the
// moments under a circular Gaussian weight of σ_w are those of the product,
// Σ' = (Σ⁻¹ + I/σ_w²)⁻¹, so e₁ = (Σ'xx − Σ'yy)/tr Σ', e₂ = 2Σ'xy/tr Σ',
// t = tr Σ'/σ_w², and Σ w·I = amp·2π√det Σ'.
func TestMomentFeatures(t *testing.T) {
	const s, amp = 64, 0.8
	sxx, syy, sxy := 9.0, 4.0, 2.5
	f := runMoments(t, gaussImage(s, amp, sxx, syy, sxy, 0, 0), 1, s, 1)
	if math.Abs(float64(f[0])) > 1e-5 || math.Abs(float64(f[1])) > 1e-5 {
		t.Errorf("centroid (%g, %g), want 0", f[0], f[1])
	}
	det := sxx*syy - sxy*sxy
	for k, sw := range momentScales {
		// Σ' = (Σ⁻¹ + I/σ_w²)⁻¹ for 2×2 matrices.
		w := 1 / (sw * sw)
		a, b, c := syy/det+w, sxx/det+w, -sxy/det // Σ'⁻¹ = [[a, c], [c, b]]
		d := a*b - c*c
		pxx, pyy, pxy := b/d, a/d, -c/d
		tr := pxx + pyy
		want := []float64{(pxx - pyy) / tr, 2 * pxy / tr, tr / (sw * sw), math.Asinh(amp * 2 * math.Pi * math.Sqrt(pxx*pyy-pxy*pxy) / (2 * math.Pi * sw * sw))}
		got := f[2+4*k : 6+4*k]
		for i, name := range []string{"e1", "e2", "t", "mean intensity"} {
			if math.Abs(float64(got[i])-want[i]) > 2e-4*(1+math.Abs(want[i])) {
				t.Errorf("σ_w %g: %s = %.6f, want %.6f", sw, name, got[i], want[i])
			}
		}
	}
}

// TestMomentFeaturesTurn: the features of an off-centre, noisy galaxy turn
// with the augmentation as the ellipticity and the centroid do — a half
// turn leaves e₁, e₂ and negates the centroid, a quarter turn negates e₁ and
// e₂, a flip keeps |e| — and the size and intensity never change. A blank
// channel and a noise-only channel give finite features.
func TestMomentFeaturesTurn(t *testing.T) {
	const s = 48
	r := rand.New(rand.NewPCG(1, 2))
	gal := gaussImage(s, 5, 6, 2, -1.2, 0.4, -0.3)
	for i := range gal {
		gal[i] += float32(0.05 * r.NormFloat64())
	}
	noise := make([]float32, s*s)
	for i := range noise {
		noise[i] = float32(r.NormFloat64())
	}
	blank := make([]float32, s*s)
	// Channels last: galaxy, noise, blank.
	x := make([]float32, 3*s*s)
	for i := range s * s {
		x[3*i], x[3*i+1], x[3*i+2] = gal[i], noise[i], blank[i]
	}
	augs := Augmentations(8)
	in := make([]float32, 0, len(augs)*len(x))
	for _, a := range augs {
		dst := make([]float32, len(x))
		a.Apply(dst, x, s, 3)
		in = append(in, dst...)
	}
	np := momentsPerChannel()
	f := runMoments(t, in, len(augs), s, 3)
	for i, v := range f {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("feature %d = %v", i, v)
		}
	}
	ref := f[:np] // the galaxy channel of the identity
	if ref[0] == 0 || ref[1] == 0 {
		t.Fatalf("centroid (%g, %g) of an off-centre galaxy", ref[0], ref[1])
	}
	near := func(a, b float32) bool { return math.Abs(float64(a-b)) <= 2e-4*(1+math.Abs(float64(b))) }
	for ai, a := range augs {
		g := f[ai*3*np : ai*3*np+np]
		for k := range momentScales {
			e1, e2, r1, r2 := g[2+4*k], g[3+4*k], ref[2+4*k], ref[3+4*k]
			if !near(g[4+4*k], ref[4+4*k]) || !near(g[5+4*k], ref[5+4*k]) {
				t.Errorf("%+v, σ_w %g: size/intensity (%g, %g), identity (%g, %g)", a, momentScales[k], g[4+4*k], g[5+4*k], ref[4+4*k], ref[5+4*k])
			}
			if !near(float32(math.Hypot(float64(e1), float64(e2))), float32(math.Hypot(float64(r1), float64(r2)))) {
				t.Errorf("%+v, σ_w %g: |e| changed: (%g, %g) against (%g, %g)", a, momentScales[k], e1, e2, r1, r2)
			}
			if a.Flip {
				continue
			}
			sign := float32(1)
			if a.Rot%2 == 1 {
				sign = -1
			}
			if !near(e1, sign*r1) || !near(e2, sign*r2) {
				t.Errorf("%+v, σ_w %g: e (%g, %g), want %g × (%g, %g)", a, momentScales[k], e1, e2, sign, r1, r2)
			}
		}
		if a == (Augmentation{Rot: 2}) && (!near(g[0], -ref[0]) || !near(g[1], -ref[1])) {
			t.Errorf("half turn: centroid (%g, %g), identity (%g, %g)", g[0], g[1], ref[0], ref[1])
		}
	}
	// The blank channel: every feature 0 (no light, no shape).
	for i, v := range f[2*np : 3*np] {
		if v != 0 {
			t.Errorf("blank channel feature %d = %g", i, v)
		}
	}
}
