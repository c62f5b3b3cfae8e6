// Package rendertest holds the invariants every renderer configuration must
// satisfy, for use in tests.
package rendertest

import (
	"math"
	"testing"

	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/sims"
)

// CheckConservation renders g with r for the given views and checks, for
// every band, that the image sum equals the light of the particles
// (render.Renderer.IntrinsicTotals) to 1e-6 relative. g must lie well inside
// the field (every particle's kernel inside it), which CheckConservation
// verifies from the images' MassInFieldMsun.
func CheckConservation(t testing.TB, r *render.Renderer, g *sims.Galaxy, views []render.View) []*render.Image {
	t.Helper()
	ims, err := r.Render(g, views)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	z, _ := r.Redshift(g)
	want, err := r.IntrinsicTotals(g, z)
	if err != nil {
		t.Fatalf("intrinsic totals: %v", err)
	}
	mtot := g.StellarMassMsun()
	for _, im := range ims {
		if math.Abs(im.MassInFieldMsun-mtot) > 1e-12*mtot {
			t.Fatalf("view %s: %g of %g M☉ in the field: the galaxy must lie inside it for this check", im.View.Name, im.MassInFieldMsun, mtot)
		}
		for b, name := range im.Bands {
			got := render.Sum(im.Data[b])
			if math.Abs(got-want[b]) > 1e-6*math.Abs(want[b]) {
				t.Errorf("view %s band %s: image sum %.9g, particles %.9g (rel %.2g)", im.View.Name, name, got, want[b], math.Abs(got-want[b])/want[b])
			}
		}
	}
	return ims
}
