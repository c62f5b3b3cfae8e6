package emulate

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestMomentFeatures: on sampled elliptical Gaussians, offset from the
// stamp centre and in two channels, the features equal the analytic moments
// of the product of the image and the window: both Gaussian, their product
// is the Gaussian of precision P = Σ⁻¹ + 1/σ², whose covariance P⁻¹ gives
// e₁, e₂ and the size, and whose integral the level.
func TestMomentFeatures(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	const S = 64
	sigmas := []float64{2, 4, 8}
	type gauss struct{ sx, sy, theta, dx, dy, amp float64 }
	// Batch of 2 stamps × 2 channels.
	gs := [2][2]gauss{
		{{3, 1.5, 0.4, 0.3, -0.2, 5}, {6, 4, -1.1, -0.4, 0.1, 0.7}},
		{{2, 2, 0, 0, 0, 1}, {4, 1, 2.0, 0.5, 0.5, 2}},
	}
	cov := func(p gauss) (xx, yy, xy float64) {
		c, s := math.Cos(p.theta), math.Sin(p.theta)
		return c*c*p.sx*p.sx + s*s*p.sy*p.sy, s*s*p.sx*p.sx + c*c*p.sy*p.sy, c * s * (p.sx*p.sx - p.sy*p.sy)
	}
	x := make([]float32, 2*S*S*2)
	for b := range 2 {
		for ch := range 2 {
			p := gs[b][ch]
			xx, yy, xy := cov(p)
			det := xx*yy - xy*xy
			for r := range S {
				for c := range S {
					u, v := float64(c)+0.5-S/2-p.dx, float64(r)+0.5-S/2-p.dy
					q := (yy*u*u - 2*xy*u*v + xx*v*v) / det
					x[((b*S+r)*S+c)*2+ch] = float32(p.amp * math.Exp(-q/2))
				}
			}
		}
	}
	e, err := NewExec(be, func(x *Node) *Node { return momentFeatures(x, sigmas) })
	if err != nil {
		t.Fatal(err)
	}
	out := e.MustExec(tensors.FromFlatDataAndDimensions(x, 2, S, S, 2))[0]
	got := tensors.MustCopyFlatData[float32](out)
	K := len(sigmas)
	if n := len(got); n != 2*2*momentFeatureCount*K {
		t.Fatalf("%d features, want %d", n, 2*2*momentFeatureCount*K)
	}
	for b := range 2 {
		for ch := range 2 {
			p := gs[b][ch]
			xx, yy, xy := cov(p)
			det := xx*yy - xy*xy
			for k, sg := range sigmas {
				// Precision of the product, and its covariance.
				pxx, pyy, pxy := yy/det+1/(sg*sg), xx/det+1/(sg*sg), -xy/det
				pd := pxx*pyy - pxy*pxy
				cxx, cyy, cxy := pyy/pd, pxx/pd, -pxy/pd
				// Level: ∫wI / ∫w, w = exp(−r²/2σ²).
				mu := [2]float64{(yy*p.dx - xy*p.dy) / det, (-xy*p.dx + xx*p.dy) / det} // Σ⁻¹δ
				m := [2]float64{cxx*mu[0] + cxy*mu[1], cxy*mu[0] + cyy*mu[1]}           // P⁻¹Σ⁻¹δ
				quad := (yy*p.dx*p.dx-2*xy*p.dx*p.dy+xx*p.dy*p.dy)/det - (mu[0]*m[0] + mu[1]*m[1])
				level := p.amp * math.Exp(-quad/2) / (math.Sqrt(pd) * sg * sg)
				want := [momentFeatureCount]float64{level, (cxx - cyy) / (cxx + cyy), 2 * cxy / (cxx + cyy), (cxx + cyy) / (sg * sg)}
				for f, w := range want {
					// Layout: [B, C·4K] with, per channel, the 4 features × K windows.
					g := float64(got[b*2*momentFeatureCount*K+ch*momentFeatureCount*K+f*K+k])
					if math.Abs(g-w) > 2e-4*max(1, math.Abs(w)) {
						t.Errorf("stamp %d channel %d σ=%g feature %d: %.6f, want %.6f", b, ch, sg, f, g, w)
					}
				}
			}
		}
	}
}
